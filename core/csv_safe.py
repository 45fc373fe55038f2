"""Every CSV linkwork reads from a person or writes for one goes through here.

Writing: a spreadsheet runs a cell that starts with =, +, -, @, a tab or a carriage return
as a formula, so a provider who names an activity `=cmd|' /C calc'!A0` could run a program
on the computer of whoever opens the export (CSV injection). Following OWASP's advice,
`writer()` puts a single quote before such a cell and quotes every field (so a `;` inside a
value cannot start a new cell where `;` is the separator). Two kinds of value are left as
they are, because no formula can hide in them and figures must stay figures: Python numbers,
and text that is nothing but a plain number, like "-3.5", "+1.2" or "-1e-05". The quote is
visible in the cell; `restore()` (applied by `dict_reader()`) takes it off again, so a file
linkwork exported can be edited and imported back unchanged. `make lint` (ruff TID251) and
`core/tests/test_csv_safe.py` refuse `csv.writer`/`csv.DictWriter` anywhere else.

Reading: uploaded and imported files have a largest size and a most rows, and a broken file
is refused with a message that says what to do (`CsvRefused`), before anything is saved."""

import csv
import io
import re
from pathlib import Path

from django.conf import settings

TRIGGERS = frozenset("=+-@\t\r")
# ASCII digits only: a spreadsheet reads these as a number, never as a formula.
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def neutralise(value):
    """The value as it is safe to write in a cell (see the module docstring)."""
    if not isinstance(value, str) or not value or value[0] not in TRIGGERS:
        return value
    if PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def restore(value):
    """Undo `neutralise`: the text as it was before it was written."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in TRIGGERS:
        return value[1:]
    return value


class _Writer:
    def __init__(self, out, **options):
        options.setdefault("quoting", csv.QUOTE_ALL)
        self._writer = csv.writer(out, **options)

    @property
    def dialect(self):
        return self._writer.dialect

    def writerow(self, row):
        return self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(out, **options) -> _Writer:
    """`csv.writer`, neutralising every cell. Options as for `csv.writer`."""
    return _Writer(out, **options)


class DictWriter(csv.DictWriter):
    """`csv.DictWriter`, neutralising every cell (the header too)."""

    def __init__(self, out, fieldnames, restval="", extrasaction="raise", **options):
        super().__init__(out, fieldnames, restval, extrasaction, **options)
        self.writer = writer(out, **options)


def text(rows, **options) -> str:
    """Rows as CSV text, through `writer()`."""
    out = io.StringIO()
    writer(out, **options).writerows(rows)
    return out.getvalue()


# Reading


class CsvRefused(Exception):
    """The file cannot be read as it is: `message` says why and what to do."""

    def __init__(self, message: str, line: int = 1):
        super().__init__(message)
        self.message = message
        self.line = line


class _DictReader(csv.DictReader):
    def __init__(self, text: str, max_rows: int, **options):
        # newline="" as the csv docs ask: a file saved with old Mac line ends (\r) is read,
        # not refused with "new-line character seen in unquoted field".
        super().__init__(io.StringIO(text.lstrip("\ufeff"), newline=""), **options)
        self.max_rows = max_rows
        self.rows = 0

    @property
    def fieldnames(self):
        try:
            names = super().fieldnames
        except csv.Error as error:
            raise _refusal(error, self.reader.line_num) from None
        return names

    def __next__(self):
        try:
            row = super().__next__()
        except csv.Error as error:
            raise _refusal(error, self.reader.line_num) from None
        self.rows += 1
        if self.rows > self.max_rows:
            raise CsvRefused(
                f"The file has more than {self.max_rows:,} rows: split it into several",
                self.line_num,
            )
        return {
            name: [restore(v) for v in value] if isinstance(value, list) else restore(value)
            for name, value in row.items()
        }


def _refusal(error: csv.Error, line: int) -> CsvRefused:
    if "field larger than field limit" in str(error):
        limit = csv.field_size_limit()
        return CsvRefused(f"Line {line} has a value longer than {limit:,} characters", line)
    return CsvRefused(f"Line {line} cannot be read as CSV ({error})", line)


def dict_reader(text: str, *, max_rows: int, **options) -> csv.DictReader:
    """`csv.DictReader` over text (a leading byte-order mark dropped) that raises
    `CsvRefused` past `max_rows` rows or on a line that is not CSV, and gives each value
    back as it was before linkwork's writer neutralised it."""
    return _DictReader(text, max_rows, **options)


def count_rows(text: str, *, max_rows: int) -> int:
    """How many rows (after the header) the text has; `CsvRefused` if more than max_rows."""
    reader = dict_reader(text, max_rows=max_rows)
    reader.fieldnames  # noqa: B018 - reads the header, so a broken one is refused here
    return sum(1 for _ in reader)


def read_upload(upload, *, max_rows: int, max_bytes: int | None = None) -> str:
    """An uploaded CSV's text, once it is known to be a CSV of a sensible size in UTF-8
    with at most max_rows rows; otherwise `CsvRefused` with what to do about it."""
    max_bytes = max_bytes or settings.CSV_UPLOAD_MAX_BYTES
    if upload is None:
        raise CsvRefused("Choose a CSV file to upload")
    if not upload.name.lower().endswith(".csv"):
        raise CsvRefused("The file must be a CSV (.csv), like the template")
    if upload.size > max_bytes:
        raise CsvRefused(f"The file must be smaller than {_size(max_bytes)}: split it into several")
    if upload.size == 0:
        raise CsvRefused("The file is empty")
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvRefused("The file must be a CSV saved as UTF-8 (in Excel: CSV UTF-8)") from None
    count_rows(text, max_rows=max_rows)
    return text


def read_path(path: Path, *, max_bytes: int) -> str:
    """A CSV file's text (for the import commands), refused if larger than max_bytes."""
    size = path.stat().st_size
    if size > max_bytes:
        raise CsvRefused(f"{path} is {_size(size)}: at most {_size(max_bytes)} at a time")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CsvRefused(f"{path} must be saved as UTF-8") from None


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):g} MB"
    return f"{count / 1024:g} KB"
