"""core.csv_safe (issue 13): no cell linkwork writes can start a spreadsheet formula, every
CSV is written through it (a source scan, beside ruff's TID251 in `make lint`), and uploaded
or imported CSV files have a largest size and a most rows."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from core import csv_safe
from core.csv_safe import CsvRefused

ROOT = Path(__file__).resolve().parents[2]
ATTACK = "=cmd|' /C calc'!A0"


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


# The cell neutraliser


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (ATTACK, "'" + ATTACK),
        ("+44 7700 900461", "'+44 7700 900461"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        ("-0.5 to +1.2", "'-0.5 to +1.2"),
        # Numbers stay numbers: as Python numbers, or as text that is only a number.
        ("-3.5", "-3.5"),
        ("+1.2", "+1.2"),
        ("-1e-05", "-1e-05"),
        (-3.5, -3.5),
        (Decimal("-0.99"), Decimal("-0.99")),
        (-7, -7),
        # Nothing else is touched.
        ("Happy Cafe", "Happy Cafe"),
        ("", ""),
        (None, None),
        ("a=b", "a=b"),
        ("−£5", "−£5"),  # a true minus sign (U+2212) is not a formula
        ("-٣", "'-٣"),  # only ASCII digits make a plain number
    ],
)
def test_neutralise(value, written):
    assert csv_safe.neutralise(value) == written
    assert csv_safe.restore(csv_safe.neutralise(value)) == value


@given(st.text())
def test_no_written_cell_can_start_a_formula(value):
    written = csv_safe.neutralise(value)
    if written and written[0] in csv_safe.TRIGGERS:
        assert csv_safe.PLAIN_NUMBER.fullmatch(written), written
        float(written)  # a spreadsheet reads it as a number, and so does Python
    assert csv_safe.restore(written) == value


@given(st.lists(st.lists(st.text() | st.integers(), min_size=1, max_size=5)))
def test_every_row_written_reads_back_as_it_was_and_starts_no_formula(rows):
    read = parse(csv_safe.text(rows))
    for row in read:
        for cell in row:
            assert (
                not cell
                or cell[0] not in csv_safe.TRIGGERS
                or csv_safe.PLAIN_NUMBER.fullmatch(cell)
            ), cell
    assert [[csv_safe.restore(c) for c in row] for row in read] == [
        [v if isinstance(v, str) else str(v) for v in row] for row in rows
    ]


def test_every_field_is_quoted_so_a_semicolon_cannot_start_a_cell():
    # Where ";" is the list separator, an unquoted `Tea;=cmd` would open as two cells.
    text = csv_safe.text([["Tea;" + ATTACK, 3]])
    assert text == '"Tea;=cmd|\' /C calc\'!A0","3"\r\n'


def test_dict_writer_neutralises_header_and_cells():
    out = io.StringIO()
    writer = csv_safe.DictWriter(out, ["name", "=total"], lineterminator="\n")
    writer.writeheader()
    writer.writerow({"name": ATTACK, "=total": -3})
    assert parse(out.getvalue()) == [["name", "'=total"], ["'" + ATTACK, "-3"]]


def test_the_reader_restores_what_the_writer_neutralised():
    text = csv_safe.text([["name", "phone"], [ATTACK, "+44 7700 900461"]])
    assert list(csv_safe.dict_reader(text, max_rows=10)) == [
        {"name": ATTACK, "phone": "+44 7700 900461"}
    ]


# Nothing writes CSV except through csv_safe


RAW_WRITER = re.compile(
    r"\bcsv\s*\.\s*(?:writer|DictWriter)\b"
    r"|from\s+csv\s+import\s+[^\n]*\b(?:writer|DictWriter)\b"
)
SKIPPED = {".venv", "node_modules", "static_build", "staticfiles", ".git"}


def test_no_csv_is_written_except_through_csv_safe():
    allowed = {ROOT / "core" / "csv_safe.py", Path(__file__).resolve()}
    found = []
    for path in ROOT.rglob("*.py"):
        if SKIPPED & set(path.relative_to(ROOT).parts) or path in allowed:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if RAW_WRITER.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "Write CSV through core.csv_safe.writer, not csv directly:\n" + "\n".join(
        found
    )


def test_the_scan_would_find_a_raw_writer():
    assert RAW_WRITER.search("    w = csv.writer(out)")
    assert RAW_WRITER.search("from csv import DictWriter")
    assert not RAW_WRITER.search("w = csv_safe.writer(out)")


# Reading: limits and clear refusals


def upload(content: bytes, name="people.csv"):
    return SimpleUploadedFile(name, content)


def test_an_upload_within_the_limits_is_read():
    text = csv_safe.read_upload(upload("\ufeffa,b\n1,2\n".encode()), max_rows=1)
    assert text == "a,b\n1,2\n"


@pytest.mark.parametrize(
    ("file", "max_rows", "message"),
    [
        (None, 10, "Choose a CSV file to upload"),
        (upload(b"a\n1\n", "people.xlsx"), 10, "The file must be a CSV (.csv), like the template"),
        (upload(b""), 10, "The file is empty"),
        (upload("a\n£\n".encode("latin-1")), 10, "saved as UTF-8"),
        (upload(b"a\n1\n2\n3\n"), 2, "more than 2 rows"),
        (upload(b"a\n" + b"x" * 200_000 + b"\n"), 10, "longer than 131,072 characters"),
    ],
)
def test_an_upload_outside_the_limits_is_refused_clearly(file, max_rows, message):
    with pytest.raises(CsvRefused) as refused:
        csv_safe.read_upload(file, max_rows=max_rows)
    assert message in refused.value.message


def test_a_file_with_old_mac_line_ends_is_read():
    text = csv_safe.read_upload(upload(b"a,b\r1,2\r3,4\r"), max_rows=2)
    assert list(csv_safe.dict_reader(text, max_rows=2)) == [
        {"a": "1", "b": "2"},
        {"a": "3", "b": "4"},
    ]


def test_the_largest_upload_comes_from_the_settings(settings):
    settings.CSV_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(CsvRefused, match="smaller than 1 KB"):
        csv_safe.read_upload(upload(b"a\n" + b"1\n" * 600), max_rows=10_000)


def test_an_imported_file_larger_than_its_limit_is_refused(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("a\n" + "1\n" * 1000)
    with pytest.raises(CsvRefused, match="at most 1 KB"):
        csv_safe.read_path(path, max_bytes=1024)
    assert csv_safe.read_path(path, max_bytes=4096).startswith("a\n")
