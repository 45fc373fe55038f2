"""Races in tests: calls run at the same moment in real threads, each with its own database
connection (as parallel requests or workers would have). Tests that use it are
`@pytest.mark.django_db(transaction=True)`, so that each thread sees what the others commit."""

import threading

from django.db import connection


def race(calls, *, timeout: float = 120):
    """Run each call in its own thread, released together; return each call's result, or the
    exception it raised, in the order of `calls`."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome is what we assert on
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results
