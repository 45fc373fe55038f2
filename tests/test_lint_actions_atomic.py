"""The lint that every public action is `@transaction.atomic` (scripts/lint_actions_atomic.py)
finds what it must, passes what it may, and passes on this project."""

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "lint_actions_atomic.py"


def lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True, check=False
    )


def write(root: Path, path: str, source: str) -> None:
    file = root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(textwrap.dedent(source))


def test_a_public_action_outside_a_transaction_fails_the_lint(tmp_path):
    write(
        tmp_path,
        "shop/actions.py",
        """
        from django.db import transaction
        from django.db import transaction as tx
        from django.db.transaction import atomic
        import django.db


        @transaction.atomic
        def plain(*, by):
            pass


        @transaction.atomic(durable=True)
        def called(*, by):
            pass


        @atomic
        def imported(*, by):
            pass


        @tx.atomic()
        def aliased(*, by):
            pass


        @django.db.transaction.atomic
        def dotted(*, by):
            pass


        def _helper():
            pass


        # lint: not-atomic: waits on the card network; each step below is its own action
        def pay(*, by):
            pass


        def record_sale(*, by):
            pass


        @staticmethod
        def decorated_otherwise(*, by):
            pass


        # lint: not-atomic:
        def marker_without_a_reason(*, by):
            pass


        class NotAFunction:
            def method(self):
                pass
        """,
    )
    write(
        tmp_path,
        "till/actions/refunds.py",
        """
        from other.library import transaction


        @transaction.atomic
        def refund(*, by):
            pass
        """,
    )
    write(tmp_path, "till/actions/__init__.py", "")
    # Never checked: dependencies, hidden folders, files not named for actions.
    for skipped in ("node_modules/pkg/actions.py", ".venv/lib/actions.py", "shop/views.py"):
        write(tmp_path, skipped, "def write_anything():\n    pass\n")

    result = lint(tmp_path)

    assert result.returncode == 1, result.stdout
    flagged = sorted(
        line.split(": ", 1)[1] for line in result.stdout.splitlines() if ".py:" in line
    )
    assert flagged == [
        "decorated_otherwise() is not @transaction.atomic",
        "marker_without_a_reason() is not @transaction.atomic",
        "record_sale() is not @transaction.atomic",
        "refund() is not @transaction.atomic",  # `transaction` is not Django's
    ]
    assert "shop/actions.py:" in result.stdout and "till/actions/refunds.py:" in result.stdout


def test_a_tree_of_atomic_actions_passes(tmp_path):
    write(
        tmp_path,
        "shop/actions.py",
        """
        from django.db import transaction


        @transaction.atomic
        def record_sale(*, by):
            pass
        """,
    )
    result = lint(tmp_path)
    assert result.returncode == 0 and "1 action modules" in result.stdout


def test_every_public_action_in_linkwork_is_atomic():
    result = lint(SCRIPT.parents[1])
    assert result.returncode == 0, result.stdout
