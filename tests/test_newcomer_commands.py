"""What a newcomer types from the docs works as written, and the demo's ports can move."""

import re
import subprocess
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[1]
DOCS = [
    BASE_DIR / "README.md",
    BASE_DIR / "DEVELOPERS.md",
    BASE_DIR / "bench" / "README.md",
    # Not docs/adr/: decisions as they were taken, not instructions.
    *sorted(p for p in (BASE_DIR / "docs").rglob("*.md") if "adr" not in p.parts),
]
# `make install` leaves uv in ~/.local/bin, often not on PATH, and Debian has no `python`:
# commands go through make or the project's own interpreter.
NOT_AS_WRITTEN = re.compile(r"\buv run\b|(?<![/\w.])python (?:manage\.py|bench/|-m pytest)")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_documented_commands_need_nothing_on_path_but_make(doc):
    bad = [
        f"{doc.name}:{number}: {line.strip()}"
        for number, line in enumerate(doc.read_text().splitlines(), 1)
        if NOT_AS_WRITTEN.search(line)
    ]
    assert bad == [], "use `make …` or `.venv/bin/python …`"


def test_make_demo_takes_its_ports_from_port_and_notify_port():
    result = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", "demo", "PORT=8123", "NOTIFY_PORT=6123"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    commands = result.stdout
    assert "runserver 127.0.0.1:8123" in commands
    assert "fake_notify --port 6123" in commands
    # The worker sends to that fake Notify whatever .env says.
    worker = next(line for line in commands.splitlines() if "manage.py worker" in line)
    assert "NOTIFY_BASE_URL=http://127.0.0.1:6123" in worker
    assert "8000" not in commands and "6011" not in commands


def _serve_commands(*args, env=None):
    import os

    result = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", "serve", *args],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None},
    )
    assert result.returncode == 0, result.stderr
    return next(line for line in result.stdout.splitlines() if line.startswith("export "))


def test_make_serve_leaves_port_to_the_settings_file_unless_given():
    # An operator who writes PORT=… in LINKWORK_ENV_FILE gets that port: make must not
    # export its own default over it (gunicorn.conf.py reads the file, the environment first).
    assert "PORT" not in _serve_commands(env={"PORT": None}).replace("LINKWORK_", "")
    assert "PORT=8124" in _serve_commands("PORT=8124", env={"PORT": None})
    assert "PORT=8125" in _serve_commands(env={"PORT": "8125"})
