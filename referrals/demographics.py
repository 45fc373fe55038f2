"""Equality monitoring: sex, ethnic category and age band, in the national codings so that
figures can be set against the population. Every question is optional for the person;
"prefer not to say" is recorded as such, distinct from "not asked"."""

from datetime import date

from django.db import models


class Sex(models.TextChoices):
    # FHIR administrative gender, the coding GP systems send (Patient.gender).
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Another way (for example non-binary)"
    NOT_STATED = "not_stated", "Prefer not to say"


class EthnicCategory(models.TextChoices):
    """NHS Data Dictionary "ETHNIC CATEGORY" (2001 Census categories), the code GP and
    hospital records use. Z is "not stated": the person was asked and chose not to say."""

    WHITE_BRITISH = "A", "White: British"
    WHITE_IRISH = "B", "White: Irish"
    WHITE_OTHER = "C", "White: any other White background"
    MIXED_WHITE_BLACK_CARIBBEAN = "D", "Mixed: White and Black Caribbean"
    MIXED_WHITE_BLACK_AFRICAN = "E", "Mixed: White and Black African"
    MIXED_WHITE_ASIAN = "F", "Mixed: White and Asian"
    MIXED_OTHER = "G", "Mixed: any other mixed background"
    ASIAN_INDIAN = "H", "Asian or Asian British: Indian"
    ASIAN_PAKISTANI = "J", "Asian or Asian British: Pakistani"
    ASIAN_BANGLADESHI = "K", "Asian or Asian British: Bangladeshi"
    ASIAN_OTHER = "L", "Asian or Asian British: any other Asian background"
    BLACK_CARIBBEAN = "M", "Black or Black British: Caribbean"
    BLACK_AFRICAN = "N", "Black or Black British: African"
    BLACK_OTHER = "P", "Black or Black British: any other Black background"
    CHINESE = "R", "Other ethnic groups: Chinese"
    OTHER = "S", "Other ethnic groups: any other ethnic group"
    NOT_STATED = "Z", "Prefer not to say"


class EthnicGroup(models.TextChoices):
    """The five high-level groups NHS statistics report by."""

    WHITE = "white", "White"
    MIXED = "mixed", "Mixed or multiple ethnic groups"
    ASIAN = "asian", "Asian or Asian British"
    BLACK = "black", "Black or Black British"
    OTHER = "other", "Other ethnic group"
    NOT_STATED = "not_stated", "Prefer not to say"


ETHNIC_GROUP = {
    **dict.fromkeys("ABC", EthnicGroup.WHITE),
    **dict.fromkeys("DEFG", EthnicGroup.MIXED),
    **dict.fromkeys("HJKL", EthnicGroup.ASIAN),
    **dict.fromkeys("MNP", EthnicGroup.BLACK),
    **dict.fromkeys("RS", EthnicGroup.OTHER),
    "Z": EthnicGroup.NOT_STATED,
}

# Ten-year bands as ONS population estimates are published, with the young adults split.
AGE_BANDS = [
    (0, 17, "under-18", "Under 18"),
    (18, 24, "18-24", "18 to 24"),
    (25, 34, "25-34", "25 to 34"),
    (35, 44, "35-44", "35 to 44"),
    (45, 54, "45-54", "45 to 54"),
    (55, 64, "55-64", "55 to 64"),
    (65, 74, "65-74", "65 to 74"),
    (75, 84, "75-84", "75 to 84"),
    (85, 200, "85-plus", "85 and over"),
]
AGE_BAND_LABELS = {code: label for _, _, code, label in AGE_BANDS}


def age_band(date_of_birth: date, on: date) -> str:
    age = (
        on.year
        - date_of_birth.year
        - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    )
    for low, high, code, _ in AGE_BANDS:
        if low <= age <= high:
            return code
    return AGE_BANDS[0][2]


def ethnic_group(category: str) -> str:
    """The reporting group of an ethnic category code; "" when not recorded."""
    return ETHNIC_GROUP.get(category, "")
