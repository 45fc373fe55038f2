"""The message back to the GP or referrer, shaped after the PRSB social prescribing
information standard: who, when, SNOMED CT codes, and — only if the person chose to share
a summary — what mattered to them, the activities they took up, their outcome scores
before and after, and why they were discharged."""

from decimal import Decimal
from io import BytesIO

from django.utils import timezone

from core.models import Concept
from core.presenters import nice_date
from outcomes import instruments
from outcomes.presenters import scored_series
from referrals.models import GPSharing, Referral, ReferralEvent
from referrals.validators import format_nhs_number

REFERRAL_CONCEPT = "referral-to-social-prescribing"
TAKEN_UP = ("accepted", "attended", "did_not_attend", "completed", "stopped")


def build(referral: Referral) -> dict:
    person = referral.person
    sharing = person.share_with_gp
    received = referral.events.filter(kind=ReferralEvent.Kind.RECEIVED).select_related("concept")
    codes = []
    concept = Concept.objects.filter(key=REFERRAL_CONCEPT).first()
    if concept:
        codes.append(_code(concept, referral.received_at))
    first = received.first()
    if first and first.concept and first.concept.key != REFERRAL_CONCEPT:
        codes.append(_code(first.concept, first.at))
    if referral.discharge_reason_id and referral.discharge_reason.concept_id:
        codes.append(_code(referral.discharge_reason.concept, referral.closed_at))
    content = {
        "title": "Social prescribing: message back to the referrer",
        "standard": "Shaped after the PRSB social prescribing information standard",
        "written_at": timezone.now().isoformat(),
        "sharing": sharing,
        "reference": referral.reference,
        "person": {
            "name": person.full_name,
            "nhs_number": person.nhs_number,
            "date_of_birth": person.date_of_birth.isoformat(),
        },
        "from": {
            "service": referral.service.name,
            "link_worker": referral.allocated_to.full_name if referral.allocated_to_id else "",
        },
        "to": {
            "organisation": referral.referring_organisation.name
            if referral.referring_organisation_id
            else "",
            "referrer": referral.referrer.full_name if referral.referrer_id else "",
        },
        "dates": {
            "referred": referral.received_at.isoformat(),
            "first_contact": referral.first_contact_at.isoformat()
            if referral.first_contact_at
            else None,
            "discharged": referral.closed_at.isoformat() if referral.closed_at else None,
        },
        "status": referral.get_status_display(),
        "codes": codes,
    }
    if sharing != GPSharing.SUMMARY:
        return content
    what = referral.what_matters.first()
    content["what_matters"] = what.text if what else ""
    content["goals"] = [
        {"goal": g.description, "status": g.get_status_display(), "progress": g.progress}
        for g in referral.goals.all()
    ]
    content["activities"] = [
        {
            "name": o.service.name,
            "provider": o.provider.name,
            "status": o.get_status_display(),
            "since": o.status_changed_at.isoformat(),
        }
        for o in referral.onward_referrals.select_related("service", "provider")
        if o.status in TAKEN_UP
    ]
    content["signposted"] = [
        s.service.name if s.service_id else s.description
        for s in referral.signposts.select_related("service")
    ]
    content["outcomes"] = outcome_changes(referral)
    content["discharge_reason"] = (
        referral.discharge_reason.label if referral.discharge_reason_id else ""
    )
    return content


def _code(concept, at) -> dict:
    return {
        "system": concept.system,
        "code": concept.code,
        "display": concept.display,
        "date": at.isoformat() if at else None,
    }


def outcome_changes(referral: Referral) -> list[dict]:
    """For each measure: the first and the latest complete answers, and the change."""
    rows = []
    for series in scored_series(referral):
        code, name = series.code, series.name
        first, last = series.scored[0], series.scored[-1]
        row = {
            "measure": f"{series.instrument.name}" + (f": {name}" if series.measures > 1 else ""),
            "instrument": code,
            "name": name,
            "before": first.measures[name],
            "before_band": first.bands.get(name, ""),
            "before_on": first.when.isoformat(),
            "after": None,
            "after_band": "",
            "after_on": None,
            "change": "",
        }
        if last.pk != first.pk:
            change = instruments.change(
                code,
                name,
                Decimal(first.measures[name]),
                Decimal(last.measures[name]),
            )
            row |= {
                "after": last.measures[name],
                "after_band": last.bands.get(name, ""),
                "after_on": last.when.isoformat(),
                "change": change.describe(),
            }
        rows.append(row)
    return rows


def as_text_rows(content: dict) -> list[tuple[str, str]]:
    """(heading, text) pairs, for the page and the PDF."""
    person, dates, sender = content["person"], content["dates"], content["from"]
    nhs = format_nhs_number(person["nhs_number"]) or "not known"
    worker = f" (link worker {sender['link_worker']})" if sender["link_worker"] else ""
    discharged = (
        _day(dates["discharged"])
        if dates["discharged"]
        else f"Not yet ({content['status'].lower()})"
    )
    codes = "; ".join(
        f"SNOMED CT {c['code']} {c['display']} ({_day(c['date'])})" for c in content["codes"]
    )
    rows = [
        ("Person", f"{person['name']}, NHS number {nhs}, born {_day(person['date_of_birth'])}"),
        ("From", sender["service"] + worker),
        # Messages written before references were stored have none.
        *([("Reference", content["reference"])] if content.get("reference") else []),
        ("Referred", _day(dates["referred"])),
        ("First contact", _day(dates["first_contact"])),
        ("Discharged", discharged),
        ("Codes", codes),
    ]
    if content["sharing"] != GPSharing.SUMMARY:
        rows.append(("Summary", "They chose to share coded entries only."))
        return rows
    goals = "; ".join(f"{g['goal']} ({g['status'].lower()})" for g in content["goals"])
    activities = "; ".join(f"{a['name']} ({a['status'].lower()})" for a in content["activities"])
    rows += [
        ("What matters to them", content.get("what_matters") or "—"),
        ("Goals", goals or "—"),
        ("Activities taken up", activities or "None"),
    ]
    if content.get("signposted"):
        rows.append(("Also told about", "; ".join(content["signposted"])))
    outcomes = "; ".join(
        f"{o['measure']}: {o['before']}"
        + (f" → {o['after']} {o['change']}" if o["after"] is not None else " (baseline only)")
        for o in content["outcomes"]
    )
    rows.append(("Outcomes", outcomes or "No questionnaires completed"))
    if content.get("discharge_reason"):
        rows.append(("Discharge reason", content["discharge_reason"]))
    return rows


def _day(value) -> str:
    from datetime import date, datetime

    if not value:
        return "—"
    return nice_date(
        date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    )


def pdf(content: dict) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=content["title"], leftMargin=18 * mm, rightMargin=18 * mm
    )
    story = [
        Paragraph(escape(content["title"]), styles["Title"]),
        Paragraph(escape(content["standard"]), styles["Italic"]),
        Spacer(1, 6 * mm),
    ]
    table = Table(
        [
            [
                Paragraph(f"<b>{escape(k)}</b>", styles["BodyText"]),
                Paragraph(escape(v), styles["BodyText"]),
            ]
            for k, v in as_text_rows(content)
        ],
        colWidths=[45 * mm, 125 * mm],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(table)
    document.build(story)
    return buffer.getvalue()
