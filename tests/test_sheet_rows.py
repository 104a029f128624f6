"""The workbook's data rows, written by DuckDB, are the XML XlsxWriter writes for them."""

from __future__ import annotations

import io
import zipfile

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xlsxwriter import Workbook

from hemisec.build.database import BuildError
from hemisec.publish.exports import XLSX_ILLEGAL_TEXT
from hemisec.publish.sheet_rows import sheet_rows, write_with_rows

COLUMNS = {"k": "BIGINT", "t": "VARCHAR", "i": "BIGINT", "d": "DOUBLE", "b": "BOOLEAN",
           "last": "VARCHAR"}
# What reaches a sheet: texts without the control characters a workbook cannot hold (the
# export's query removes them), and not rich-text markup (written as text, not markup).
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40).map(
    lambda s: XLSX_ILLEGAL_TEXT.sub("", s)).filter(
    lambda s: not (s.startswith("<r>") and s.endswith("</r>")))
tricky = st.sampled_from([" lead", "trail ", "_x000D_", "a\rb", "<&>\"", "\u3000x", "",
                          "\ufffe", "x\n"])
cells = st.tuples(
    st.none() | texts | tricky,
    st.none() | st.integers(-2 ** 63, 2 ** 63 - 1) | st.sampled_from([2 ** 53, 2 ** 53 + 1]),
    st.none() | st.floats(allow_nan=True, allow_infinity=True),
    st.none() | st.booleans(),
    st.none() | texts | tricky)


def _by_xlsxwriter(rows: list[tuple[object, ...]], styled: frozenset[int] = frozenset()
                   ) -> tuple[bytes, int, list[int | None]]:
    """The sheet XlsxWriter writes cell by cell (constant memory, as the exports did), the
    style of its blank text cells, and the styles of the `styled` columns."""
    target = io.BytesIO()
    workbook = Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                 "strings_to_urls": False, "strings_to_numbers": False,
                                 "nan_inf_to_errors": True})
    text = workbook.add_format({"num_format": "@"})
    wrapped = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet = workbook.add_worksheet("rows")
    for column in styled:
        sheet.set_column(column, column, 20, wrapped)
    for column, name in enumerate(COLUMNS):
        sheet.write_string(0, column, name)
    for row, values in enumerate(rows, start=1):
        for column, value in enumerate(values):
            if value is None:
                if column == len(values) - 1:
                    sheet.write_blank(row, column, None, text)
            elif isinstance(value, str):
                sheet.write_string(row, column, value)
            elif isinstance(value, bool):
                sheet.write_boolean(row, column, value)
            else:
                sheet.write_number(row, column, value)
    workbook.close()
    styles = [wrapped.xf_index if c in styled else None for c in range(len(COLUMNS))]
    with zipfile.ZipFile(target) as written:
        return written.read("xl/worksheets/sheet1.xml"), text.xf_index, styles


def _by_duckdb(rows: list[tuple[object, ...]], blank_style: int,
               styles: list[int | None] | None = None) -> bytes:
    """The same sheet, its header by XlsxWriter and its rows by DuckDB."""
    con = duckdb.connect()
    con.execute("CREATE TABLE cells (" + ", ".join(f"{n} {t}" for n, t in COLUMNS.items())
                + ")")
    if rows:
        con.executemany("INSERT INTO cells VALUES (?, ?, ?, ?, ?, ?)", rows)
    drafted = io.BytesIO()
    workbook = Workbook(drafted, {"in_memory": True})
    sheet = workbook.add_worksheet("rows")
    for column, name in enumerate(COLUMNS):
        sheet.write_string(0, column, name)
    workbook.close()
    target = io.BytesIO()
    write_with_rows(con, drafted, target,
                    [sheet_rows(con, "SELECT * FROM cells", ["k"], 0, blank_style, styles)])
    with zipfile.ZipFile(target) as written:
        return written.read("xl/worksheets/sheet1.xml")


def _data(sheet_xml: bytes) -> tuple[bytes, bytes]:
    """The dimension of a sheet and its rows after the header."""
    dimension = sheet_xml.split(b"<dimension ")[1].split(b"/>")[0]
    data = sheet_xml.split(b"<sheetData>")[1].split(b"</sheetData>")[0]
    return dimension, data[data.index(b"</row>") + len(b"</row>"):]


@settings(max_examples=60, deadline=None)
@given(st.lists(cells, max_size=25),
       st.frozensets(st.integers(0, len(COLUMNS) - 1), max_size=3))
def test_duckdb_writes_the_rows_xlsxwriter_writes(values: list[tuple[object, ...]],
                                                  styled: frozenset[int]) -> None:
    """Any cells, and columns with a style of their own (set_column), which their cells
    carry but a blank with its own format does not."""
    rows = [(k, *row) for k, row in enumerate(values)]
    expected, blank_style, styles = _by_xlsxwriter(rows, styled)
    assert _data(_by_duckdb(rows, blank_style, styles)) == _data(expected)


def test_rows_follow_the_order_not_the_table() -> None:
    rows = [(k, f"row {k}", k, None, None, None) for k in (3, 1, 2)]
    expected, blank_style, _ = _by_xlsxwriter(sorted(rows))
    assert _data(_by_duckdb(rows, blank_style)) == _data(expected)


def test_a_column_type_without_a_cell_is_refused() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE dated AS SELECT DATE '2020-01-01' AS day")
    with pytest.raises(BuildError, match="DATE"):
        sheet_rows(con, "SELECT * FROM dated", ["day"], 0, 1)
