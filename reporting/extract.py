"""The pseudonymised person-level extract for evaluators.

Only people who agreed to their information being used for research are included. No
direct identifiers: no name, NHS number, date of birth, postcode or free text. People and
referrals are keyed by a pseudonym made with the recipient's own secret (HMAC-SHA256), so
one recipient's rows link across their extracts but never to another recipient's. Dates
are reduced to the month, ages to bands, places to practice and deprivation decile.

Streamed: rows are read and written a chunk at a time, so memory stays flat however many
referrals there are."""

import hashlib
import hmac
import io
from collections import defaultdict
from collections.abc import Iterator

from core import csv_safe
from organisations.models import Area, Organisation, PrimaryCareNetwork
from reporting.labels import MEASURES
from reporting.models import ExtractRecipient, FactTag, OutcomeFact

CHUNK = 2000
FIELDS = [
    "area_code",
    "practice_ods",
    "pcn_ods",
    "month_received",
    "source",
    "age_band",
    "sex",
    "ethnic_group",
    "imd_decile",
    "status",
    "discharge_reason",
    "days_to_first_contact",
    "days_to_first_activity",
    "contacts",
    "activity_referrals",
    "activity_referrals_accepted",
    "activities_attended",
    "signposts",
    "gp_before",
    "gp_after",
    "ae_before",
    "ae_after",
]
HEADER = [
    "person",
    "referral",
    *FIELDS,
    "needs",
    "activity_types",
    *(f"{m}.{part}" for m in MEASURES for part in ("baseline", "follow_up")),
]


def pseudonym(recipient: ExtractRecipient, kind: str, value) -> str:
    digest = hmac.new(bytes.fromhex(recipient.key), f"{kind}:{value}".encode(), hashlib.sha256)
    return digest.hexdigest()[:20]


def row_count(facts) -> int:
    """How many referrals the file will hold (counted before it streams)."""
    return facts.filter(research_allowed=True).count()


def rows(recipient: ExtractRecipient, facts) -> Iterator[list]:
    facts = facts.filter(research_allowed=True).order_by()
    areas = dict(Area.objects.values_list("pk", "code"))
    practices = dict(
        Organisation.objects.filter(kind=Organisation.Kind.GP_PRACTICE).values_list(
            "pk", "ods_code"
        )
    )
    pcns = dict(PrimaryCareNetwork.objects.values_list("pk", "ods_code"))
    chunk = []
    for fact in facts.values(
        "referral_id",
        "person_id",
        "area_id",
        "practice_id",
        "pcn_id",
        "month",
        "source",
        "age_band",
        "sex",
        "ethnic_group",
        "imd_decile",
        "status",
        "discharge_reason",
        "first_contact_days",
        "first_activity_days",
        "contacts",
        "onward_sent",
        "onward_accepted",
        "onward_attended",
        "signposts",
        "gp_before",
        "gp_after",
        "ae_before",
        "ae_after",
    ).iterator(chunk_size=CHUNK):
        chunk.append(fact)
        if len(chunk) == CHUNK:
            yield from _chunk(recipient, chunk, areas, practices, pcns)
            chunk = []
    if chunk:
        yield from _chunk(recipient, chunk, areas, practices, pcns)


def _chunk(recipient, chunk, areas, practices, pcns) -> Iterator[list]:
    ids = [f["referral_id"] for f in chunk]
    tags = defaultdict(lambda: defaultdict(list))
    for fact_id, kind, code in (
        FactTag.objects.filter(fact_id__in=ids).values_list("fact_id", "kind", "code").order_by()
    ):
        tags[fact_id][kind].append(code)
    scores = defaultdict(dict)
    for fact_id, measure, baseline, follow_up in (
        OutcomeFact.objects.filter(fact_id__in=ids)
        .values_list("fact_id", "measure", "baseline", "follow_up")
        .order_by()
    ):
        scores[fact_id][measure] = (baseline, follow_up)
    for f in chunk:
        rid = f["referral_id"]
        values = {
            "area_code": areas.get(f["area_id"], ""),
            "practice_ods": practices.get(f["practice_id"], ""),
            "pcn_ods": pcns.get(f["pcn_id"], ""),
            "month_received": f"{f['month']:%Y-%m}",
            "source": f["source"],
            "age_band": f["age_band"],
            "sex": f["sex"],
            "ethnic_group": f["ethnic_group"],
            "imd_decile": f["imd_decile"],
            "status": f["status"],
            "discharge_reason": f["discharge_reason"],
            "days_to_first_contact": f["first_contact_days"],
            "days_to_first_activity": f["first_activity_days"],
            "contacts": f["contacts"],
            "activity_referrals": f["onward_sent"],
            "activity_referrals_accepted": f["onward_accepted"],
            "activities_attended": f["onward_attended"],
            "signposts": f["signposts"],
            "gp_before": f["gp_before"],
            "gp_after": f["gp_after"],
            "ae_before": f["ae_before"],
            "ae_after": f["ae_after"],
        }
        measured = scores.get(rid, {})
        yield [
            pseudonym(recipient, "person", f["person_id"]),
            pseudonym(recipient, "referral", rid),
            *("" if values[k] is None else values[k] for k in FIELDS),
            ";".join(sorted(tags[rid][FactTag.Kind.NEED])),
            ";".join(sorted(tags[rid][FactTag.Kind.ACTIVITY])),
            *(
                "" if v is None else f"{v:g}"
                for m in MEASURES
                for v in measured.get(m, (None, None))
            ),
        ]


def csv_lines(recipient: ExtractRecipient, facts) -> Iterator[str]:
    """The extract as CSV text, a chunk of lines at a time."""
    buffer = io.StringIO()
    writer = csv_safe.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for count, row in enumerate(rows(recipient, facts), start=1):
        writer.writerow(row)
        if count % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
