"""The data rows of a workbook sheet, written by DuckDB as the sheet's XML.

XlsxWriter writes the workbook: its other sheets, styles, each data sheet's header row,
frozen pane, column widths and autofilter. A Python call per cell cost about a second for
the demo's 160,000 cells (the exports) or a validation report's findings, so DuckDB writes
the data rows instead, as XlsxWriter's constant-memory mode writes them (inline strings,
its escapes, its number format `%.16G`, each column's style, a blank text-formatted last
cell where the value is NULL), and they are streamed into the sheet's part of the zip.
One difference: a text that looks like rich-text XML (`<r>...</r>`) is written as text,
not as markup. Texts reaching a sheet hold none of the control characters a workbook
cannot (the queries remove them).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import duckdb
from xlsxwriter.utility import xl_col_to_name

from hemisec.sql import outer_space, quote_identifier

#: What a sheet holds: rows (the header is one) and UTF-16 units of a text cell.
MAX_SHEET_ROWS = 1_048_576
MAX_TEXT_UNITS = 32_767
#: Rows of XML DuckDB joins into one string before Python writes it to the zip.
ROWS_PER_CHUNK = 2_000
_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                  "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT")
_NUMBER_TYPES = ("FLOAT", "DOUBLE", "DECIMAL")


@dataclass
class SheetRows:
    """A data sheet whose rows DuckDB writes: its part of the zip, the query of its rows'
    XML (with `_sheet_row`, the row number), how many rows and its last column's letters."""

    part: str
    query: str
    rows: int
    last_column: str


def sheet_rows(con: duckdb.DuckDBPyConnection, query: str, order: list[str], index: int,
               blank_style: int | None, styles: list[int | None] | None = None) -> SheetRows:
    """The rows of `query` (the sheet's columns, in order), sorted by `order` (columns
    of `query` left out of the sheet when named `_order...`), for the sheet XlsxWriter
    numbered `index`. A NULL in the last column is a blank cell of style `blank_style`
    (readers that take a row's last cell as its end need it), or no cell when None;
    `styles` are the columns' own styles (set_column's), which their cells carry."""
    columns = [c for c in con.execute(f"DESCRIBE {query}").fetchall()
               if not c[0].startswith("_order")]
    styles = styles or [None] * len(columns)
    rows = con.execute(f"SELECT count(*) FROM ({query})").fetchall()[0][0]
    if rows + 1 > MAX_SHEET_ROWS:
        raise _error(f"{rows:,} rows do not fit in a worksheet ({MAX_SHEET_ROWS:,} rows with "
                     "the header): use the CSV or Parquet export")
    last = len(columns) - 1
    names = [quote_identifier(name) for name, *_ in columns]
    kinds = [_kind(column_type, name) for name, column_type, *_ in columns]
    # Texts are cut and escaped once, in their own column, before their cells are written.
    prepared = ", ".join(_text_sql(n) + f" AS {n}" if k == "text" else n
                         for n, k in zip(names, kinds, strict=True))
    cells = ", ".join(
        _cell_sql(n, k, xl_col_to_name(p), blank_style if p == last else None, style)
        for p, (n, k, style) in enumerate(zip(names, kinds, styles, strict=True)))
    numbered = (f"SELECT row_number() OVER (ORDER BY {', '.join(map(quote_identifier, order))})"
                f" + 1 AS _sheet_row, * FROM ({query})")
    xml = (f"SELECT _sheet_row, concat('<row r=\"', _r, '\">', {cells}, '</row>') AS xml "
           f"FROM (SELECT _sheet_row, CAST(_sheet_row AS VARCHAR) AS _r, {prepared} "
           f"FROM ({numbered}))")
    return SheetRows(f"xl/worksheets/sheet{index + 1}.xml", xml, rows, xl_col_to_name(last))


def _error(message: str) -> Exception:
    from hemisec.build.database import BuildError  # the build imports the exports

    return BuildError(message)


def _kind(column_type: str, name: str) -> str:
    if column_type == "VARCHAR":
        return "text"
    if column_type == "BOOLEAN":
        return "boolean"
    if column_type in _INTEGER_TYPES:
        return "integer"
    if column_type.startswith(_NUMBER_TYPES):
        return "number"
    raise _error(f"no worksheet cell for the column type {column_type} of {name}")


def _text_sql(value: str) -> str:
    """A text as XlsxWriter writes it: cut to what a cell holds, its `_xHHHH_` look-alikes
    and carriage returns escaped (the other control characters are already removed). The
    regular expressions run only on the texts that need them."""
    astral = (f"length(regexp_replace(left({value}, {MAX_TEXT_UNITS}), "
              "'[^\\x{10000}-\\x{10FFFF}]', '', 'g'))")
    cut = (f"CASE WHEN strlen({value}) <= {MAX_TEXT_UNITS // 2} THEN {value} "
           f"ELSE left({value}, {MAX_TEXT_UNITS} - {astral}) END")
    unescaped = (f"CASE WHEN contains({cut}, '_x') THEN regexp_replace({cut}, "
                 f"'(_x[0-9a-fA-F]{{4}}_)', '_x005F\\1', 'g') ELSE {cut} END")
    return (f"replace(replace(replace({unescaped}, chr(13), '_x000D_'), chr(65534), "
            "'_xFFFE_'), chr(65535), '_xFFFF_')")


def _cell_sql(name: str, kind: str, letter: str, blank_style: int | None,
              style: int | None = None) -> str:
    """A cell's XML; a NULL is no cell, or the blank of `blank_style` where one is given.
    One concat() a cell: `||` would copy the growing text at every piece."""
    def cell(*pieces: str, style: int | None = style) -> str:
        styled = "" if style is None else f' s="{style}"'
        return f"concat('<c r=\"{letter}', _r, '\"{styled}', {', '.join(pieces)})"

    # A blank carries its own style, not its column's (as XlsxWriter writes a format).
    blank = "''" if blank_style is None else cell("'/>'", style=blank_style)
    if kind == "text":
        # Printable ASCII at both ends is the common case: no regular expression for it.
        plain = (f"unicode({name}) BETWEEN 33 AND 126 AND unicode(right({name}, 1)) "
                 "BETWEEN 33 AND 126")
        value = cell(f"CASE WHEN NOT ({plain}) AND {outer_space(name)} THEN "
                     "' t=\"inlineStr\"><is><t xml:space=\"preserve\">' ELSE "
                     "' t=\"inlineStr\"><is><t>' END",
                     f"replace(replace(replace({name}, '&', '&amp;'), '<', '&lt;'), '>', "
                     "'&gt;')", "'</t></is></c>'")
    elif kind == "boolean":
        value = cell(f"CASE WHEN {name} THEN ' t=\"b\"><v>1</v></c>' "
                     "ELSE ' t=\"b\"><v>0</v></c>' END")
    elif kind == "integer":  # %.16G writes the digits of an integer a double holds exactly
        value = cell(f"CASE WHEN {name} BETWEEN -{2 ** 53} AND {2 ** 53} THEN concat('><v>', "
                     f"CAST({name} AS VARCHAR), '</v></c>') ELSE concat('><v>', "
                     f"printf('%.16G', CAST({name} AS DOUBLE)), '</v></c>') END")
    else:  # XlsxWriter's nan_inf_to_errors: an error cell, not a number Excel refuses
        number = f"CAST({name} AS DOUBLE)"
        value = cell(f"CASE WHEN isnan({number}) THEN ' t=\"e\"><f>#NUM!</f><v>#NUM!</v></c>' "
                     f"WHEN {number} = 'infinity' THEN ' t=\"e\"><f>1/0</f><v>#DIV/0!</v></c>' "
                     f"WHEN {number} = '-infinity' THEN "
                     "' t=\"e\"><f>-1/0</f><v>#DIV/0!</v></c>' "
                     f"ELSE concat('><v>', printf('%.16G', {number}), '</v></c>') END")
    return f"CASE WHEN {name} IS NULL THEN {blank} ELSE {value} END"


def _chunks(con: duckdb.DuckDBPyConnection, sheet: SheetRows) -> Iterator[bytes]:
    """The rows' XML, a chunk of rows joined by DuckDB at a time, in sheet order."""
    result = con.execute(
        f"SELECT string_agg(xml, '' ORDER BY _sheet_row) FROM ({sheet.query}) "
        f"GROUP BY (_sheet_row - 2) // {ROWS_PER_CHUNK} ORDER BY min(_sheet_row)")
    while batch := result.fetchmany(16):
        for (xml,) in batch:
            yield xml.encode()


def write_with_rows(con: duckdb.DuckDBPyConnection, drafted: io.BytesIO, path: str | IO[bytes],
                    sheets: list[SheetRows]) -> None:
    """Write the workbook XlsxWriter `drafted` (header rows only) to `path`, each sheet of
    `sheets` with its rows; the dimension XlsxWriter gave it (the header's) made whole."""
    parts = {s.part: s for s in sheets}
    with zipfile.ZipFile(drafted) as source, zipfile.ZipFile(
            path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            sheet = parts.get(info.filename)
            if sheet is None:
                target.writestr(info, content)
                continue
            head, end, tail = content.partition(b"</sheetData>")
            if not end:
                raise _error(f"{info.filename}: XlsxWriter wrote no sheet data to add to")
            if sheet.rows:
                head = re.sub(rb'<dimension ref="A1:[A-Z]+1"/>',
                              f'<dimension ref="A1:{sheet.last_column}{sheet.rows + 1}"/>'
                              .encode(), head, count=1)
            part = zipfile.ZipInfo(info.filename, info.date_time)
            part.compress_type, part.external_attr = info.compress_type, info.external_attr
            with target.open(part, "w", force_zip64=sheet.rows > 100_000) as stream:
                stream.write(head)
                for chunk in _chunks(con, sheet):
                    stream.write(chunk)
                stream.write(end + tail)
