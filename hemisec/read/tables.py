"""Read one table from the user's file into the workspace and type it by its Table Schema.

A table is read once into the workspace and seen twice: as text, a view of the cells
(so a report can quote the offending value exactly as the file has it), and typed, the
one copy (for the consistency and plausibility checks and for the build, which loads
exactly these typed values). Both carry `_row`, the row number the user sees in their
file or sheet (header = row 1). A plain CSV file whose header names only the schema's
columns, as nearly every large one is, goes from DuckDB's CSV reader straight into the
typed table; any other file is first a table of its raw cells, whose layout the file-level
findings are drawn from.

What the file's layout gets wrong (ragged rows, a header that does not match, years
laid out as columns, formulas) becomes findings on their row; what a spreadsheet adds
without meaning it (trailing empty columns and rows) is dropped with a notice.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    import pandas as pd

from hemisec.findings import FINDING_COLUMNS, Check, register
from hemisec.package import DataPackage, FieldSpec, TableSpec
from hemisec.read.delimited import Scan, plan_scan, read_delimited, scan_delimited
from hemisec.read.dialect import Dialect, ReadOptions
from hemisec.read.raw import RawTable, UnreadableFile
from hemisec.read.sources import TableSource
from hemisec.read.workbook import read_sheet, sheet_names
from hemisec.read.workspace import Workspace
from hemisec.sql import full_match, quote_identifier, quote_literal, stripped, text_list
from hemisec.translate import say, say_sql

FILE_UNREADABLE = register(
    "file-unreadable", "error", "file", "The file could not be read as a table",
    "Save the table from Excel as 'CSV UTF-8' or as an .xlsx workbook with one header row, "
    "then validate again; give --encoding or --delimiter if hemisec guessed them wrong.", level=0)
MISSING_COLUMN = register(
    "missing-column", "error", "file", "A column of the schema is not in the header",
    "Add the column to the header (exact name, lower case); leave its cells empty if optional.",
    level=0)
EXTRA_COLUMN = register(
    "extra-column", "error", "file", "The header has a column the schema does not know",
    "Remove the column or rename it to one of the schema's columns; put remarks in 'note'.",
    level=0)
DUPLICATE_COLUMN = register(
    "duplicate-column", "error", "file", "A column name appears twice in the header",
    "Keep one column of each name.", level=0)
BLANK_ROW = register(
    "blank-row", "error", "file", "A row has no value in any cell",
    "Delete the empty row.", level=0)
MISSING_CELL = register(
    "missing-cell", "error", "file", "A row has fewer cells than the header",
    "Check the row for a missing delimiter or a line cut in two, so that every value is "
    "under its column.", level=0)
EXTRA_CELL = register(
    "extra-cell", "error", "file", "A row has a value beyond the header's last column",
    "Give the value a column in the header, or delete it; an unquoted delimiter inside a "
    "value (e.g. a comma in 'source') also splits it: put such values in quotes.", level=0)
WIDE_LAYOUT = register(
    "wide-layout", "error", "file", "The table has one column per year",
    "Lay the table out long: one row per year with a 'year' column and the value in the "
    "value column (in Excel: Data > From Table > Unpivot Columns), then validate again.", level=0)
FORMULA_CELL = register(
    "formula-cell", "warning", "file", "A cell holds a formula",
    "The value Excel last saved for the formula was checked; paste values (Paste Special > "
    "Values) before sending, so what is sent cannot change.", level=0)
TABLE_EMPTY = register(
    "table-empty", "warning", "file", "The table has a header but no rows",
    "Fill in the rows, or leave the file out of the submission.", level=0)

INTEGER_PATTERN = r"[+-]?[0-9]+(?:_[0-9]+)*"
MAX_INTEGER_DIGITS = 18
_NUMBER_PATTERN = r"[+-]?(?:[0-9]+(?:{d}[0-9]*)?|{d}[0-9]+)(?:[eE][+-]?[0-9]+)?"
_YEAR_HEADER = re.compile(r"(1[89]|20)[0-9]{2}")
_DECIMAL_COMMA_VALUE = r"[+-]?[0-9]+,[0-9]+"
_DECIMAL_POINT_VALUE = r"[+-]?[0-9]+\.[0-9]+"
_SQL_TYPES = {"integer": "BIGINT", "number": "DOUBLE", "string": "VARCHAR"}
#: The row number column of every workspace table.
ROW = "_row"
#: The typed table's copy of a number column's cells as written (`text_column`).
TEXT_PREFIX = "_text_"


def parse_sql(spec: FieldSpec, text: str, decimal: str = ".") -> str:
    """SQL converting the text expression `text` to the field's type; cells that do not
    parse become NULL.

    Integers follow frictionless: surrounding spaces are ignored, anything else
    (decimals, thousands separators) is not an integer. Numbers use the file's decimal
    mark; the other mark is never read as one (`9.494` is not 9.494 in a decimal-comma file).
    """
    if spec.type == "string":
        return text
    trimmed = stripped(text)
    if spec.type == "integer":
        digits = f"replace({trimmed}, '_', '')"
        # Beyond 18 digits a count would not fit a 64-bit integer: not a count. Plain
        # digits, nearly every cell, skip the trimming.
        return (f"CASE WHEN {full_match(text, '[0-9]{1,18}')} THEN CAST({text} AS BIGINT) "
                f"WHEN {full_match(trimmed, INTEGER_PATTERN)} AND "
                f"length(ltrim({digits}, '+-')) <= {MAX_INTEGER_DIGITS} "
                f"THEN TRY_CAST({digits} AS BIGINT) END")
    if spec.type == "number":
        pattern = _NUMBER_PATTERN.format(d=re.escape(decimal))
        number = trimmed if decimal == "." else f"replace({trimmed}, {quote_literal(decimal)}, '.')"
        plain = "[0-9]{1,15}" + (r"(?:\.[0-9]{1,15})?" if decimal == "." else "")
        return (f"CASE WHEN {full_match(text, plain)} THEN CAST({text} AS DOUBLE) "
                f"WHEN {full_match(trimmed, pattern)} THEN TRY_CAST({number} AS DOUBLE) END")
    raise ValueError(f"field {spec.name!r}: type {spec.type!r} is not supported by hemisec")


@dataclass
class LoadedTable:
    """A table as read from one file or sheet into the workspace: its text table, its
    typed table, the file-level findings."""

    spec: TableSpec
    file: str
    workspace: Workspace
    #: In the workspace: the view of the cells as written (the schema's missing values as
    #: NULL) and the typed table.
    text_table: str
    typed_table: str
    #: The header's column names, in file order, as the text table has them.
    columns: list[str]
    #: The workspace table of the file-level findings (the columns of FINDING_COLUMNS,
    #: and `seq`, their order).
    findings_table: str
    #: The rows read (not blank), counted once the typed table is made.
    rows: int = 0
    dialect: Dialect | None = None
    notices: list[str] = field(default_factory=list)
    #: Whether the rows come series by series, years rising (checks.series_order),
    #: once asked (None until then; False once a key cell is blanked).
    series_ordered: bool | None = None

    @property
    def decimal(self) -> str:
        """The decimal mark number cells are read with."""
        return self.dialect.decimal if self.dialect else "."

    def has(self, name: str) -> bool:
        """Whether the file has the column."""
        return name in self.columns

    def describe_format(self) -> str:
        return self.dialect.describe() if self.dialect else say("Excel workbook sheet")

    def file_errors(self) -> list[str]:
        """The checks of the file-level errors found (none when the file read as a table)."""
        return [c for (c,) in self.workspace.con.execute(
            f"SELECT DISTINCT \"check\" FROM {self.findings_table} WHERE severity = 'error' "
            "ORDER BY 1").fetchall()]

    @property
    def findings(self) -> pd.DataFrame:
        """The file-level findings as a frame (for small tables and tests)."""
        frame = self.workspace.con.execute(
            f"SELECT * EXCLUDE (seq) FROM {self.findings_table} ORDER BY seq").df()
        frame = frame.astype("object").where(frame.notna(), None)
        frame["row"] = frame["row"].astype("Int64")
        return frame

    def _frame(self, table: str) -> pd.DataFrame:
        frame = self.workspace.con.execute(
            f"SELECT * FROM {self.workspace.qualified(table)} ORDER BY {ROW}").df()
        frame = frame.set_index(ROW)
        frame.index = frame.index.astype("int64").rename(None)
        return frame

    @property
    def text(self) -> pd.DataFrame:
        """The text table as a frame indexed by row (for small tables and tests)."""
        import pandas as pd

        frame = self._frame(self.text_table)
        return frame.astype("object").where(frame.notna(), None).astype("str").where(
            frame.notna(), pd.NA) if len(frame.columns) else frame

    @property
    def typed(self) -> pd.DataFrame:
        """The typed table as a frame indexed by row: Int64, Float64 and string columns."""
        frame = self._frame(self.typed_table)
        frame = frame[[c for c in frame.columns if not c.startswith(TEXT_PREFIX)]]
        dtypes = {"integer": "Int64", "number": "Float64", "string": "string"}
        return frame.astype({f.name: dtypes[f.type] for f in self.spec.fields})


def _column_name_sql(position: str, workbook: bool) -> str:
    """How the user finds a cell beyond the header, from its position (0 first): its
    column's letters in Excel (at most three: MAX_COLUMNS), else its number in the line."""
    if not workbook:
        return f"'cell ' || CAST({position} + 1 AS VARCHAR)"
    letter = "chr(65 + CAST(({n}) % 26 AS INTEGER))"
    one, two = f"{position}", f"{position} // 26 - 1"
    three = f"({position} // 26 - 1) // 26 - 1"
    return ("'column ' || " + " || ".join(
        f"CASE WHEN {n} >= 0 THEN {letter.format(n=n)} ELSE '' END"
        for n in (three, two)) + f" || {letter.format(n=one)}")


class FileFindings:
    """The file-level findings of one table as they are found: a few rows from Python
    (the header's), or the rows a query over the file's cells returns (short rows, blank
    rows), gathered in the workspace without a frame."""

    def __init__(self, spec: TableSpec, file: str) -> None:
        self.spec, self.file = spec, file
        self.parts: list[str] = []

    def _select(self, check: Check, columns: str) -> str:
        return (f"SELECT {quote_literal(check.severity)} AS severity, {quote_literal(check.id)} "
                f"AS \"check\", {quote_literal(self.spec.name)} AS resource, "
                f"{quote_literal(self.file)} AS file, {columns}, {len(self.parts)} AS part")

    def add(self, check: Check, message: str, row: int | None = None,
            field: str | None = None, value: str | None = None) -> None:
        def text(x: str | None) -> str:
            return "NULL::VARCHAR" if x is None else quote_literal(x)
        self.parts.append(self._select(
            check, f"{'NULL' if row is None else int(row)}::BIGINT AS row, {text(field)} AS "
            f"field, {text(value)} AS value, {text(message)} AS message, 0 AS n"))

    def add_query(self, check: Check, query: str) -> None:
        """The rows of `query` (columns row, field, value, message), in row order (`n`)."""
        self.parts.append(self._select(
            check, "row::BIGINT AS row, field::VARCHAR AS field, value::VARCHAR AS value, "
            "message::VARCHAR AS message, row AS n")
            + f" FROM ({query})")

    def store(self, ws: Workspace) -> str:
        """The findings as a workspace table, in the order they were found."""
        table = ws.name(f"file_findings_{self.spec.name}")
        columns = ", ".join(quote_identifier(c) for c in FINDING_COLUMNS)
        # A file read straight into its typed table may have no finding to query.
        found = " UNION ALL ".join(self.parts) or (
            self._select(BLANK_ROW, "NULL::BIGINT AS row, NULL::VARCHAR AS field, "
                         "NULL::VARCHAR AS value, NULL::VARCHAR AS message, 0 AS n")
            + " WHERE false")
        ws.con.execute(f"CREATE TABLE {table} AS SELECT {columns}, row_number() OVER "
                       f"(ORDER BY part, n) AS seq FROM ({found})")
        return table


def _header_findings(header: list[str], spec: TableSpec, findings: FileFindings) -> None:
    expected = spec.field_names
    by_lower = {n.lower(): n for n in expected}

    def extra_message(name: str) -> str:
        close = by_lower.get(name.strip().lower())
        if close:
            return say("'{name}' is not a column of {table} (write it '{close}': names are "
                       "lower case)", name=name, table=spec.name, close=close)
        return say("'{name}' is not a column of {table}", name=name, table=spec.name)

    repeated = [n for n, count in Counter(header).items() if count > 1]
    problems = [
        (MISSING_COLUMN, [n for n in expected if n not in header],
         lambda n: say("the header has no column '{name}'", name=n)),
        (EXTRA_COLUMN, [n for n in dict.fromkeys(header) if n not in expected], extra_message),
        (DUPLICATE_COLUMN, repeated,
         lambda n: say("'{name}' appears more than once in the header", name=n)),
    ]
    for check, names, message in problems:  # a loop over the header's names
        for name in names:
            findings.add(check, message(name), row=1, field=name,
                         value=name if check is EXTRA_COLUMN else None)


def _wide_layout(header: list[str], spec: TableSpec, findings: FileFindings) -> bool:
    """A finding when years are laid out as columns; whether they are."""
    years = [h for h in header if _YEAR_HEADER.fullmatch(h)]
    if len(years) < 2 or "year" in header:
        return False
    value = spec.value_field or say("the value column")
    keys = [n for n in spec.field_names if n not in ("year", spec.value_field)]
    findings.add(
        WIDE_LAYOUT, row=1, field=f"{years[0]} ... {years[-1]}", value=", ".join(years),
        message=say("{count} columns are years ({first} to {last}): hemisec reads one row per "
                    "year, with the columns {columns}; move each year's figure into its own "
                    "row, its year in 'year' and the figure in '{value}' (keeping {keys}... on "
                    "every row)", count=len(years), first=years[0], last=years[-1],
                    columns=", ".join(spec.field_names), value=value,
                    keys=", ".join(keys[:3])))
    return True


@dataclass
class _Raw:
    """The file's cells in a workspace table: `c0`, `c1`... (NULL where a short row has
    no cell), `_row` the row number (header = 1, then every row without a gap)."""

    table: str
    width: int
    source: RawTable

    def filled(self, position: int) -> str:
        return f"coalesce(c{position} <> '', false)"


def _into_workspace(raw: RawTable, ws: Workspace) -> _Raw:
    """The raw table's cells as a workspace table (a read straight into DuckDB already is)."""
    if raw.table is not None:
        width = len(raw.header)
        table = ws.name("raw")
        # Every row has every cell (DuckDB refused the file otherwise): NULL is empty. A
        # view, not a copy: the scan is the only copy of the file's cells.
        columns = ", ".join(f"coalesce(c{p}, '') AS c{p}" for p in range(width))
        ws.con.execute(f"CREATE VIEW {table} AS SELECT rowid + 1 AS {ROW}, {columns} "
                       f"FROM {raw.table}")
        return _Raw(table, width, raw)
    import pandas as pd  # the Python readers' cells are a frame

    cells = raw.cells
    width = max(len(cells.columns), len(raw.header))
    frame = pd.DataFrame({f"c{p}": (cells[p] if p in cells.columns
                                    else pd.Series(None, index=cells.index, dtype="object"))
                          .astype("object") for p in range(width)}, index=cells.index)
    header = pd.DataFrame([[*raw.header, *[None] * (width - len(raw.header))]],
                          columns=frame.columns, index=[1], dtype="object")
    frame = pd.concat([header, frame]) if len(frame) else header
    frame.insert(0, ROW, frame.index.astype("int64"))
    table = ws.name("raw")
    ws.con.register("hemisec_raw", frame.reset_index(drop=True))
    try:
        casts = ", ".join(f"CAST(c{p} AS VARCHAR) AS c{p}" for p in range(width))
        ws.con.execute(f"CREATE TABLE {table} AS SELECT {ROW}, {casts} FROM hemisec_raw")
    finally:
        ws.con.unregister("hemisec_raw")
    return _Raw(table, width, raw)


def _header_names(header: list[str]) -> list[str]:
    """The header's names as the schema's are matched with them: without surrounding
    spaces or a byte-order mark."""
    return [h.strip().lstrip("\ufeff") for h in header]


def _drop_trailing_empties(raw: _Raw, ws: Workspace, label: str,
                           ) -> tuple[list[str], int, list[str]]:
    """Trailing header cells with no name and no value below, and trailing rows with no
    value, which spreadsheets write without meaning to. Returns the header, the last row
    to keep and the notices."""
    source = raw.source
    header = _header_names(source.header)
    positions = range(raw.width)
    # Which columns have a value below the header, and the last row with a value other
    # than the template's own prefilled cells.
    content = [raw.filled(p) + (f" AND c{p} IS DISTINCT FROM {quote_literal(source.prefilled[p])}"
                                if p in source.prefilled else "") for p in positions]
    stats = ", ".join([*(f"bool_or({raw.filled(p)})" for p in positions),
                       f"max({ROW}) FILTER (WHERE {' OR '.join(content) or 'false'})",
                       f"max({ROW})"])
    *filled_columns, last_with_value, last_row = ws.con.execute(
        f"SELECT {stats} FROM {raw.table} WHERE {ROW} > 1").fetchall()[0]
    filled_columns = [bool(f) for f in filled_columns]
    notices = []
    width = len(header)
    while width and header[width - 1] == "" and not (
            width - 1 < len(filled_columns) and filled_columns[width - 1]):
        width -= 1
    beyond = filled_columns[width:]
    if width < len(header) or (len(beyond) and not any(beyond)):
        notices.append(say("{file}: {count} trailing empty column(s) were ignored (a "
                           "spreadsheet wrote them).", file=label,
                           count=len(source.header) - width or len(beyond)))
    keep = last_with_value or 1
    trailing = (last_row or 1) - keep
    if trailing:
        notices.append(
            say("{file}: {count:,} unused template row(s) (nothing but the prefilled country) "
                "were ignored.", file=label, count=trailing) if source.prefilled else
            say("{file}: {count:,} trailing empty row(s) were ignored.", file=label,
                count=trailing))
    return header[:width], keep, notices


def _row_length_findings(raw: _Raw, spec: TableSpec, header: list[str], keep: int,
                         workbook: bool, findings: FileFindings) -> None:
    """Rows with fewer cells than the header, and rows with values beyond it."""
    width = len(header)
    present = " + ".join(f"(c{p} IS NOT NULL)::INT" for p in range(raw.width)) or "0"
    names = f"[{text_list(header)}]" if header else "CAST([] AS VARCHAR[])"
    findings.add_query(
        MISSING_CELL,
        f"SELECT {ROW} AS row, {names}[cells + 1] AS field, NULL AS value, "
        + say_sql("the row has {cells} cells; the header has {width}",
                  cells="CAST(cells AS VARCHAR)", width=quote_literal(str(width)))
        + f" AS message FROM (SELECT {ROW}, {present} AS cells FROM {raw.table} "
        f"WHERE {ROW} BETWEEN 2 AND {keep}) WHERE cells < {width} AND cells > 0")
    if raw.width > width:
        first = ("CASE " + " ".join(f"WHEN {raw.filled(p)} THEN {p}"
                                    for p in range(width, raw.width)) + " END")
        value = ("CASE " + " ".join(f"WHEN {raw.filled(p)} THEN c{p}"
                                    for p in range(width, raw.width)) + " END")
        findings.add_query(
            EXTRA_CELL,
            f"SELECT {ROW} AS row, {_column_name_sql('position', workbook)} AS field, value, "
            + say_sql("'{value}' is beyond the header's last column ({width} columns)",
                      value="value", width=quote_literal(str(width)))
            + f" AS message FROM (SELECT {ROW}, {first} AS position, {value} AS value "
            f"FROM {raw.table} WHERE {ROW} BETWEEN 2 AND {keep}) WHERE position IS NOT NULL")


def _formula_findings(raw: _Raw, ws: Workspace, header: list[str], keep: int,
                      findings: FileFindings) -> None:
    formulas = raw.source.formulas  # a workbook's, read by openpyxl into a (small) frame
    if formulas is None or formulas.empty:
        return
    formulas = formulas[(formulas["row"] >= 2) & (formulas["row"] <= keep)
                        & (formulas["position"] < len(header))]
    if formulas.empty:
        return
    rows = ", ".join(map(str, formulas["row"].unique()))
    cells = {row: values for row, *values in ws.con.execute(
        f"SELECT * FROM {raw.table} WHERE {ROW} IN ({rows})").fetchall()}
    # A loop over formula cells, a handful per sheet.
    for row, position, formula in formulas[["row", "position", "formula"]].itertuples(
            index=False):
        saved = cells[row][position]
        message = (say("the cell holds the formula {formula}; its saved value '{saved}' was "
                       "checked", formula=formula, saved=saved) if saved not in (None, "") else
                   say("the cell holds the formula {formula} and no saved value (open and save "
                       "the workbook in Excel)", formula=formula))
        findings.add(FORMULA_CELL, message, row=int(row), field=header[position], value=saved)


def _infer_decimal(ws: Workspace, text_table: str, columns: list[str], spec: TableSpec,
                   dialect: Dialect | None, options: ReadOptions) -> tuple[str, Dialect | None]:
    """The decimal mark of a tab-separated file (Excel's "Unicode text" writes the
    locale's): a comma when the number columns use only commas."""
    decimal = dialect.decimal if dialect else "."
    if dialect is None or not _infers_decimal(spec, columns, dialect, options):
        return decimal, dialect
    numbers = [f.name for f in spec.fields if f.type == "number" and f.name in columns]
    def count(pattern: str) -> str:
        return " + ".join(
            f"count(*) FILTER (WHERE {full_match(stripped(quote_identifier(n)), pattern)})"
            for n in numbers)
    commas, points = ws.con.execute(
        f"SELECT {count(_DECIMAL_COMMA_VALUE)}, {count(_DECIMAL_POINT_VALUE)} "
        f"FROM {text_table}").fetchall()[0]
    if commas and not points:
        decimal = ","
    guessed = (*dialect.guessed, "decimal") if commas and points else dialect.guessed
    return decimal, dataclasses.replace(dialect, decimal=decimal, guessed=guessed)


def _text_columns(header: list[str]) -> dict[str, int]:
    """The header's names and the position each is read from: the first of each name
    (DuckDB's names ignore case, so the first of names equal but for case)."""
    positions: dict[str, int] = {}
    seen: set[str] = set()
    for position, name in enumerate(header):
        if name and name.lower() not in seen:
            positions[name] = position
            seen.add(name.lower())
    return positions


def text_column(field: FieldSpec) -> str:
    """The typed table's column holding the field's cells as written: a text field's
    own, a number field's `_text_` twin (so a check needs no join with the text)."""
    return field.name if field.type == "string" else TEXT_PREFIX + field.name


def _create_typed(ws: Workspace, spec: TableSpec, text: str, columns: list[str],
                  decimal: str) -> tuple[str, int]:
    """The typed table of the rows of `text` (a text table, or a query in parentheses
    giving its columns), and how many rows it holds."""
    typed = ws.name(f"typed_{spec.name}")
    parsed = [f"{parse_sql(f, quote_identifier(f.name), decimal) if f.name in columns else 'NULL'}"
              f"::{_SQL_TYPES[f.type]} AS {quote_identifier(f.name)}" for f in spec.fields]
    written = [f"{quote_identifier(f.name) if f.name in columns else 'NULL::VARCHAR'} AS "
               f"{quote_identifier(text_column(f))}" for f in spec.fields if f.type != "string"]
    # In file order without sorting: DuckDB keeps the insertion order of what it scans.
    # DuckDB answers CREATE TABLE AS with the number of rows it wrote.
    rows = ws.con.execute(f"CREATE TABLE {typed} AS SELECT "
                          f"{', '.join([ROW, *parsed, *written])} FROM {text}"
                          ).fetchall()[0][0]
    return typed, int(rows)


def _nothing_read(spec: TableSpec, label: str, findings: FileFindings, ws: Workspace,
                  dialect: Dialect | None = None,
                  notices: list[str] | None = None) -> LoadedTable:
    """A table none of whose rows can be checked: its findings say why."""
    text = ws.name(f"text_{spec.name}")
    ws.con.execute(f"CREATE TABLE {text} ({ROW} BIGINT)")
    return LoadedTable(spec, label, ws, text, _create_typed(ws, spec, text, [], ".")[0], [],
                       findings.store(ws), 0, dialect, notices or [])


def read_raw(source: TableSource, spec: TableSpec, options: ReadOptions, ws: Workspace,
             scan: Scan | None = None) -> RawTable:
    """The cells of the source, by position, from a delimited file or a workbook sheet
    (its first visible sheet when none is named): a plain CSV file that DuckDB can
    `scan` straight into the workspace, the others through Python's readers."""
    if source.is_workbook:
        sheet = source.sheet if source.sheet is not None else next(iter(sheet_names(
            source.path)), "")
        return read_sheet(source.path, sheet)
    scanned = scan and scan_delimited(scan, ws.con, ws.name("scan"))
    return scanned or read_delimited(source.path, spec.field_names, options)


def _text_cell(position: int, missing: str) -> str:
    """A cell as the text table has it: the schema's missing values (`missing`, a SQL
    list) as NULL."""
    return (f"CASE WHEN coalesce(c{position}, '') IN ({missing}) THEN NULL "
            f"ELSE coalesce(c{position}, '') END")


def _infers_decimal(spec: TableSpec, columns: list[str], dialect: Dialect | None,
                    options: ReadOptions) -> bool:
    """Whether the decimal mark is guessed from the number cells (`_infer_decimal`)."""
    return (dialect is not None and dialect.delimiter == "\t" and options.decimal is None
            and any(f.type == "number" and f.name in columns for f in spec.fields))


def read_typed_directly(scan: Scan, spec: TableSpec, options: ReadOptions, ws: Workspace,
                        label: str) -> LoadedTable | None:
    """A plain file whose header names only the schema's columns, read by DuckDB straight
    into the typed table: one pass over the file, no table of raw cells beside it. None
    when the file needs what only the raw cells show (blank or trailing rows, a header
    with other names, a decimal mark to guess, a schema without missing values for
    DuckDB's parser to read as NULL): the general path reads it then, with the same
    result. Raises duckdb.Error when DuckDB refuses the file (ragged rows,
    stray quotes...)."""
    header = _header_names(scan.header)
    if (not set(header) <= set(spec.field_names) or len({h.lower() for h in header})
            < len(header) or _infers_decimal(spec, header, scan.dialect, options)
            or not spec.missing_values):
        return None
    # The schema's missing values are read as NULL by DuckDB's parser, as `_text_cell`
    # reads them from the raw cells.
    source = scan.source_reading_missing(spec.missing_values)
    cells = ", ".join(f"c{p} AS {quote_identifier(name)}" for p, name in enumerate(header))
    # Numbered as the scan table is (header = 1): in file order, from one stream.
    rows_read = (f"SELECT * FROM (SELECT row_number() OVER () AS {ROW}, {cells} "
                 f"FROM {source}) WHERE {ROW} > 1")
    typed, rows = _create_typed(ws, spec, f"({rows_read})", header, scan.dialect.decimal)
    empty = " AND ".join(f"{quote_identifier(text_column(spec.field(n)))} IS NULL"
                         for n in header)
    # A filter, not a count: DuckDB answers it from the columns' statistics when a
    # column has no empty cell, as a large table's key columns have none.
    if not rows or ws.con.execute(f"SELECT EXISTS (SELECT 1 FROM {typed} WHERE {empty})"
                                  ).fetchall()[0][0]:
        ws.con.execute(f"DROP TABLE {typed}")
        return None
    findings = FileFindings(spec, label)
    _header_findings(header, spec, findings)
    text = ws.name(f"text_{spec.name}")
    written = ", ".join(f"{quote_identifier(text_column(spec.field(n)))} AS "
                        f"{quote_identifier(n)}" for n in header)
    ws.con.execute(f"CREATE VIEW {text} AS SELECT {ROW}, {written} FROM {typed}")
    notices = [] if scan.dialect.is_plain() else [_dialect_notice(label, scan.dialect)]
    return LoadedTable(spec, label, ws, text, typed, header, findings.store(ws), rows,
                       scan.dialect, notices)


def load_table(source: TableSource, spec: TableSpec, options: ReadOptions | None = None,
               workspace: Workspace | None = None) -> LoadedTable:
    """Read `source` as table `spec` into `workspace` (a new one when not given);
    problems with the file become findings, not exceptions."""
    options = options or ReadOptions()
    ws = workspace or Workspace()
    label = source.label
    findings = FileFindings(spec, label)
    ws.fit_to(source.path)
    scan = None if source.is_workbook else plan_scan(source.path, spec.field_names, options)
    if scan is not None:
        try:
            direct = read_typed_directly(scan, spec, options, ws, label)
        except duckdb.Error:  # a file DuckDB refuses: Python reads it and says where
            direct = scan = None
        if direct is not None:
            return direct
    try:
        raw_table = read_raw(source, spec, options, ws, scan)
    except UnreadableFile as exc:
        findings.add(FILE_UNREADABLE, str(exc), row=exc.row)
        return _nothing_read(spec, label, findings, ws)
    raw = _into_workspace(raw_table, ws)
    header, keep, notices = _drop_trailing_empties(raw, ws, label)

    if _wide_layout(header, spec, findings):  # nothing else can be checked as laid out
        return _nothing_read(spec, label, findings, ws, raw_table.dialect, notices)

    _header_findings(header, spec, findings)
    _row_length_findings(raw, spec, header, keep, source.is_workbook, findings)
    _formula_findings(raw, ws, header, keep, findings)
    positions = _text_columns(header)
    missing = text_list(spec.missing_values)
    cells = [f"{_text_cell(p, missing)} AS {quote_identifier(name)}"
             for name, p in positions.items()]
    columns = list(positions)
    rows_read = (f"SELECT {', '.join([ROW, *cells])} FROM {raw.table} "
                 f"WHERE {ROW} BETWEEN 2 AND {keep}")
    empty = " AND ".join(f"{quote_identifier(n)} IS NULL" for n in columns) or "true"
    # A blank row is one finding, not one per empty required cell (as in frictionless).
    findings.add_query(BLANK_ROW, f"SELECT {ROW} AS row, NULL AS field, NULL AS value, "
                       f"{say_sql('the row is empty')} AS message FROM ({rows_read}) "
                       f"WHERE {empty}")
    # The text is a view of the cells: the typed table is the one copy made.
    text = ws.name(f"text_{spec.name}")
    ws.con.execute(f"CREATE VIEW {text} AS SELECT * FROM ({rows_read}) WHERE NOT ({empty})")
    # Rows are numbered without gaps from the header's 1, whichever reader read them.
    read = keep - 1
    if read == 0:
        findings.add(TABLE_EMPTY, say("the table has a header and no rows: nothing of {table} "
                                      "was checked", table=spec.name))
    decimal, dialect = _infer_decimal(ws, text, columns, spec, raw_table.dialect, options)
    if dialect is not None and not dialect.is_plain():
        notices.append(_dialect_notice(label, dialect))
    typed, rows = _create_typed(ws, spec, text, columns, decimal)
    return LoadedTable(spec, label, ws, text, typed, columns, findings.store(ws), rows,
                       dialect, notices)


def _dialect_notice(label: str, dialect: Dialect) -> str:
    notice = say("{file} was read as {dialect}.", file=label, dialect=dialect.describe())
    if not dialect.certain:
        names = {"encoding": say("encoding"), "delimiter": say("delimiter"),
                 "decimal": say("decimal mark")}
        guessed = say(" and ").join(names[g] for g in dialect.guessed)
        notice += " " + (
            say("The {what} was guessed: if values look wrong, give {flags}.", what=guessed,
                flags=dialect.override_hint()) if len(dialect.guessed) == 1 else
            say("The {what} were guessed: if values look wrong, give {flags}.", what=guessed,
                flags=dialect.override_hint()))
    return notice


def package_table(package: DataPackage, name: str,
                  workspace: Workspace | None = None) -> LoadedTable:
    """One of the package's own tables, read as a submitted one is."""
    spec = package.tables[name]
    return load_table(TableSource(name, spec.path), spec, workspace=workspace)
