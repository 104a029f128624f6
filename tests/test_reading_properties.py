"""Property-based tests of the reading layer: any table written in any dialect a
spreadsheet uses reads back cell for cell, and no bytes make the reader raise."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hemisec.checks.validate import validate
from hemisec.package import DataPackage
from hemisec.read.dialect import ReadOptions
from hemisec.read.sources import TableSource
from hemisec.read.tables import load_table

PACKAGE = DataPackage.load()
SPEC = PACKAGE.tables["homicide"]
COLUMNS = SPEC.field_names

# Cells as people write them: letters with accents, digits, spaces, the delimiters,
# quotes and line breaks inside values.
cell_text = st.text(alphabet=st.sampled_from(list("aZñéíóúç09 .,;\t\"'-_/()\n")), max_size=12)
first_cell = st.text(alphabet=st.sampled_from(list("ABCMXÑ")), min_size=1, max_size=4)
row = st.tuples(first_cell, *[cell_text] * (len(COLUMNS) - 1)).map(list)
dialects = st.fixed_dictionaries({
    "delimiter": st.sampled_from([",", ";", "\t"]),
    "encoding": st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    "line_end": st.sampled_from(["\n", "\r\n", "\r"]),
})
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _write(path: Path, rows: list[list[str]], delimiter: str, encoding: str,
           line_end: str) -> None:
    buffer = io.StringIO()
    # Python's writer quotes a cell holding a line break only when the break is in its own
    # line terminator; with CR line ends, quote every cell as a spreadsheet would.
    quoting = csv.QUOTE_ALL if line_end == "\r" else csv.QUOTE_MINIMAL
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end, quoting=quoting)
    writer.writerows([COLUMNS, *rows])
    path.write_bytes(buffer.getvalue().encode(encoding))


@SETTINGS
@given(rows=st.lists(row, min_size=1, max_size=8), dialect=dialects)
def test_any_table_in_any_dialect_reads_back_cell_for_cell(rows, dialect, tmp_path) -> None:
    path = tmp_path / "homicide.csv"
    _write(path, rows, **dialect)
    # Single-byte encodings cannot be told apart from bytes alone: say which.
    options = ReadOptions(encoding="cp1252" if dialect["encoding"] == "cp1252" else None)
    table = load_table(TableSource("homicide", path), SPEC, options)
    assert table.dialect is not None and table.dialect.delimiter == dialect["delimiter"]
    assert table.findings[table.findings["check"] != "blank-row"].empty
    text = table.text.reindex(columns=COLUMNS)
    for offset, written in enumerate(rows):
        line = offset + 2
        if line not in text.index:  # a row of only missing-value markers is a blank row
            continue
        read = text.loc[line].tolist()
        expected = [None if c in SPEC.missing_values else c for c in written]
        assert [None if isinstance(c, float) else c for c in read] == expected


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), head=st.sampled_from([
    b"", "iso3;year;victims\n".encode("utf-16"), b"\xef\xbb\xbfiso3,year\r\n",
    b"iso3\tyear\n", b"PK\x03\x04"]), suffix=st.sampled_from([".csv", ".txt", ".xlsx"]))
def test_no_bytes_make_the_reader_raise(data, head, suffix, tmp_path) -> None:
    """Damaged files become findings on the file, never an exception."""
    path = tmp_path / f"homicide{suffix}"
    path.write_bytes(head + data)
    table = load_table(TableSource("homicide", path), SPEC)
    assert table.findings["row"].dropna().ge(1).all()
    if (table.findings["severity"] == "error").sum() == 0:  # read as a table: all columns
        assert set(COLUMNS) <= set(table.text.columns)


def test_a_damaged_file_still_gives_a_report(tmp_path) -> None:
    (tmp_path / "homicide.csv").write_bytes(b"iso3,year\n\x00\xff\xfe,,\n")
    report = validate([tmp_path])
    assert report.findings["check"].tolist() == ["file-unreadable"]
