"""Needs a listing may meet that no mapped term says (ADR 0011 §4, "listing → needs").

Listings often carry no terms, or only terms of a feed's own taxonomy that nobody has
mapped yet, and a name that says nothing ("Tuesday Club"): their descriptions must carry
them. Two sources, both stored with the listing's search entries as inferred needs
(`~code`), which the engine counts for less than a tagged need and names as such in its
reasons ("may help with: bereavement (from its description)"):

- **words**: a synonym phrase that names a need, found in the listing's own text (name,
  description, eligibility, the names and descriptions of its unmapped terms). The same
  phrase matching as a person's words (`directory.text.expand_query`), so an editor who
  adds a synonym teaches both sides at once.
- **meaning**: the listing's text is close, in wordllama's embedding space, to a need's
  prototype (`directory.semantic.need_prototypes`): only the closest need, and only above
  `SEMANTIC_THRESHOLD`. Measured on the demo directory against its editors' own tags
  (bench/README.md, "Needs from descriptions"), one need above 0.25 is right 88% of the
  time; every need above 0.25 only 83%.

Needs the listing is tagged with are never inferred again: the tag says more.
"""

from collections.abc import Iterable

import numpy as np

from directory import semantic
from directory import text as lexicon

WORDS = "words"
MEANING = "meaning"
SEMANTIC_THRESHOLD = 0.25


def listing_text(service: dict, terms: Iterable[str]) -> str:
    """The words a listing says about itself, for inference (not the organisation's name:
    "Age UK" says who runs it, not what happens there)."""
    parts = [
        service["name"],
        service.get("alternate_name") or "",
        service.get("description") or "",
        service.get("eligibility_description") or "",
        *(t for t in terms if t),
    ]
    return ". ".join(p for p in parts if p.strip())


def embed(texts: dict[int, str]) -> dict[int, np.ndarray]:
    """Listing id → unit vector of its text (`listing_text`), for inference and for the
    engine's semantic similarity. Empty when semantic similarity is off or cannot load:
    inference then falls back to words, and the engine to lexical matching."""
    if not texts:
        return {}
    try:
        vectors = semantic.embed(list(texts.values()))
    except semantic.NotAvailable:
        return {}
    return dict(zip(texts, vectors, strict=True))


def infer(
    texts: dict[int, str], tagged: dict[int, Iterable[str]], vectors: dict[int, np.ndarray]
) -> dict[int, dict[str, str]]:
    """Listing id → {need code: WORDS or MEANING} for needs its text names or means and
    no tag of its own gives. `texts` from `listing_text`, `vectors` from `embed`."""
    from directory.search import synonyms  # the engine's cached table: one source of truth

    known = synonyms()
    found: dict[int, dict[str, str]] = {}
    for key, text in texts.items():
        own = set(tagged.get(key, ()))
        named = lexicon.expand_query(text, known).needs - own
        found[key] = dict.fromkeys(sorted(named), WORDS)
    for key, code in _closest_needs(vectors).items():
        if code not in set(tagged.get(key, ())) and code not in found[key]:
            found[key][code] = MEANING
    return found


def _closest_needs(vectors: dict[int, np.ndarray]) -> dict[int, str]:
    """Listing id → the need its vector is closest to, where that is close enough."""
    if not vectors:
        return {}
    try:
        prototypes = semantic.need_prototypes()
    except semantic.NotAvailable:
        return {}
    if not prototypes:
        return {}
    codes = sorted(prototypes)
    keys = list(vectors)
    cosines = np.stack([vectors[k] for k in keys]) @ np.stack([prototypes[c] for c in codes]).T
    best = cosines.argmax(axis=1)
    return {
        key: codes[int(best[i])]
        for i, key in enumerate(keys)
        if cosines[i, best[i]] >= SEMANTIC_THRESHOLD
    }


def pack(vector: np.ndarray | None) -> bytes | None:
    """A unit vector as stored (`SearchDocument.vector`): 256 int8, scale dropped, since
    cosine does not need it (`semantic.cosine_int8`)."""
    if vector is None or not np.any(vector):
        return None
    return semantic.quantise(vector)[0]
