"""Walking every row a periodic duty has to act on, a batch at a time.

A duty that takes "the first N due" each run starves as soon as N rows stay due without
being dealt with: the same N come first every time and nothing behind them is ever
reached. `in_batches` goes through the whole set by primary key (keyset paging, not
OFFSET), so a run reaches every row however many there are, only a batch is in memory at
once, and rows the duty changes as it goes (marking them done) do not shift the pages."""

from collections.abc import Iterator

from django.db.models import Model, QuerySet


def in_batches(queryset: QuerySet, *, size: int) -> Iterator[Model]:
    """Every row of `queryset`, in primary-key order, `size` rows per query."""
    for rows in pages(queryset, size=size):
        yield from rows


def pages(queryset: QuerySet, *, size: int) -> Iterator[list[Model]]:
    """The same rows as `in_batches`, a list of up to `size` (one query) at a time."""
    if size < 1:
        raise ValueError("size must be at least 1")
    page = queryset.order_by("pk")
    last = None
    while True:
        rows = list((page if last is None else page.filter(pk__gt=last))[:size])
        if rows:
            yield rows
        if len(rows) < size:
            return
        last = rows[-1].pk
