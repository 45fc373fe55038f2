"""The dashboards, one module each. Each `build(scope, …)` returns a `Dashboard`: sections of
tables (with their charts) computed from the scope's figures."""

from dataclasses import dataclass, field

from reporting.tables import Table


@dataclass
class Section:
    title: str
    tables: list[Table]
    intro: str = ""


@dataclass
class Dashboard:
    key: str
    title: str
    intro: str
    sections: list[Section] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def table(self, key: str) -> Table | None:
        return next((t for s in self.sections for t in s.tables if t.key == key), None)
