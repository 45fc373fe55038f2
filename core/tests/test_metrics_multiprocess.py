"""/metrics under gunicorn's several workers: with PROMETHEUS_MULTIPROC_DIR set (the
entrypoint sets it for `web`), whichever worker Prometheus reaches answers with every
worker's counts, read from the shared folder, not only its own; a worker that exits has its
live gauges dropped (gunicorn.conf.py's child_exit).

The counts are written as a gunicorn worker writes them: prometheus_client's multiprocess
value class, one per process id, into a temporary folder."""

import runpy
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from prometheus_client import Counter, Gauge, values
from prometheus_client.parser import text_string_to_metric_families

# The endpoint's own tests' token and settings (its autouse fixture applies here too).
from core.tests.test_metrics_endpoint import SCRAPE, _settings  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    return tmp_path


@contextmanager
def in_worker(pid: int):
    """Metrics made inside are written to the shared folder as worker `pid`'s (and only
    those: this process's own request counting stays in memory)."""
    this_process = values.ValueClass
    values.ValueClass = values.MultiProcessValue(lambda: pid)
    try:
        yield
    finally:
        values.ValueClass = this_process


def samples(response) -> dict:
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_any_worker_answers_with_every_workers_counts(shared_folder, monkeypatch):
    for pid, requests in [(4101, 3), (4102, 5)]:
        with in_worker(pid):  # as django-prometheus counts each request
            counter = Counter("linkwork_test_requests", "Requests", ["view"], registry=None)
            counter.labels(view="triage").inc(requests)
    assert {p.name for p in shared_folder.iterdir()} == {"counter_4101.db", "counter_4102.db"}

    response = Client().get("/metrics", **SCRAPE)
    assert response.status_code == 200
    found = samples(response)
    assert found[("linkwork_test_requests_total", (("view", "triage"),))] == 8
    # Only what the workers wrote: this process's own registry (its django-prometheus
    # counters, kept in memory here) is not what answers.
    assert not [name for name, _ in found if name.startswith("django_http_")]
    # Our gauges from the database are there as before, once each.
    assert ("linkwork_tasks_waiting", (("queue", "default"),)) in found


def test_without_the_folder_the_process_answers_for_itself(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    response = Client().get("/metrics", **SCRAPE)
    assert response.status_code == 200
    found = samples(response)
    assert [name for name, _ in found if name.startswith("django_http_")]
    assert not [name for name, _ in found if name.startswith("linkwork_test_")]


def test_the_folder_does_not_let_anyone_else_in(shared_folder):
    assert Client().get("/metrics").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404


def test_a_worker_that_exits_has_its_live_gauges_dropped(shared_folder, monkeypatch):
    monkeypatch.setenv("LINKWORK_ENV_FILE", "")
    conf = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    for pid in (4201, 4202):
        with in_worker(pid):
            Gauge(
                "linkwork_test_in_flight",
                "Requests in flight",
                registry=None,
                multiprocess_mode="livesum",
            ).inc()
    assert samples(Client().get("/metrics", **SCRAPE))[("linkwork_test_in_flight", ())] == 2

    conf["child_exit"](SimpleNamespace(), SimpleNamespace(pid=4201))

    assert not (shared_folder / "gauge_livesum_4201.db").exists()
    assert (shared_folder / "gauge_livesum_4202.db").exists()
    assert samples(Client().get("/metrics", **SCRAPE))[("linkwork_test_in_flight", ())] == 1


def test_child_exit_does_nothing_without_the_folder(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.setenv("LINKWORK_ENV_FILE", "")
    conf = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    # (prometheus_client's mark_process_dead would fail with no folder to look in.)
    assert conf["child_exit"](SimpleNamespace(), SimpleNamespace(pid=4301)) is None
