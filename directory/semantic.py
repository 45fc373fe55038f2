"""Semantic similarity for matching (ADR 0011 §4): wordllama's static token embeddings,
in process, offline, CPU only.

The model (wordllama `l2_supercat`, 256 dimensions) ships inside the `wordllama` wheel
and is loaded from there, never from a model hub: `WordLlama.load(cache_dir=<the
package's own directory>, disable_download=True)`. It is loaded lazily, once per process,
under a lock. `LINKWORK_SEMANTIC=off`, a failed import or a failed load make `available()`
False and every embedding call raise `NotAvailable`, so that callers fall back to the
lexical engine.

API:

- `available() -> bool`; `MODEL` (what `SearchDocument.vector_model` should record).
- `embed(texts) -> float32 (n, 256)`, rows of unit length (blank text: a row of zeros,
  which is dissimilar to everything).
- `quantise(vector) -> (int8 bytes, float32 scale)`, `dequantise(data, scale)`,
  `stack(blobs) -> int8 (n, 256)` and `cosine_int8(matrix, query, norms=None)`: a
  listing's vector is stored as 256 int8 (260 bytes with its scale); cosine needs no scale.
- `need_prototypes()` (code → unit vector: the mean embedding of each active need's
  label, hint, synonym phrases and mapped taxonomy term names; cached briefly, like the
  synonyms) and `needs_for_text(text, threshold) -> [(code, cosine)]`, best first.
"""

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from time import monotonic

import numpy as np

DIM = 256
CONFIG = "l2_supercat"
MODEL = f"wordllama-0.4.0.post1/{CONFIG}/{DIM}/int8"
# A starting value for "these words are about this need" (ADR §4), to tune on the dev set:
# on ten residents' phrases the right need scored 0.24-0.56 and a wrong one at most 0.24.
NEED_THRESHOLD = 0.30
PROTOTYPE_CACHE_SECONDS = 60

logger = logging.getLogger(__name__)


class NotAvailable(RuntimeError):
    """Semantic similarity is switched off or its model cannot be loaded."""


_lock = threading.Lock()
_model = None
_failure: str | None = None


def available() -> bool:
    """Whether embeddings can be made in this process (loads the model if need be)."""
    try:
        _get_model()
    except NotAvailable:
        return False
    return True


def _switched_off() -> bool:
    return os.environ.get("LINKWORK_SEMANTIC", "").strip().lower() in {"off", "0", "false", "no"}


def _get_model():
    global _model, _failure
    if _switched_off():
        raise NotAvailable("semantic similarity is switched off (LINKWORK_SEMANTIC=off)")
    if _model is not None:
        return _model
    with _lock:
        if _model is None and _failure is None:
            try:
                _model = load_model()
            except Exception as error:  # an import or file problem: fall back, say why once
                _failure = f"{type(error).__name__}: {error}"
                logger.warning("Semantic similarity not available: %s", _failure)
    if _model is None:
        raise NotAvailable(f"semantic similarity not available ({_failure})")
    return _model


def load_model():
    """A new wordllama model from the files inside the installed package (no network).
    `_get_model()` keeps the one this process uses; call this only to measure or test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        # wordllama/inference.py calls logging.basicConfig(level=INFO) when imported: the
        # project's logging is configured by Django's settings, so undo it.
        from wordllama import WordLlama
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
    import wordllama

    package = Path(wordllama.__file__).resolve().parent
    return WordLlama.load(config=CONFIG, dim=DIM, cache_dir=package, disable_download=True)


def forget_model() -> None:
    """Load again at the next call (tests)."""
    global _model, _failure
    with _lock:
        _model, _failure = None, None


def embed(texts: Sequence[str]) -> np.ndarray:
    """float32 (len(texts), 256), each row of unit length or zero."""
    # Blank text would be embedded as its whitespace tokens: it says nothing.
    texts = [t if t and t.strip() else "" for t in texts]
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    vectors = np.asarray(_get_model().embed(texts, norm=False), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    vectors[~np.isfinite(vectors).all(axis=1)] = 0
    return vectors


def quantise(vector: np.ndarray) -> tuple[bytes, float]:
    """One vector → (256 int8 bytes, float32 scale); value ≈ int8 × scale."""
    v = np.asarray(vector, dtype=np.float32).reshape(-1)
    peak = float(np.abs(v).max()) if v.size else 0.0
    if not np.isfinite(peak) or peak == 0.0:
        return np.zeros(v.size, dtype=np.int8).tobytes(), 0.0
    scale = np.float32(peak / 127.0)
    return np.clip(np.rint(v / scale), -127, 127).astype(np.int8).tobytes(), float(scale)


def dequantise(data: bytes, scale: float) -> np.ndarray:
    return np.frombuffer(data, dtype=np.int8).astype(np.float32) * np.float32(scale)


def stack(blobs: Sequence[bytes]) -> np.ndarray:
    """Stored vectors → an int8 (n, 256) matrix for `cosine_int8`."""
    if not blobs:
        return np.zeros((0, DIM), dtype=np.int8)
    return np.frombuffer(b"".join(blobs), dtype=np.int8).reshape(len(blobs), -1)


def row_norms(matrix: np.ndarray) -> np.ndarray:
    """The norms `cosine_int8` needs, to compute once for a matrix that is kept."""
    return np.linalg.norm(matrix.astype(np.float32), axis=1)


def cosine_int8(
    matrix: np.ndarray, query: np.ndarray, norms: np.ndarray | None = None
) -> np.ndarray:
    """Cosine of each int8 row with a float query: the scales cancel out. Zero rows (or a
    zero query) give 0."""
    q = np.asarray(query, dtype=np.float32).reshape(-1)
    if norms is None:
        norms = row_norms(matrix)
    q_norm = float(np.linalg.norm(q))
    dots = matrix.astype(np.float32) @ q
    denominator = norms * q_norm
    return np.divide(dots, denominator, out=np.zeros_like(dots), where=denominator > 0)


_prototypes: tuple[float, dict[str, np.ndarray]] = (0.0, {})
_prototypes_lock = threading.Lock()


def prototype_texts() -> dict[str, list[str]]:
    """Active need code → the texts its prototype is the mean of."""
    from directory.models import Synonym, TaxonomyTerm
    from referrals.models import Need

    texts: dict[str, list[str]] = {}
    for code, label, hint in Need.objects.filter(active=True).values_list("code", "label", "hint"):
        texts[code] = [label, hint]
    for phrase, code in Synonym.objects.filter(needs__code__in=texts).values_list(
        "phrase", "needs__code"
    ):
        texts[code].append(phrase)
    for name, code in TaxonomyTerm.objects.filter(need__code__in=texts).values_list(
        "name", "need__code"
    ):
        texts[code].append(name)
    return {code: list(dict.fromkeys(t for t in values if t)) for code, values in texts.items()}


def need_prototypes() -> dict[str, np.ndarray]:
    """Active need code → unit vector, cached for `PROTOTYPE_CACHE_SECONDS`."""
    global _prototypes
    with _prototypes_lock:
        loaded_at, cached = _prototypes
        if monotonic() - loaded_at > PROTOTYPE_CACHE_SECONDS:
            cached = {}
            for code, texts in prototype_texts().items():
                mean = embed(texts).mean(axis=0)
                norm = float(np.linalg.norm(mean))
                if norm > 0:
                    cached[code] = (mean / norm).astype(np.float32)
            _prototypes = (monotonic(), cached)
        return cached


def forget_prototypes() -> None:
    global _prototypes
    with _prototypes_lock:
        _prototypes = (0.0, {})


def needs_for_text(text: str, threshold: float = NEED_THRESHOLD) -> list[tuple[str, float]]:
    """Needs whose prototype is at least `threshold` close to the words, best first."""
    prototypes = need_prototypes()
    if not prototypes or not (text or "").strip():
        return []
    query = embed([text])[0]
    codes = sorted(prototypes)
    cosines = np.stack([prototypes[c] for c in codes]) @ query
    found = [(c, float(s)) for c, s in zip(codes, cosines, strict=True) if s >= threshold]
    return sorted(found, key=lambda pair: (-pair[1], pair[0]))
