"""Writing millions of generated rows quickly: COPY on PostgreSQL, executemany on SQLite.

For synthetic data only (the demo's history, the England-scale benchmark). Rows are dicts
keyed by field attname; fields left out take their model default. Nothing here runs model
validation or actions: the generator is responsible for respecting the constraints (and
the database still enforces them)."""

from collections import defaultdict

from core.bulk_insert import insert_rows

FLUSH_AT = 20_000


class RowWriter:
    def __init__(self, flush_at: int = FLUSH_AT):
        self.flush_at = flush_at
        self.buffers: dict[type, list[dict]] = defaultdict(list)
        self.order: list[type] = []  # parents before children, in first-seen order
        self.written: dict[str, int] = defaultdict(int)

    def add(self, model, row: dict) -> None:
        if model not in self.buffers:
            self.order.append(model)
        self.buffers[model].append(row)
        if len(self.buffers[model]) >= self.flush_at:
            self.flush()

    def flush(self) -> None:
        # Everything buffered goes, parents first, so foreign keys always find their rows.
        for model in self.order:
            rows = self.buffers[model]
            if rows:
                insert_rows(model, rows)
                self.written[model._meta.label] += len(rows)
                rows.clear()
