"""The build's exports: the files written beside the database for people and programs.

The build asks `export_paths` which files to write, has `write_exports` write each to a
temporary path, and puts them in place with the database only when all read back. Each
export is a resource of the exports' own datapackage.json, its schema derived from the
package's Table Schemas (hemisec.publish.export_package), so the files describe themselves.
"""

from __future__ import annotations

import codecs
import math
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from hemisec.build.ddl import quote_identifier, quote_literal
from hemisec.package import DataPackage
from hemisec.paths import file_sha256
from hemisec.publish import sdmx
from hemisec.publish.export_package import (
    NEUTRALISED,
    build_facts,
    data_statement,
    export_schema,
    indicators_schema,
    package_licences,
    wide_schema,
    write_descriptor,
)

#: A text cell starting with one of these is run as a formula by spreadsheets (OWASP's
#: list for CSV injection): =, +, -, @, tab and carriage return.
FORMULA_CHARACTERS = ("=", "+", "-", "@", "\t", "\r")
#: Control characters an XLSX file cannot hold (spreadsheets refuse them), as RE2 reads
#: them; and as Python does, for the texts written from Python.
XLSX_ILLEGAL = "[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]"
XLSX_ILLEGAL_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class ExportOptions:
    """How the exports for people are written.

    bom: start each CSV for people with a UTF-8 byte-order mark. Excel reads a CSV without
    one in the system's code page, so accented names come out garbled; R's read.csv and
    some other programs keep the mark in the first column's name, hence off by default.
    The SDMX-CSV files, for programs, never carry one.
    """

    bom: bool = False


@dataclass(frozen=True)
class TableExport:
    """A table or view written as CSV: the resource it is in datapackage.json, its file,
    and the rows it holds (a table, a view or a query)."""

    resource: str
    path: str
    source: str


#: The CSV files for people, in the order datapackage.json lists them.
TABLES = (
    TableExport("indicators", "indicators.csv",
                "(SELECT i.*, c.name_en AS country FROM indicators AS i "
                "LEFT JOIN countries AS c USING (iso3))"),
    TableExport("indicators_wide", "indicators_wide.csv", "indicators_wide"),
    TableExport("regional_indicators", "regional_indicators.csv", "regional_indicators"),
    TableExport("regional_indicators_wide", "regional_indicators_wide.csv",
                "regional_indicators_wide"),
    TableExport("sources", "sources.csv", "sources"),
    TableExport("validation_findings", "validation_findings.csv", "validation_findings"),
)
WORKBOOK = "indicators.xlsx"
#: The workbook's data sheets: the resources whose rows they hold (same as their CSV).
WORKBOOK_SHEETS = ("indicators", "indicators_wide")
PARQUET = "indicators.parquet"
SDMX_FILES = {version: f"sdmx/indicators.sdmx{version}.csv" for version in sdmx.VERSIONS}
DESCRIPTOR = "datapackage.json"
#: Every file the build exports, relative to the exports folder.
EXPORT_FILES = (*(t.path for t in TABLES), WORKBOOK, PARQUET, *SDMX_FILES.values(), DESCRIPTOR)


def export_paths(folder: Path) -> list[Path]:
    """Every file the build exports into `folder`."""
    return [folder / name for name in EXPORT_FILES]


def spreadsheet_safe_text(text: str) -> str:
    """`text` as a CSV or XLSX export writes it: with a leading apostrophe when a
    spreadsheet would run it as a formula (OWASP's advice); anything else unchanged."""
    return "'" + text if text[:1] in FORMULA_CHARACTERS else text


def spreadsheet_safe_sql(expression: str) -> str:
    """spreadsheet_safe_text as SQL, for a text expression (NULL stays NULL)."""
    starts = ", ".join(quote_literal(c) for c in FORMULA_CHARACTERS)
    return (f"CASE WHEN left({expression}, 1) IN ({starts}) "
            f"THEN {quote_literal(chr(39))} || {expression} ELSE {expression} END")


def sheet_text_sql(expression: str) -> str:
    """sheet_text as SQL: the text without the control characters a workbook cannot
    hold, neutralised."""
    return spreadsheet_safe_sql(
        f"regexp_replace({expression}, {quote_literal(XLSX_ILLEGAL)}, '', 'g')")


def spreadsheet_safe_query(source: str, schema: dict[str, Any], *,
                           for_xlsx: bool = False) -> str:
    """The rows of `source` as the CSV and XLSX exports write them: the schema's columns
    in its order, text fields neutralised (numbers never: a negative number is data),
    sorted by the primary key (every column when there is none). For XLSX, the control
    characters a workbook cannot hold are removed first."""
    columns = []
    for field in schema["fields"]:
        name = quote_identifier(field["name"])
        if field.get("type", "string") == "string":
            safe = sheet_text_sql(name) if for_xlsx else spreadsheet_safe_sql(name)
            columns.append(f"{safe} AS {name}")
        else:
            columns.append(name)
    order = schema.get("primaryKey") or [f["name"] for f in schema["fields"]]
    return (f"SELECT {', '.join(columns)} FROM {source} AS exported "
            f"ORDER BY {', '.join(map(quote_identifier, order))}")


def export_schemas(con: duckdb.DuckDBPyConnection,
                   package: DataPackage) -> dict[str, dict[str, Any]]:
    """The Table Schema of every tabular export, by resource name."""
    exported = {t.resource for t in TABLES}
    schemas = {
        "indicators": indicators_schema(package, exported),
        "indicators_wide": wide_schema(con, package, "indicators_wide"),
        "regional_indicators": export_schema(package, "regional_indicators", exported),
        "regional_indicators_wide": wide_schema(con, package, "regional_indicators_wide"),
        "sources": export_schema(package, "sources", exported),
        "validation_findings": export_schema(package, "validation_findings", exported),
    }
    for version in sdmx.VERSIONS:
        schemas[f"indicators_sdmx{version}"] = sdmx.sdmx_schema(con, package, version)
    return schemas


def _copy_csv(con: duckdb.DuckDBPyConnection, query: str, path: Path, bom: bool) -> None:
    con.execute(f"COPY ({query}) TO {quote_literal(str(path))} (FORMAT csv, HEADER)")
    if bom:  # DuckDB writes no byte-order mark: put one before what it wrote (in memory,
        # a few MB, so no second temporary a killed build could leave behind)
        path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())


def _comment(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """What the database says a table or view is (with its synthetic-demo mark)."""
    row = con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = ? UNION ALL "
                      "SELECT comment FROM duckdb_views() WHERE view_name = ?",
                      [name, name]).fetchone()
    return (row[0] if row else None) or ""


def _file_facts(path: Path) -> dict[str, Any]:
    return {"hash": f"sha256:{file_sha256(path)}", "bytes": path.stat().st_size}


def sheet_text(value: object) -> str:
    """A text written from Python into a workbook: what a sheet can hold, neutralised."""
    return spreadsheet_safe_text(XLSX_ILLEGAL_TEXT.sub("", str(value)))


#: The README sheet's column widths (in characters) and the height of a line of text in
#: points, at the default 11-point font.
README_WIDTHS = (22, 30, 28, 12, 24, 90)
LINE_HEIGHT = 15


def wrapped_lines(text: str, width: float) -> int:
    """About how many lines a cell `width` characters wide wraps `text` into."""
    return sum(max(1, math.ceil(len(part) / max(width, 1))) for part in text.split("\n"))


def row_height(lines: int, size: float = 11) -> float:
    """The height in points of a row of `lines` lines of `size`-point text, in whole
    pixels (3/4 point) rounded up, as a sheet keeps them: a spreadsheet keeps a row one
    line high unless the file says otherwise, and a longer text would cover the next."""
    return math.ceil(LINE_HEIGHT * size / 11 * lines * 4 / 3) * 3 / 4


def _readme_sheet(workbook: Any, con: duckdb.DuckDBPyConnection, package: DataPackage,
                  schemas: dict[str, dict[str, Any]]) -> None:
    """The first sheet: what the file is, whether the figures are invented, the licence,
    the sources, and every column of the other sheets as its Table Schema describes it."""
    from hemisec.build.database import SYNTHETIC_COMMENT

    sheet = workbook.add_worksheet("README")
    for column, width in enumerate(README_WIDTHS):
        sheet.set_column(column, column, width)
    sheet.set_landscape()  # printed, every column on the page
    sheet.fit_to_pages(1, 0)
    facts = build_facts(con)
    statement = data_statement(facts.get("data", ""))
    licences = "; ".join(f"{lic.get('title') or lic.get('name')} ({lic.get('path', '')})"
                         for lic in package_licences(package))
    formats: dict[tuple[object, ...], Any] = {}
    next_row = 0

    def line(*values: object, bold: bool = False, size: int | None = None,
             colour: str | None = None, span: bool = False) -> None:
        """A row of the sheet; with `span`, its last text runs across to the last column.
        Its height fits its wrapped lines (row_height)."""
        nonlocal next_row
        style = (bold, size, colour)
        if style not in formats:
            formats[style] = workbook.add_format({
                "bold": bold, "font_size": size or 11, "font_color": f"#{colour}" if colour
                else "#000000", "text_wrap": True, "valign": "top"})
        lines = 1
        for column, value in enumerate(values):
            if value is None:
                continue
            text = sheet_text(value)
            last = len(README_WIDTHS) - 1
            if span and column == len(values) - 1 and column < last:
                sheet.merge_range(next_row, column, next_row, last, text, formats[style])
                width = sum(README_WIDTHS[column:])
            else:
                sheet.write_string(next_row, column, text, formats[style])
                width = README_WIDTHS[column]
            lines = max(lines, wrapped_lines(text, width * 11 / (size or 11)))
        if lines > 1 or size:
            sheet.set_row(next_row, row_height(lines, size or 11))
        next_row += 1

    line(f"Indicators workbook ({package.title})", bold=True, size=14, span=True)
    if statement:
        line(statement, bold=True, colour="C00000", span=True)
    line()
    sheets = {name: _comment(con, name).removeprefix(SYNTHETIC_COMMENT)
              for name in WORKBOOK_SHEETS}
    line("What this file is", "Indicators by country and year, from the database hemisec "
         "builds; the same rows as indicators.csv and indicators_wide.csv beside it.",
         span=True)
    for name, description in sheets.items():
        line(f"Sheet {name}", description, span=True)
    line("Built", f"hemisec {facts.get('hemisec_version', '')}, package version "
         f"{facts.get('package_version', '')}, from {facts.get('data_path', '')} at "
         f"{facts.get('built_at', '')} (data: {facts.get('data', '')}).", span=True)
    line("Licence", f"{licences}. Figures taken from a named source remain under that "
         "source's terms (see the sources below).", span=True)
    line("Formulas", NEUTRALISED.replace("indicators.parquet", "the Parquet file"), span=True)
    line()
    line("Sources", bold=True)
    line("source id", "title", "publisher", "edition", "licence", "url", bold=True)
    for row in con.execute("SELECT source_id, title, publisher, edition, licence, url "
                           "FROM sources ORDER BY source_id").fetchall():
        line(*row)
    line()
    line("Columns", bold=True)
    line("sheet", "column", "title", "type", "unit", "description", bold=True)
    for name in WORKBOOK_SHEETS:
        for field in schemas[name]["fields"]:
            line(name, field["name"], field.get("title", ""), field.get("type", "string"),
                 field.get("unit"), field.get("description", ""))


def _write_workbook(con: duckdb.DuckDBPyConnection, package: DataPackage, path: Path,
                    schemas: dict[str, dict[str, Any]]) -> None:
    """indicators.xlsx: the README sheet, then a sheet per resource with a frozen header
    and an autofilter. XlsxWriter writes the workbook with each sheet's header and DuckDB
    its rows (hemisec.publish.sheet_rows); openpyxl stays for reading workbooks. Texts
    are written as text, never as formulas or links."""
    import io

    from xlsxwriter import Workbook  # imported only when the exports are written

    from hemisec.publish.sheet_rows import sheet_rows, write_with_rows

    drafted = io.BytesIO()
    workbook = Workbook(drafted, {"in_memory": True, "strings_to_formulas": False,
                                  "strings_to_urls": False, "strings_to_numbers": False})
    sheets = []
    try:
        _readme_sheet(workbook, con, package, schemas)
        sources = {t.resource: t.source for t in TABLES}
        bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        text = workbook.add_format({"num_format": "@"})
        # The style of a blank last cell: XlsxWriter numbers a format when a cell uses it,
        # and the cells that do are written by DuckDB.
        blank_style = text._get_xf_index()
        for name in WORKBOOK_SHEETS:
            fields = schemas[name]["fields"]
            sheet = workbook.add_worksheet(name)
            sheet.freeze_panes(1, 0)
            for index, field in enumerate(fields):
                wide = field.get("type") == "string" and field["name"] not in ("iso3", "method")
                sheet.set_column(index, index, 28 if wide else 12)
            for index, field in enumerate(fields):
                sheet.write_string(0, index, sheet_text(field["name"]), bold)
            order = schemas[name].get("primaryKey") or [f["name"] for f in fields]
            # `con` reads the database being built (write_exports gives it a cursor told to
            # USE it: a cursor starts in the workspace's database).
            rows = sheet_rows(con, spreadsheet_safe_query(sources[name], schemas[name],
                                                          for_xlsx=True),
                              order, sheet.index, blank_style)
            sheet.autofilter(0, 0, rows.rows, len(fields) - 1)
            sheets.append(rows)
    finally:
        workbook.close()
    write_with_rows(con, drafted, str(path), sheets)


def _resources(con: duckdb.DuckDBPyConnection, schemas: dict[str, dict[str, Any]],
               written: dict[str, Path], options: ExportOptions) -> list[dict[str, Any]]:
    """The resources of datapackage.json, each with its schema, size and sha256."""
    bom = " The file starts with a UTF-8 byte-order mark." if options.bom else ""
    country = (" The column country is the country's English name (countries.name_en) "
               "beside its code.")
    resources = []
    for table in TABLES:
        resources.append({
            "name": table.resource, "path": table.path, "type": "table",
            "title": table.resource.replace("_", " ").capitalize(),
            "description": _comment(con, table.resource)
            + (country if table.resource == "indicators" else "") + " " + NEUTRALISED + bom,
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "schema": schemas[table.resource], **_file_facts(written[table.path])})
    for name in WORKBOOK_SHEETS:
        resources.append({
            "name": f"{name}_xlsx", "path": WORKBOOK, "type": "table",
            "title": f"{name.replace('_', ' ').capitalize()} (Excel sheet {name})",
            "description": f"The sheet {name} of {WORKBOOK}: the rows of {name}.csv. The "
                           "workbook opens with a README sheet (what the file is, the "
                           "licence, the sources, every column). " + NEUTRALISED,
            "format": "xlsx",
            "mediatype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "dialect": {"excel": {"sheet": name}}, "schema": schemas[name],
            **_file_facts(written[WORKBOOK])})
    resources.append({
        "name": "indicators_parquet", "path": PARQUET, "type": "file",
        "title": "Indicators (Parquet)",
        "description": "The indicators table exactly as the database holds it, for programs: "
                       "the columns of the indicators resource without country, typed, text "
                       "as it is (not neutralised).",
        "format": "parquet", "mediatype": "application/vnd.apache.parquet",
        **_file_facts(written[PARQUET])})
    for version, path in SDMX_FILES.items():
        resources.append({
            "name": f"indicators_sdmx{version}", "path": path, "type": "table",
            "title": f"Indicators, SDMX-CSV {version}.0 (dataflow {sdmx.DATAFLOW})",
            "description": f"The indicators as SDMX-CSV {version}.0: one observation per "
                           "country (REF_AREA, M49), year, series and sex, the best available "
                           "value (computed from the counts where there is one, else the "
                           "published series reaching the latest year; METHOD says which). "
                           "SERIES is the SDG series code where one exists, else the "
                           "package's indicator code. " + NEUTRALISED,
            "format": "csv", "mediatype": f"application/vnd.sdmx.data+csv;version={version}.0.0",
            "encoding": "utf-8", "schema": schemas[f"indicators_sdmx{version}"],
            **_file_facts(written[path])})
    return resources


def write_exports(con: duckdb.DuckDBPyConnection, package: DataPackage,
                  targets: dict[Path, Path], options: ExportOptions | None = None) -> None:
    """Write each export named by `export_paths` (the keys) to its temporary path (the
    values), from the database being built; datapackage.json last, with the sha256 of
    every file as written."""
    options = options or ExportOptions()
    folder = next(final for final in targets if final.name == DESCRIPTOR).parent
    written = {final.relative_to(folder).as_posix(): temporary
               for final, temporary in targets.items()}
    schemas = export_schemas(con, package)
    # The workbook, the slowest export, is written while the others are: DuckDB and zlib
    # release the GIL, so both cores work. Its cursor is a connection of its own, told
    # which database to read (a cursor starts in the workspace's).
    database = con.execute("SELECT current_database()").fetchall()[0][0]
    sheets = con.cursor()
    sheets.execute(f"USE {quote_identifier(database)}")
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            workbook = pool.submit(_write_workbook, sheets, package, written[WORKBOOK], schemas)
            for table in TABLES:
                _copy_csv(con, spreadsheet_safe_query(table.source, schemas[table.resource]),
                          written[table.path], options.bom)
            con.execute("COPY (SELECT * FROM indicators ORDER BY iso3, year, indicator, "
                        f"method, source) TO {quote_literal(str(written[PARQUET]))} "
                        "(FORMAT parquet)")
            for version, path in SDMX_FILES.items():
                _copy_csv(con, spreadsheet_safe_query(f"({sdmx.sdmx_source(version)})",
                                                      schemas[f"indicators_sdmx{version}"]),
                          written[path], bom=False)
            workbook.result()  # its error, if any, is the build's
    finally:
        sheets.close()
    write_descriptor(con, package, _resources(con, schemas, written, options),
                     written[DESCRIPTOR])
