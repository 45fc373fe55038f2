"""One tokenizer for the index and the query (ADR 0011 §1), and BM25F as pure functions (§3).

Text is normalised (NFKC, casefolded, split on anything that is not a letter or a digit),
stripped of stop words and stemmed with the Snowball English stemmer. A word is dropped
only when it IS a stop word: never because its stem is a stop word's stem ("quit" is not
"quite", "letting" is not "let's", "lateness" is not "lately"). The same function makes a
listing's field counts and a person's query stems, so they always meet: the databases' own
text search (FTS5 `unicode61` without porter or diacritic folding, PostgreSQL `'simple'`;
`directory.fulltext`) is given these stems and does no stemming or stop-listing of its own.

API, for the index and the engine:

- `normalise(text) -> str`: words separated by single spaces; idempotent.
- `tokens(text) -> list[str]`: stems in order, stop words dropped (before stemming).
- `field_counts(text) -> dict[str, int]`: stem → term frequency, for one field of a listing.
- `expand_query(text, synonyms) -> Expansion(stems, needs, phrases)`: a person's words,
  with the synonyms table applied *before* stop words go ("lost my" → bereavement). It
  takes `synonyms` in the format `directory.search.synonyms()` returns, and is meant to
  replace `search.expand()`. `stems` maps stem → query weight (typed 1.0, synonym 0.5;
  pass `weight=0.3` for what matters to the person and their goals).
- `idf`, `pseudo_tf`, `saturate`, `bm25f`: Robertson–Zaragoza BM25F with the field
  weights and length normalisation of ADR §3 (`FIELDS`).
"""

import math
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import NamedTuple

import snowballstemmer

# A Snowball stemmer keeps its working state on itself: one per thread.
_local = threading.local()


def _stemmer():
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("english")
    return stemmer


# Typographic apostrophes are apostrophes; "men's" → "men", "can't" → "cant".
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\uff07": "'"})
_POSSESSIVE = re.compile(r"(?<=[^\W_])'s(?![^\W_])")
_INNER_APOSTROPHE = re.compile(r"(?<=[^\W_])'(?=[^\W_])")
_NOT_WORD = re.compile(r"[\W_]+")
_LATIN_ACCENT = re.compile(r"(?<=[a-z])[\u0300-\u036f]+")


def _word_list(block: str) -> list[str]:
    return block.split()


# The Snowball project's English stop list (snowballstem.org, `english/stop.txt`, with
# its contractions written as this module normalises them, less those below), plus words
# people type around what they want that say nothing about it.
#
# Deliberately NOT stop words, though they are common in listings or queries:
# - "support": a content word in "carers support group", "peer support", "support worker";
#   it is frequent in descriptions, so its idf is low and BM25F already weighs it down
#   (a stop word could never be searched for at all, and "support" alone is a fair query).
# - "group", "club", "class": the same reasoning; the old engine's stop list had "group",
#   which made "support group" and "group" unsearchable.
# - The contractions that are also words once their apostrophe goes: "shed" (she'd; the
#   Men's Shed), "ill" (I'll), "wed" (we'd; Wednesday), "well" (we'll), "id", "hell",
#   "shell". The Snowball list has them as "she'd" and so on.
# - "no", "not", "over", "under", "down", "out" ARE stop words (Snowball), but synonym
#   phrases are matched before stop words go, so "no friends" and "feeling down" still work.
SNOWBALL_STOP_WORDS = _word_list("""
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
she her hers herself it its itself they them their theirs themselves what which who whom
this that these those am is are was were be been being have has had having do does did
doing would should could ought im youre hes shes theyre ive youve weve theyve youd hed
theyd youll theyll isnt arent wasnt werent hasnt
havent hadnt doesnt dont didnt wont wouldnt shant shouldnt cant cannot couldnt mustnt lets
thats whos whats heres theres whens wheres whys hows a an the and but if or because as until
while of at by for with about against between into through during before after above below
to from up down in out on off over under again further then once here there when where why
how all any both each few more most other some such no nor not only own same so than too
very
""")
# A stop word is a word, matched exactly once normalised, not a stem: a word whose stem
# happens to be a stop word's stem is a different word and stays ("quit" and "quite" are
# both "quit"; "let", "letting" and "let's" are all "let"; "recent" and "recently" are both
# "recent"). So the forms of a query word that say nothing are listed one by one
# ("want wants wanted wanting"), and "likely", "others" or "mostly" are content words.
QUERY_STOP_WORDS = _word_list("""
want wants wanted wanting looking look looks looked find finds finding help helps helped
helping local locally something near nearby please can get gets getting would like need
needs needed needing anything someone somewhere around also just really since ago
recently lately anymore maybe quite lot lots much many
""")
STOP_WORDS = frozenset(SNOWBALL_STOP_WORDS) | frozenset(QUERY_STOP_WORDS)


def normalise(text: str) -> str:
    """NFKC, casefolded, accents off Latin letters, apostrophes handled ("men's" →
    "men", "can't" → "cant"), words separated by single spaces.
    Idempotent: normalise(normalise(t)) == normalise(t)."""
    value = text or ""
    # Casefolding can un-normalise (and NFKC un-casefold); a round or two reaches a fixed
    # point, the loop makes sure of it.
    for _ in range(5):
        folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())
        # Accents on Latin letters go: people type "cafe" for "Café" (and "İ" casefolds
        # to "i" and a combining dot). Marks on other scripts are part of their letters.
        decomposed = unicodedata.normalize("NFD", folded)
        folded = unicodedata.normalize("NFC", _LATIN_ACCENT.sub("", decomposed))
        if folded == value:
            break
        value = folded
    value = value.translate(_APOSTROPHES)
    value = _POSSESSIVE.sub("", value)
    value = _INNER_APOSTROPHE.sub("", value)
    if not value.isascii():
        # Marks belong to the letter before them (Devanagari vowel signs, say): a
        # regular expression's \w does not know that.
        return " ".join("".join(c if c.isalnum() or _is_mark(c) else " " for c in value).split())
    return " ".join(w for w in _NOT_WORD.split(value) if w)


def _is_mark(c: str) -> bool:
    return unicodedata.category(c)[0] == "M"


def words(text: str) -> list[str]:
    """Normalised words, stop words kept (for phrase matching)."""
    return normalise(text).split()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball English stem of one normalised word (cached: a directory's words
    repeat)."""
    return _stemmer().stemWord(word)


def _is_content(word: str) -> bool:
    """Whether a normalised word is kept: it is not a stop word (the word itself, whatever
    its stem) and not a lone letter."""
    # Single letters (the "t" of "can t") carry nothing; single digits may ("5 a side").
    if len(word) < 2 and not word.isdigit():
        return False
    return word not in STOP_WORDS


def tokens(text: str) -> list[str]:
    """Stems of the words of `text`, in order, stop words dropped."""
    return [stem(w) for w in words(text) if _is_content(w)]


def field_counts(text: str) -> dict[str, int]:
    """Stem → how many times it occurs in `text` (one field of a listing)."""
    counts: dict[str, int] = {}
    for s in tokens(text):
        counts[s] = counts.get(s, 0) + 1
    return counts


# Query weights (ADR §3): a word the person typed; a word a synonym adds, relative to it.
TYPED_WEIGHT = 1.0
SYNONYM_WEIGHT = 0.5


class Expansion(NamedTuple):
    """What a person's words ask for. Unpacks as (stems, needs, phrases)."""

    stems: dict[str, float]  # stem → query weight, in the order first met
    needs: set[str]  # need codes of the synonyms whose phrases matched
    phrases: list[str]  # the synonym phrases that matched, in table order


def expand_query(
    text: str,
    synonyms: Iterable[tuple[str, Iterable[str], Iterable[str]]],
    weight: float = TYPED_WEIGHT,
) -> Expansion:
    """A person's words → stems with query weights, the needs their synonyms name and the
    phrases that matched.

    `synonyms` is `(phrase, expands_to words, need codes)` as `directory.search.synonyms()`
    returns it. A phrase matches as a whole run of words, compared stem by stem and with
    stop words still in ("lost my" in "I've lost my wife", "money worries" in "money
    worry"), so the table's phrases keep working when they are made of stop words.

    `weight` is the query weight of the words themselves (ADR §3: typed 1.0, what matters
    and goals 0.3); the words a synonym adds weigh half as much."""
    typed = words(text)
    typed_stems = [stem(w) for w in typed]
    stems: dict[str, float] = {}
    for w, s in zip(typed, typed_stems, strict=True):
        if _is_content(w):
            stems[s] = weight
    needs: set[str] = set()
    phrases: list[str] = []
    if not typed:
        return Expansion(stems, needs, phrases)
    padded = f" {' '.join(typed_stems)} "
    for phrase, extra_words, extra_needs in synonyms:
        phrase_stems = _phrase_stems(phrase)
        if not phrase_stems or phrase_stems not in padded:
            continue
        phrases.append(phrase)
        needs |= set(extra_needs)
        for extra in extra_words:
            for s in _word_tokens(extra):
                stems.setdefault(s, weight * SYNONYM_WEIGHT)
    return Expansion(stems, needs, phrases)


# The synonyms table is matched on every search: its phrases' stems are worked out once.
@lru_cache(maxsize=4096)
def _phrase_stems(phrase: str) -> str:
    stems = " ".join(stem(w) for w in words(phrase))
    return f" {stems} " if stems else ""


@lru_cache(maxsize=4096)
def _word_tokens(word: str) -> tuple[str, ...]:
    return tuple(tokens(word))


# BM25F (ADR §3). Field → (weight w_f, length normalisation b_f).
FIELDS: dict[str, tuple[float, float]] = {
    "name": (3.0, 0.5),
    "taxonomy": (2.0, 0.3),
    "description": (1.0, 0.75),
    "eligibility": (1.0, 0.5),
    "organisation": (0.5, 0.5),
}
K1 = 1.2


def idf(df: int, n: int) -> float:
    """ln(1 + (N − df + ½) / (df + ½)): positive, falling as more listings have the stem."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def pseudo_tf(
    tf: Mapping[str, float],
    length: Mapping[str, float],
    avglen: Mapping[str, float],
    fields: Mapping[str, tuple[float, float]] = FIELDS,
) -> float:
    """tf̃ = Σ_f w_f · tf_f / (1 − b_f + b_f · len_f / avglen_f), over the fields the stem
    occurs in. A field with no average length (no listing has text in it) is not
    normalised."""
    total = 0.0
    for name, count in tf.items():
        if not count or name not in fields:
            continue
        weight, b = fields[name]
        mean = avglen.get(name) or 0.0
        ratio = length.get(name, 0.0) / mean if mean > 0 else 1.0
        total += weight * count / (1 - b + b * ratio)
    return total


def saturate(tf_tilde: float, k1: float = K1) -> float:
    """tf̃ / (k1 + tf̃): 0 for no occurrence, approaching 1 however often it occurs."""
    return tf_tilde / (k1 + tf_tilde) if tf_tilde > 0 else 0.0


def bm25f(
    query: Mapping[str, float],
    document: Mapping[str, Mapping[str, int]],
    df: Mapping[str, int],
    n: int,
    avglen: Mapping[str, float],
    fields: Mapping[str, tuple[float, float]] = FIELDS,
    k1: float = K1,
) -> float:
    """B(d) = Σ_t qw_t · idf_t · tf̃/(k1 + tf̃) for one listing.

    `query` maps stem → query weight (`expand_query(...).stems`); `document` maps field →
    `field_counts(...)` of that field; `df` stem → how many listings have it; `n` how many
    listings there are; `avglen` field → mean length (in stems) over the listings."""
    length = {name: float(sum(counts.values())) for name, counts in document.items()}
    score = 0.0
    for term, weight in query.items():
        tf = {name: counts.get(term, 0) for name, counts in document.items()}
        tilde = pseudo_tf(tf, length, avglen, fields)
        if tilde:
            score += weight * idf(df.get(term, 0), n) * saturate(tilde, k1)
    return score
