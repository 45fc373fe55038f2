"""An import and a listing edit at the same moment, on PostgreSQL: the import applies its
word statistics once, at the end of its transaction, so the two neither deadlock nor lose
a count (the second reading of issue 16's change, finding 3)."""

import contextlib
import threading
import time

import pytest
from django.db import connection, transaction

from directory import actions, search_index
from directory.models import SearchDocument, Service
from tests import factories

from .test_word_stats import counted, stored

pytestmark = pytest.mark.django_db(transaction=True)


def records_for(area, monkeypatch, listings):
    """Listings as an import would bring them (the factory's records, not saved)."""
    made = []
    with monkeypatch.context() as m:
        m.setattr(actions, "save_services", lambda *, by, area, records: made.extend(records))
        for name, description in listings:
            # The factory reads back what it did not save.
            with contextlib.suppress(Service.DoesNotExist):
                factories.activity(area=area, name=name, description=description)
    return made


def test_an_import_and_an_edit_at_once_finish_with_exact_statistics(area, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    edited = factories.activity(area=area, name="Choir", description="Choir and tea.")
    # The import's later listings share a word with the edit that sorts before every word
    # of its first: were the import to take the statistics' rows chunk by chunk, the edit
    # would hold "aardvark" while waiting for "choir", and the import wait for "aardvark".
    records = records_for(
        area,
        monkeypatch,
        [
            ("Import one", "Choir and tea."),
            ("Import two", "Aardvark choir."),
            ("Import three", "Aardvark tea."),
        ],
    )
    monkeypatch.setattr(actions, "BATCH", 1)  # three chunks: three refreshes in one transaction
    real_chunk = actions._save_chunk
    first_done = threading.Event()

    def slow_chunk(*args):
        result = real_chunk(*args)
        if threading.current_thread().name == "import" and not first_done.is_set():
            first_done.set()
            time.sleep(0.5)  # the edit runs now, inside the import's transaction
        return result

    monkeypatch.setattr(actions, "_save_chunk", slow_chunk)
    failures = []

    def run(work):
        try:
            with transaction.atomic():
                work()
        except Exception as error:  # a deadlock would surface here
            failures.append(error)
        finally:
            connection.close()

    def edit():
        Service.objects.filter(pk=edited.pk).update(description="Aardvark choir, tea and cake.")
        search_index.refresh([edited.pk])

    importer = threading.Thread(
        target=run,
        args=(lambda: actions.save_services(by=None, area=area, records=records),),
        name="import",
    )
    importer.start()
    assert first_done.wait(10)
    editor = threading.Thread(target=run, args=(edit,), name="edit")
    editor.start()
    importer.join(30)
    editor.join(30)

    assert failures == []
    assert Service.objects.count() == 4
    assert stored() == counted(list(SearchDocument.objects.values_list("tokens", flat=True)))
