"""Which linkwork needs a feed's taxonomy term may mean, and why, for the editors' mapping
page: from the listings it tags (what other, mapped terms say about the same listings) and
from its words (its name and description against each need's label, hint and synonyms).

Plain word overlap on purpose: it is explainable in one line, and the semantic model
(`directory.semantic`) can add its own suggestions later without changing these."""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from directory.models import Service, Synonym
from referrals.models import Need

LIMIT = 3
# Words that say nothing about what a term or need is about.
STOP_WORDS = frozenset(
    [
        "and",
        "the",
        "for",
        "with",
        "from",
        "into",
        "your",
        "you",
        "our",
        "their",
        "about",
        "other",
        "others",
        "support",
        "services",
        "service",
        "group",
        "groups",
        "people",
        "person",
        "help",
        "activity",
        "activities",
        "general",
        # In many needs' hints ("feeling alone", "feeling down"): says nothing on its own.
        "feeling",
        "feel",
    ]
)
# A listing shared with a mapped term counts for this much of a suggestion at most; the
# words, at most the rest. Co-occurrence is the stronger evidence: editors tagged them.
LISTINGS_WEIGHT = 0.7
WORDS_WEIGHT = 0.3


@dataclass
class Suggestion:
    need: Need
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)


def _words(*texts: str) -> dict[str, str]:
    """Each word's crude stem (its first five letters: "lonely", "loneliness") → the word."""
    words = {}
    for text in texts:
        for word in re.findall(r"[a-z]+", (text or "").lower()):
            if len(word) >= 3 and word not in STOP_WORDS:
                words.setdefault(word[:5], word)
    return words


def suggest(terms, *, area_id, limit: int = LIMIT) -> dict:
    """Term id → up to `limit` suggestions, best first. `terms` are a page's terms; the
    listings counted are the area's."""
    terms = list(terms)
    if not terms:
        return {}
    needs = {need.pk: need for need in Need.objects.filter(active=True)}
    listings_of = defaultdict(set)
    for term_id, service_id in Service.terms.through.objects.filter(
        taxonomyterm_id__in=[t.pk for t in terms], service__area_id=area_id
    ).values_list("taxonomyterm_id", "service_id"):
        listings_of[term_id].add(service_id)
    needs_of = defaultdict(set)
    for service_id, need_id in Service.terms.through.objects.filter(
        service_id__in=set().union(*listings_of.values()), taxonomyterm__need__in=list(needs)
    ).values_list("service_id", "taxonomyterm__need_id"):
        needs_of[service_id].add(need_id)

    label_words = {pk: _words(need.label) for pk, need in needs.items()}
    more_texts = defaultdict(list)
    for synonym in Synonym.objects.prefetch_related("needs"):
        for need in synonym.needs.all():
            more_texts[need.pk] += [synonym.phrase, synonym.expands_to]
    other_words = {
        pk: _words(need.hint, *more_texts[pk]) | label_words[pk] for pk, need in needs.items()
    }

    result = {}
    for term in terms:
        found: dict = {}
        listings = listings_of.get(term.pk, set())
        tagged = Counter(need for service in listings for need in needs_of[service])
        for need_id, count in tagged.items():
            s = found.setdefault(need_id, Suggestion(needs[need_id]))
            s.score += LISTINGS_WEIGHT * count / len(listings)
            s.reasons.append(
                f"{count} of its {len(listings)} listing{'s' if len(listings) != 1 else ''} "
                f"{'are' if count != 1 else 'is'} also tagged {needs[need_id].label}"
            )
        name_words, description_words = _words(term.name), _words(term.description)
        for need_id, words in other_words.items():
            in_name = [name_words[k] for k in name_words if k in words]
            in_description = [
                description_words[k]
                for k in description_words
                if k in words and k not in name_words
            ]
            if not in_name and not in_description:
                continue
            s = found.setdefault(need_id, Suggestion(needs[need_id]))
            close_to_label = any(k in label_words[need_id] for k in name_words)
            s.score += WORDS_WEIGHT * min(1.0, (2 * len(in_name) + len(in_description)) / 3)
            s.score += 0.05 if close_to_label else 0
            shared = ", ".join(sorted(in_name + in_description))
            s.reasons.append(
                f"its {'name' if in_name else 'description'} is close to the need "
                f"'{needs[need_id].label}' ({shared})"
            )
        ranked = sorted(found.values(), key=lambda s: (-s.score, s.need.position, s.need.label))
        result[term.pk] = ranked[:limit]
    return result
