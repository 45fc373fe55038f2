"""A partner's own activity categories on part of the demo directory, as a county's feed
brings them (issue 16, "Taxonomies"): the directory editor finds them waiting on the
"Taxonomy terms" page, with suggested needs, and maps them.

Ids are fixed (uuid5), not drawn from the demo's random generator, so that the listings'
ids, which the judged set names, do not move."""

import re
from uuid import NAMESPACE_URL, uuid5

from directory.records import ServiceRecord, TaxonomyRecord, TermRecord

TAXONOMY = TaxonomyRecord(
    id=uuid5(NAMESPACE_URL, "https://demo.linkwork.test/taxonomies/activity-categories"),
    name="Northamptonshire Active Communities categories",
    description="The categories the county's active-communities partner files activities under.",
)
# (code, name, description, words in a listing's name or description that put it there)
CATEGORIES = [
    ("NAC-01", "Walking and gentle exercise", "Walks, chair-based exercise, yoga, tai chi.",
     r"walk(s|ing)?|yoga|tai chi|exercises?|stretch(es|ing)?|danc(e|es|ing)|swim(ming)?|bowls"),
    ("NAC-02", "Music and singing", "Choirs, singing for the brain, bands, ukulele.",
     r"choirs?|sing(s|ing|ers?)?|songs?|ukuleles?|bands?"),
    ("NAC-03", "Arts, crafts and making", "Art, knitting, sewing, woodwork, sheds.",
     r"art|arts|crafts?|knit(ting)?|sew(ing)?|pottery|woodwork|shed|paint(ing)?"),
    ("NAC-04", "Outdoors and growing", "Gardens, allotments, conservation, nature.",
     r"garden(s|ing|ers?)?|allotments?|conservation|nature|grow (?:food|vegetables|flowers)"),
    ("NAC-05", "Advice: money, benefits, housing", "Debt, benefits, energy and housing advice.",
     r"debts?|money|benefits|housing|energy bills|bills"),
    ("NAC-06", "Company and conversation", "Cafes, lunch clubs, befriending, drop-ins.",
     r"cafe|coffee|lunch club|befriend(ing|er)?|friendship|drop-in|natter"),
]  # fmt: skip
TERMS = [
    (
        TermRecord(
            id=uuid5(TAXONOMY.id, code),
            name=name,
            code=code,
            description=description,
            taxonomy=TAXONOMY,
        ),
        # Whole words: "sing" is not in "housing", nor "grow" in "grown-ups".
        re.compile(rf"\b(?:{words})\b", re.IGNORECASE),
    )
    for code, name, description, words in CATEGORIES
]


def tag(records: list[ServiceRecord]) -> list[ServiceRecord]:
    """Files two listings in three under the partner's categories their words fit (the rest
    have none, as in a real feed)."""
    for number, record in enumerate(records):
        if number % 3 == 2:
            continue
        text = f"{record.name} {record.description}"
        for term, words in TERMS:
            if words.search(text):
                record.terms.append(term)
                record.term_ids.append(term.id)
    return records
