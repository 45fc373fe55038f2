"""Semantic similarity (directory.semantic): wordllama loaded offline from its own package,
int8 vectors, need prototypes. No test reaches the network (pytest-socket)."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from directory import semantic
from directory.semantic import (
    DIM,
    NotAvailable,
    cosine_int8,
    dequantise,
    embed,
    quantise,
    stack,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _on(monkeypatch):
    monkeypatch.delenv("LINKWORK_SEMANTIC", raising=False)


def test_embed_gives_unit_float32_rows():
    vectors = embed(["community choir", "debt advice drop-in", "Knit and natter"])
    assert vectors.dtype == np.float32 and vectors.shape == (3, DIM)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert np.array_equal(embed(["community choir"])[0], vectors[0])


def test_text_with_nothing_in_it_is_a_zero_row():
    vectors = embed(["", "   ", "choir"])
    assert not vectors[0].any() and not vectors[1].any()
    assert np.isfinite(vectors).all()
    assert embed([]).shape == (0, DIM)


def test_similar_texts_are_closer():
    choir, debt, query = embed(
        [
            "A friendly community choir for people who love to sing",
            "Free confidential debt advice and help with benefits",
            "I used to sing and want to again",
        ]
    )
    assert float(query @ choir) > float(query @ debt)


def test_quantise_round_trip_and_cosine_without_scales():
    rng = np.random.default_rng(16)
    vectors = rng.normal(size=(50, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    blobs, scales = zip(*(quantise(v) for v in vectors), strict=True)
    assert all(len(b) == DIM for b in blobs) and all(isinstance(s, float) for s in scales)
    for v, b, s in zip(vectors, blobs, scales, strict=True):
        assert np.abs(dequantise(b, s) - v).max() <= s / 2 + 1e-7
    query = rng.normal(size=DIM).astype(np.float32)
    exact = vectors @ query / np.linalg.norm(query)
    matrix = stack(list(blobs))
    assert matrix.dtype == np.int8 and matrix.shape == (50, DIM)
    assert np.abs(cosine_int8(matrix, query) - exact).max() < 0.01
    assert np.allclose(cosine_int8(matrix, query, semantic.row_norms(matrix)), exact, atol=0.01)


def test_zero_vectors_are_dissimilar_to_everything():
    data, scale = quantise(np.zeros(DIM, dtype=np.float32))
    assert scale == 0.0 and not dequantise(data, scale).any()
    matrix = stack([data, quantise(np.ones(DIM))[0]])
    assert cosine_int8(matrix, np.ones(DIM)).tolist() == [0.0, pytest.approx(1.0)]
    assert cosine_int8(matrix, np.zeros(DIM)).tolist() == [0.0, 0.0]
    assert stack([]).shape == (0, DIM)


def test_switched_off(monkeypatch):
    monkeypatch.setenv("LINKWORK_SEMANTIC", "off")
    assert not semantic.available()
    with pytest.raises(NotAvailable, match="switched off"):
        embed(["choir"])
    monkeypatch.setenv("LINKWORK_SEMANTIC", "on")
    assert semantic.available()


def test_a_model_that_cannot_load_is_not_available(monkeypatch, caplog):
    def broken():
        raise ImportError("No module named 'wordllama'")

    semantic.forget_model()
    monkeypatch.setattr(semantic, "load_model", broken)
    try:
        with caplog.at_level(logging.WARNING, logger="directory.semantic"):
            assert not semantic.available()
            assert not semantic.available()  # tried once, not on every call
        assert len(caplog.records) == 1
        with pytest.raises(NotAvailable, match="No module named"):
            embed(["choir"])
    finally:
        semantic.forget_model()
    monkeypatch.undo()
    assert semantic.available()


def test_loads_from_the_package_without_a_network(monkeypatch, tmp_path):
    # Not told to stay offline, and with an empty hub cache: the model must still come
    # from the files inside the wordllama package, never from huggingface.co.
    import requests

    def no_network(*args, **kwargs):
        raise AssertionError(f"network used: {args}")

    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.setattr(requests, "get", no_network)
    monkeypatch.setattr(requests.Session, "request", no_network)
    model = semantic.load_model()
    assert model.embed(["choir"], norm=True).shape == (1, DIM)
    assert not list(tmp_path.iterdir())


def test_loading_does_not_change_the_projects_logging(tmp_path):
    # In a fresh interpreter (wordllama not yet imported), where its logging.basicConfig
    # would otherwise add a handler to the root logger and set it to INFO.
    script = (
        "import logging\n"
        "root = logging.getLogger()\n"
        "before = (list(root.handlers), root.level)\n"
        "from directory import semantic\n"
        "assert semantic.available()\n"
        "assert semantic.embed(['choir']).shape == (1, 256)\n"
        "assert (list(root.handlers), root.level) == before, (root.handlers, root.level)\n"
        "import wordllama.inference\n"
        "print('ok', len(before[0]))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    env["HF_HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok 0"


def test_root_logger_unchanged_in_this_process():
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    semantic.load_model()
    assert (list(root.handlers), root.level) == before


@pytest.mark.django_db
def test_need_prototypes_and_needs_for_text():
    from referrals.models import Need

    semantic.forget_prototypes()
    prototypes = semantic.need_prototypes()
    active = set(Need.objects.filter(active=True).values_list("code", flat=True))
    assert set(prototypes) == active
    for vector in prototypes.values():
        assert vector.dtype == np.float32 and abs(float(np.linalg.norm(vector)) - 1) < 1e-5
    texts = semantic.prototype_texts()
    assert "Bereavement" in texts["bereavement"] and "grief" in texts["bereavement"]

    best = semantic.needs_for_text("grieving since my husband died", threshold=-1)
    assert [code for code, _ in best][:1] == ["bereavement"]
    assert [c for _, c in best] == sorted((c for _, c in best), reverse=True)
    assert semantic.needs_for_text("money worries, debts and bills", threshold=-1)[0][0] == (
        "money-debt"
    )
    assert semantic.needs_for_text("", threshold=-1) == []
    assert semantic.needs_for_text("grief", threshold=1.01) == []


@pytest.mark.django_db
def test_an_inactive_need_has_no_prototype():
    from referrals.models import Need

    Need.objects.filter(code="housing").update(active=False)
    semantic.forget_prototypes()
    try:
        assert "housing" not in semantic.need_prototypes()
    finally:
        semantic.forget_prototypes()


def test_the_model_is_loaded_once_however_many_threads_ask(monkeypatch):
    import threading
    import time

    calls = []
    real = semantic.load_model

    def slow_load():
        calls.append(1)
        time.sleep(0.2)
        return real()

    semantic.forget_model()
    monkeypatch.setattr(semantic, "load_model", slow_load)
    try:
        results = []
        threads = [
            threading.Thread(target=lambda: results.append(semantic.available())) for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [True] * 8
        assert len(calls) == 1
        assert embed(["choir"]).shape == (1, DIM)
        assert len(calls) == 1
    finally:
        semantic.forget_model()
