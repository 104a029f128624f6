"""Colombia's demo rows saved the way national offices save them: every Excel locale's
CSV, "Unicode text", workbooks. Tests generate each file from the demo data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd

from hemisec.paths import REPO_ROOT

COUNTRY = "COL"
TABLES = ["population", "homicide", "firearms", "prison", "national_offences",
          "published_indicators"]
#: Accented text a Windows-1252 or UTF-16 file must carry through unchanged.
NOTE = "según la Policía Nacional; cifras revisadas"


def colombia() -> dict[str, pd.DataFrame]:
    """Colombia's demo rows as text, with accented notes and one decimal value."""
    tables = {}
    for name in TABLES:
        frame = pd.read_csv(REPO_ROOT / "data" / f"{name}.csv", dtype=str,
                            keep_default_na=False)
        tables[name] = frame[frame["iso3"] == COUNTRY].reset_index(drop=True)
    tables["homicide"].loc[:3, "note"] = NOTE
    tables["published_indicators"] = pd.DataFrame([{
        "iso3": COUNTRY, "year": "2020", "indicator": "homicide_rate", "value": "25.5",
        "source": "Ministerio de Defensa Nacional, según registros", "note": NOTE}])
    return tables


def _csv_text(frame: pd.DataFrame, delimiter: str, decimal: str, line_end: str,
              trailing: int = 0) -> str:
    out = frame.copy()
    if decimal == "," and "value" in out and "indicator" in out:  # the number column
        out["value"] = out["value"].str.replace(".", ",", regex=False)
    text = out.to_csv(index=False, sep=delimiter, lineterminator="\n")
    lines = text.rstrip("\n").split("\n")
    if trailing:  # Excel pads every line, and adds delimiter-only rows at the end
        lines = [line + delimiter * trailing for line in lines]
        width = len(frame.columns) + trailing
        lines += [delimiter * (width - 1)] * 3
    return line_end.join(lines) + line_end


def write_delimited(folder: Path, tables: dict[str, pd.DataFrame], *, delimiter: str = ",",
                    encoding: str = "utf-8", decimal: str = ".", line_end: str = "\n",
                    trailing: int = 0, suffix: str = ".csv",
                    name: Callable[[str], str] = str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for table, frame in tables.items():
        text = _csv_text(frame, delimiter, decimal, line_end, trailing)
        (folder / f"{name(table)}{suffix}").write_bytes(text.encode(encoding))
    return folder


def _typed_cell(column: str, value: str) -> object:
    """What a person typing into Excel leaves in the cell: numbers as numbers."""
    if value == "":
        return None
    numeric = column in ("year", "victims", "quantity", "population", "value")
    if numeric and value.lstrip("-").isdigit():
        return int(value)
    if numeric and value.replace(".", "", 1).isdigit():
        return float(value)
    return value


def fill_sheet(sheet: openpyxl.worksheet.worksheet.Worksheet, frame: pd.DataFrame,
               first_row: int = 2) -> None:
    """Type the rows under the sheet's header (written first if the sheet has none)."""
    if sheet.cell(1, 1).value is None:
        for position, column in enumerate(frame.columns, start=1):
            sheet.cell(1, position, column)
    columns = [sheet.cell(1, p).value for p in range(1, sheet.max_column + 1)]
    for offset, record in enumerate(frame.to_dict(orient="records")):
        for position, column in enumerate(columns, start=1):
            if column in record:
                sheet.cell(first_row + offset, position, _typed_cell(column, record[column]))


def write_workbook(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """One workbook, one sheet per table, named after it."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for table, frame in tables.items():
        fill_sheet(workbook.create_sheet(table), frame)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def write_workbooks(folder: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """A workbook per table, named after the table, its one sheet named 'Hoja1'."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, frame in tables.items():
        workbook = openpyxl.Workbook()
        workbook.active.title = "Hoja1"
        fill_sheet(workbook.active, frame)
        workbook.save(folder / f"{table}.xlsx")
    return folder
