"""Fail if a public function in an `actions` module is not `@transaction.atomic`.

Actions are the only writes (DEVELOPERS.md, "Writes go through actions"). One that is not in a
transaction half-writes on an error, and one that locks rows (`select_for_update()`) fails
outright on PostgreSQL, where a lock outside a transaction is an error: tests hide both,
because pytest-django wraps each test in a transaction and SQLite has no row locks.

Checked: every top-level function without a leading underscore in `*/actions.py` and
`*/actions/*.py` (hidden folders, node_modules and static_build are skipped). Accepted:
`@transaction.atomic` and `@transaction.atomic(...)` with `transaction` imported from
`django.db`, `@atomic` / `@atomic(...)` imported from `django.db.transaction`, and the full
`@django.db.transaction.atomic`.

A function that truly must not hold a transaction (it waits on an external system, say)
says so on the line just above its `def` (or above its first decorator), with the reason:

    # lint: not-atomic: <why>

Keep that rare: most such functions should be split into an atomic action and the slow call.

Usage: python scripts/lint_actions_atomic.py [ROOT]   (ROOT defaults to the project)
"""

import ast
import re
import sys
from pathlib import Path

SKIP_DIRS = {"node_modules", "static_build", "__pycache__"}
MARKER = re.compile(r"#\s*lint:\s*not-atomic:\s*\S")


def action_modules(root: Path) -> list[Path]:
    found = set(root.rglob("actions.py")) | set(root.rglob("actions/*.py"))
    return sorted(
        path
        for path in found
        if not any(
            part in SKIP_DIRS or part.startswith(".")
            for part in path.relative_to(root).parent.parts
        )
    )


def _atomic_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """(names bound to django.db.transaction, names bound to its `atomic`)."""
    modules, functions = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            for alias in node.names:
                bound = alias.asname or alias.name
                if node.module == "django.db" and alias.name == "transaction":
                    modules.add(bound)
                elif node.module == "django.db.transaction" and alias.name == "atomic":
                    functions.add(bound)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "django.db.transaction" and alias.asname:
                    modules.add(alias.asname)
    return modules, functions


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def is_atomic(decorator: ast.expr, modules: set[str], functions: set[str]) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = _dotted(target)
    if name == "django.db.transaction.atomic" or name in functions:
        return True
    head, _, tail = name.rpartition(".")
    return tail == "atomic" and head in modules


def _marked(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return first >= 2 and bool(MARKER.search(lines[first - 2]))


def problems_in(path: Path, root: Path) -> list[str]:
    source = path.read_text()
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as error:
        return [f"{path.relative_to(root)}:{error.lineno}: cannot parse: {error.msg}"]
    modules, functions = _atomic_names(tree)
    lines = source.splitlines()
    found = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if node.name.startswith("_"):
            continue
        if any(is_atomic(d, modules, functions) for d in node.decorator_list):
            continue
        if _marked(lines, node):
            continue
        found.append(
            f"{path.relative_to(root)}:{node.lineno}: {node.name}() is not @transaction.atomic"
        )
    return found


def main(argv: list[str]) -> int:
    root = Path(argv[1]).resolve() if len(argv) > 1 else Path(__file__).resolve().parent.parent
    modules = action_modules(root)
    problems = [problem for path in modules for problem in problems_in(path, root)]
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"{len(problems)} public action(s) outside a transaction: add @transaction.atomic, "
            "make the function private (_name) if it is a helper, or (rarely) mark it "
            "'# lint: not-atomic: <why>' on the line above."
        )
        return 1
    print(f"every public action is @transaction.atomic ({len(modules)} action modules)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
