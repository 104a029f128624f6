"""Property-based tests of the reading layer: any table written in any dialect a
spreadsheet uses reads back cell for cell, and no bytes make the reader raise."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hemisec.checks.validate import validate
from hemisec.package import DataPackage
from hemisec.read.delimited import _has_empty_line, _plain_utf8
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
def test_any_table_in_any_dialect_reads_back_cell_for_cell(rows, dialect, tmp_path,
                                                           workspace) -> None:
    path = tmp_path / "homicide.csv"
    _write(path, rows, **dialect)
    # Single-byte encodings cannot be told apart from bytes alone: say which.
    options = ReadOptions(encoding="cp1252" if dialect["encoding"] == "cp1252" else None)
    table = load_table(TableSource("homicide", path), SPEC, options, workspace)
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
def test_no_bytes_make_the_reader_raise(data, head, suffix, tmp_path, workspace) -> None:
    """Damaged files become findings on the file, never an exception."""
    path = tmp_path / f"homicide{suffix}"
    path.write_bytes(head + data)
    table = load_table(TableSource("homicide", path), SPEC, workspace=workspace)
    assert table.findings["row"].dropna().ge(1).all()
    if (table.findings["severity"] == "error").sum() == 0:  # read as a table: all columns
        assert set(COLUMNS) <= set(table.text.columns)


def test_a_damaged_file_still_gives_a_report(tmp_path) -> None:
    (tmp_path / "homicide.csv").write_bytes(b"iso3,year\n\x00\xff\xfe,,\n")
    report = validate([tmp_path])
    assert report.findings["check"].tolist() == ["file-unreadable"]


# Valid homicide rows, as people type them: spaces around numbers (also no-break ones),
# leading plus signs, columns in any order.
valid_row = st.fixed_dictionaries({
    "iso3": st.sampled_from(["COL", "MEX", "BRA"]),
    "year": st.integers(1990, 2025).map(str),
    "iccs_code": st.sampled_from(["0101", "0102"]),
    "sex": st.sampled_from(["_T", "M", "F"]),
    "mechanism": st.sampled_from(["_T", "firearm"]),
    "victims": st.tuples(st.sampled_from(["", " ", "\u00a0", "+"]), st.integers(0, 10**12),
                         st.sampled_from(["", " ", "\u00a0"]))
    .map(lambda t: f"{t[0]}{t[1]}{t[2]}" if t[0] != "+" else f"+{t[1]}"),
    "obs_status": st.sampled_from(["", "A", "E", "P"]),
    "source": cell_text.map(lambda s: s if s.strip() not in ("", "..") else "Policía"),
    "note": cell_text,
})


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(valid_row, min_size=1, max_size=6,
                     unique_by=lambda r: (r["iso3"], r["year"], r["iccs_code"], r["sex"],
                                          r["mechanism"])),
       order=st.permutations(COLUMNS), delimiter=st.sampled_from([",", ";", "\t"]))
def test_what_validates_is_what_the_build_loads(rows, order, delimiter, tmp_path) -> None:
    """The build inserts the validator's typed table by column name: whatever the column
    order or the spaces around a number, DuckDB holds the values the checks saw."""
    from hemisec.build.ddl import load_tables
    from hemisec.checks.validate import validate_sources
    from hemisec.read.tables import package_table

    path = tmp_path / "homicide.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerows([list(order), *[[r[c] for c in order] for r in rows]])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    report = validate_sources({"homicide": TableSource("homicide", path)}, PACKAGE)
    structural = report.findings[report.findings["check"].isin(
        ["type-error", "missing-value", "code-not-in-list", "pattern-mismatch",
         "missing-column", "extra-column", "missing-cell", "extra-cell"])]
    assert structural.empty, structural.to_string()
    typed = report.loaded["homicide"].typed
    ws = report.workspace
    tables = {n: t.typed_table for n, t in report.loaded.items()}
    # The code lists homicide's keys point to: the tables the load needs beside it.
    targets = {fk.resource for fk in PACKAGE.tables["homicide"].foreign_keys}
    tables.update({n: package_table(PACKAGE, n, ws).typed_table
                   for n in sorted(targets) if n not in tables})
    ws.con.execute("ATTACH ':memory:' AS built")
    ws.con.execute("USE built")
    load_tables(ws.con, PACKAGE, {n: ws.qualified(t) for n, t in tables.items()})
    loaded = ws.con.execute("SELECT * FROM homicide ORDER BY input_row").df()
    assert loaded["victims"].tolist() == typed["victims"].astype("int64").tolist()
    assert loaded["obs_status"].fillna("").tolist() == typed["obs_status"].fillna("").tolist()
    assert loaded["note"].fillna("").tolist() == typed["note"].fillna("").tolist()
    assert loaded["victims"].tolist() == [int(r["victims"].strip().lstrip("+") or 0)
                                          for r in rows]


@settings(max_examples=300)
@given(st.lists(st.sampled_from([b"a", b",", b"\n", b"\r", b"\r\n"]), max_size=60).map(
           b"".join),
       st.integers(min_value=1, max_value=16))
def test_an_empty_line_is_found_wherever_it_falls(data: bytes, chunk: int) -> None:
    """The search that sends a file with empty lines (which DuckDB's reader would skip)
    to Python's reader finds one in any bytes, also where a chunk of the file ends inside
    it, and nowhere else."""
    import hemisec.read.delimited as delimited

    empty = any(s in data for s in (b"\n\n", b"\r\r", b"\n\r\n"))
    assert _has_empty_line(data) == empty
    whole = b"a" + data  # a first line that is not empty
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.csv"
        path.write_bytes(whole)
        original, delimited._CHUNK_BYTES = delimited._CHUNK_BYTES, chunk
        try:
            plain = _plain_utf8(path, ReadOptions()) is not None
        finally:
            delimited._CHUNK_BYTES = original
    assert plain == (not any(s in whole for s in (b"\n\n", b"\r\r", b"\n\r\n")))
