"""Excel workbooks (.xlsx, .xlsm) as raw tables, one sheet at a time, with openpyxl.

A cell is read back as the text the user saw: a year typed as a number is `2000`, not
`2000.0`; a code shown with leading zeros by its number format (`0000`) keeps them.
A formula cell is read as the value Excel last computed and saved, and listed so the
checks can warn about it. openpyxl reads cells one by one, in Python: fine for the
tens of thousands of rows of a national workbook; larger tables travel as CSV.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from hemisec.read.raw import MAX_COLUMNS, RawTable, UnreadableFile, frame_from_rows
from hemisec.translate import say

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
#: A workbook whose parts expand to more than this is refused before it is opened:
#: a few megabytes of zip can expand to gigabytes of XML.
MAX_UNCOMPRESSED_BYTES = 128 * 2**20
#: Cells of a sheet's used range (rows x columns) read at most: a national workbook has a
#: few hundred thousand; a stray cell at row 1,048,576 would make billions.
MAX_SHEET_CELLS = 5_000_000
_ZERO_PADDED = re.compile(r"0+")
#: The hidden sheet that marks a workbook as hemisec's template, and says which columns
#: the template prefilled (hemisec.publish.template writes it).
TEMPLATE_SHEET = "_hemisec"
TEMPLATE_MARKER = "hemisec template"


def _open(path: Path, *, formulas: bool) -> Any:
    import openpyxl  # imported only when a workbook is read

    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFile(say("not a readable .xlsx workbook (damaged, or another format "
                                 "with an .xlsx name): {reason}", reason=exc)) from None
    if expanded > MAX_UNCOMPRESSED_BYTES:
        raise UnreadableFile(say("the workbook expands to {size:,.0f} MB, more than {limit:,.0f} "
                                 "MB: save its tables as CSV", size=expanded / 2**20,
                                 limit=MAX_UNCOMPRESSED_BYTES / 2**20))
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=not formulas)
    except Exception as exc:  # openpyxl raises many kinds for damaged parts
        raise UnreadableFile(say("not a readable .xlsx workbook: {reason}",
                                 reason=f"{type(exc).__name__}: {exc}")) from None


def sheet_names(path: Path) -> list[str]:
    """The visible sheets of a workbook, in their order, less the template's own
    (instructions, code lists)."""
    workbook = _open(path, formulas=False)
    try:
        own = _template_rows(workbook).get("own sheets", [])
        return [ws.title for ws in workbook.worksheets
                if ws.sheet_state == "visible" and ws.title not in own]
    finally:
        workbook.close()


def cell_text(value: object, number_format: str | None) -> str:
    """The text a cell shows (General format), as the checks quote it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        if number_format and _ZERO_PADDED.fullmatch(number_format) and value >= 0:
            text = text.zfill(len(number_format))
        return text
    if isinstance(value, float):
        return f"{value:.15g}"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _template_rows(workbook: Any) -> dict[str, list[str]]:
    """The template's hidden sheet, a row per entry (name, values...); {} elsewhere."""
    if TEMPLATE_SHEET not in workbook.sheetnames:
        return {}
    rows = list(workbook[TEMPLATE_SHEET].iter_rows(max_row=10, max_col=60, values_only=True))
    if not rows or rows[0][0] != TEMPLATE_MARKER:
        return {}
    return {str(r[0]): [str(v) for v in r[1:] if v is not None] for r in rows[1:] if r[0]}


def _prefilled(workbook: Any) -> dict[str, str]:
    """Columns the template prefilled, and their value, when this is the template."""
    values = _template_rows(workbook).get("prefilled", [])
    return dict(zip(values[::2], values[1::2], strict=False))


def _sheet_rows(path: Path, sheet: str, *,
                formulas: bool) -> tuple[list[list[Any]], dict[str, str]]:
    workbook = _open(path, formulas=formulas)
    try:
        if sheet not in workbook.sheetnames:
            raise UnreadableFile(say("the workbook has no sheet '{sheet}'", sheet=sheet))
        worksheet = workbook[sheet]
        width = min(worksheet.max_column or MAX_COLUMNS, MAX_COLUMNS)
        height = worksheet.max_row or 0
        if height * width > MAX_SHEET_CELLS:  # openpyxl would pad every row of that range
            raise UnreadableFile(say(
                "the sheet's used range reaches row {row:,} and column {column:,} (a stray "
                "cell far below or right of the table?); hemisec reads up to {cells:,} cells "
                "a sheet: delete what lies outside the table, or save it as CSV", row=height,
                column=width, cells=MAX_SHEET_CELLS))
        try:
            rows = [[(cell.value, getattr(cell, "number_format", None), cell.data_type)
                     for cell in row]
                    for row in worksheet.iter_rows(min_row=1, max_col=width)]
        except UnreadableFile:
            raise
        except Exception as exc:  # the sheet's XML is parsed here, lazily: damage shows now
            raise UnreadableFile(say("the sheet '{sheet}' is damaged ({reason})", sheet=sheet,
                                     reason=f"{type(exc).__name__}: {exc}")) from None
        return rows, _prefilled(workbook)
    finally:
        workbook.close()


def read_sheet(path: Path, sheet: str) -> RawTable:
    """One sheet of a workbook: header on its first row, data from its second."""
    rows, prefilled = _sheet_rows(path, sheet, formulas=True)
    formula_cells = [(r, p, cell[0]) for r, row in enumerate(rows, start=1)
                     for p, cell in enumerate(row) if cell[2] == "f"]
    if formula_cells:  # the values Excel computed and saved for them
        cached, _ = _sheet_rows(path, sheet, formulas=False)
        for r, p, _ in formula_cells:
            rows[r - 1][p] = cached[r - 1][p] if p < len(cached[r - 1]) else (None, None, "n")
    text = [[cell_text(value, number_format) for value, number_format, _ in row] for row in rows]
    if not text or not any(text[0]):
        raise UnreadableFile(say("the sheet '{sheet}' has no header on its first row",
                                 sheet=sheet), row=1)
    import pandas as pd  # workbooks are read by the commands that read tables

    formulas = pd.DataFrame(formula_cells, columns=["row", "position", "formula"])
    header = [str(h).strip() for h in text[0]]
    return RawTable(text[0], frame_from_rows(text[1:], first_row=2),
                    formulas=formulas.astype({"row": "int64", "position": "int64"}),
                    prefilled={header.index(c): v for c, v in prefilled.items() if c in header})
