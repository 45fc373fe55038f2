"""Names for the values a breakdown groups by, in a sensible order: months in time order,
age bands youngest first, deprivation deciles most deprived first, and "not recorded"
always last."""

from datetime import date

from accounts.models import User
from directory.models import TaxonomyTerm
from organisations.models import Area, Organisation, PrimaryCareNetwork
from outcomes import instruments
from referrals.demographics import AGE_BANDS, EthnicGroup, Sex
from referrals.models import DischargeReason, Need, Referral

NOT_RECORDED = "Not recorded"

# The measures reported, in order, with their names on the dashboards.
MEASURES = {
    "swemwbs.metric": "Wellbeing (SWEMWBS)",
    "ons4.satisfaction": "Life satisfaction (ONS4)",
    "ons4.worthwhile": "Things done are worthwhile (ONS4)",
    "ons4.happiness": "Happiness yesterday (ONS4)",
    "ons4.anxiety": "Anxiety yesterday (ONS4)",
    "ucla3.total": "Loneliness score (UCLA 3-item)",
    "ons_loneliness.lonely": "How often lonely (ONS)",
    "gad7.total": "Anxiety (GAD-7)",
    "phq9.total": "Depression (PHQ-9)",
}
HEADLINE_MEASURE = "swemwbs.metric"


def better(measure: str) -> int:
    code, name = measure.split(".")
    return instruments.BETTER[(code, name)]


def has_threshold(measure: str) -> bool:
    code, name = measure.split(".")
    return code in instruments.MEANINGFUL_CHANGE and instruments.HEADLINE.get(code) == name


def ordered(dimension: str, keys) -> list[tuple[str, str]]:
    """(key, label) pairs for these keys, in the order a reader expects."""
    keys = list(keys)
    named = names(dimension, [k for k in keys if k])
    if dimension == "month":
        pairs = [(k, f"{date.fromisoformat(k):%b %Y}") for k in sorted(k for k in keys if k)]
    elif dimension in ORDER:
        rank = {code: i for i, code in enumerate(ORDER[dimension])}
        pairs = sorted(
            ((k, named.get(k, k)) for k in keys if k), key=lambda p: (rank.get(p[0], 99), p[1])
        )
    else:
        pairs = sorted(((k, named.get(k, k)) for k in keys if k), key=lambda p: p[1].lower())
    if "" in keys:
        pairs.append(("", NOT_RECORDED))
    return pairs


def label(dimension: str, key: str) -> str:
    if not key:
        return NOT_RECORDED
    return names(dimension, [key]).get(key, key)


def imd_label(decile: str) -> str:
    extremes = {"1": " (most deprived 10%)", "10": " (least deprived 10%)"}
    return f"Decile {decile}{extremes.get(decile, '')}"


ORDER = {
    "age_band": [code for _, _, code, _ in AGE_BANDS],
    "imd_decile": [str(d) for d in range(1, 11)],
    "sex": [s.value for s in Sex],
    "ethnic_group": [g.value for g in EthnicGroup],
    "source": [s.value for s in Referral.Source],
}


def names(dimension: str, keys: list[str]) -> dict[str, str]:
    if dimension == "age_band":
        return {code: name for _, _, code, name in AGE_BANDS}
    if dimension == "imd_decile":
        return {k: imd_label(k) for k in keys}
    if dimension == "sex":
        return dict(Sex.choices)
    if dimension == "ethnic_group":
        return dict(EthnicGroup.choices)
    if dimension == "source":
        return dict(Referral.Source.choices)
    if dimension == "need":
        return dict(Need.objects.filter(code__in=keys).values_list("code", "label"))
    if dimension == "activity":
        found = dict(Need.objects.filter(code__in=keys).values_list("code", "label"))
        for code, name in TaxonomyTerm.objects.filter(code__in=keys).values_list("code", "name"):
            found.setdefault(code, name)
        return found
    if dimension == "discharge_reason":
        return dict(DischargeReason.objects.filter(code__in=keys).values_list("code", "label"))
    if dimension in ("practice", "service", "provider"):
        return {
            str(pk): name
            for pk, name in Organisation.objects.filter(pk__in=keys).values_list("pk", "name")
        }
    if dimension == "pcn":
        return {
            str(pk): name
            for pk, name in PrimaryCareNetwork.objects.filter(pk__in=keys).values_list("pk", "name")
        }
    if dimension == "area":
        return {
            str(pk): name for pk, name in Area.objects.filter(pk__in=keys).values_list("pk", "name")
        }
    if dimension == "link_worker":
        return {
            str(pk): name
            for pk, name in User.objects.filter(pk__in=keys).values_list("pk", "full_name")
        }
    return {}
