"""Read one table's CSV as the user wrote it, and parse it by its Table Schema.

A table is kept twice: as text (so a report can quote the offending value exactly
as the file has it) and typed (for the consistency and plausibility checks).
Both share the same index; a file line number is index + 2 (header = line 1).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hemisec.findings import concat_findings, make_findings, register
from hemisec.package import FieldSpec, TableSpec

FILE_UNREADABLE = register(
    "file-unreadable", "error", "file", "The file could not be read as a CSV table",
    "Save the table as UTF-8 CSV with a comma delimiter and one header line, then validate again.")
MISSING_COLUMN = register(
    "missing-column", "error", "file", "A column of the schema is not in the header",
    "Add the column to the header (exact name, lower case); leave its cells empty if optional.")
EXTRA_COLUMN = register(
    "extra-column", "error", "file", "The header has a column the schema does not know",
    "Remove the column or rename it to one of the schema's columns; put remarks in 'note'.")
DUPLICATE_COLUMN = register(
    "duplicate-column", "error", "file", "A column name appears twice in the header",
    "Keep one column of each name.")
BLANK_ROW = register(
    "blank-row", "error", "file", "A row has no value in any cell",
    "Delete the empty row.")

#: The first line of a file is its header, so data row i (0-based) is line i + 2.
HEADER_LINES = 1
FIRST_DATA_LINE = HEADER_LINES + 1
INTEGER_PATTERN = r"[+-]?\d+(?:_\d+)*"


@dataclass
class LoadedTable:
    """A table as read from one file: text, typed values and file-level findings."""

    spec: TableSpec
    file: str
    text: pd.DataFrame
    typed: pd.DataFrame
    findings: pd.DataFrame

    @property
    def rows(self) -> int:
        return len(self.text)


def line_numbers(index: pd.Index | pd.Series) -> pd.Series:
    """File line numbers (header = line 1) of the given frame index labels."""
    return pd.Series(index, dtype="Int64") + FIRST_DATA_LINE


def parse_field(values: pd.Series, spec: FieldSpec) -> pd.Series:
    """Convert a text column to its schema type; cells that do not parse become NA.

    Integers follow frictionless: surrounding spaces are ignored, anything else
    (decimals, thousands separators) is not an integer.
    """
    if spec.type == "integer":
        text = values.astype("string").str.strip()
        valid = text.str.fullmatch(INTEGER_PATTERN).fillna(False).astype(bool)
        cleaned = text.where(valid).str.replace("_", "", regex=False)
        return pd.to_numeric(cleaned, errors="coerce").astype("Int64")
    if spec.type == "number":
        return pd.to_numeric(values.astype("string").str.strip(), errors="coerce").astype("Float64")
    if spec.type == "string":
        return values.astype("string")
    raise ValueError(f"field {spec.name!r}: type {spec.type!r} is not supported by hemisec")


def typed_frame(text: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """The schema's columns parsed to their types (absent columns are all NA)."""
    columns = {}
    for field in spec.fields:
        source = text[field.name] if field.name in text else pd.Series(pd.NA, index=text.index)
        columns[field.name] = parse_field(source, field)
    return pd.DataFrame(columns, index=text.index)


def _header_findings(header: list[str], spec: TableSpec, file: str) -> pd.DataFrame:
    expected = spec.field_names
    problems = [
        (MISSING_COLUMN, [n for n in expected if n not in header],
         "the header has no column '{}'"),
        (EXTRA_COLUMN, [n for n in dict.fromkeys(header) if n not in expected],
         "'{}' is not a column of " + spec.name),
        (DUPLICATE_COLUMN, pd.Series(header)[pd.Series(header).duplicated()].unique().tolist(),
         "'{}' appears more than once in the header"),
    ]
    return concat_findings([
        make_findings(check, resource=spec.name, file=file, row=1,
                      field=pd.Series(names, dtype="object"),
                      value=pd.Series(names, dtype="object") if check is EXTRA_COLUMN else None,
                      message=pd.Series([template.format(n) for n in names], dtype="object"))
        for check, names, template in problems if names
    ])


def _read_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


def load_table(path: Path, spec: TableSpec, display_name: str | None = None) -> LoadedTable:
    """Read `path` as table `spec`; problems with the file become findings, not exceptions."""
    file = display_name or str(path)
    empty = pd.DataFrame(columns=spec.field_names, dtype="string")
    try:
        header = _read_header(path)
        text = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[],
                           skip_blank_lines=False, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        finding = make_findings(
            FILE_UNREADABLE, resource=spec.name, file=file, row=None, field=None, value=None,
            message=f"the file is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV")
        return LoadedTable(spec, file, empty, typed_frame(empty, spec), finding)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        detail = " ".join(str(exc).split())
        finding = make_findings(FILE_UNREADABLE, resource=spec.name, file=file, row=None,
                                field=None, value=None,
                                message=f"not a readable CSV table: {detail}")
        return LoadedTable(spec, file, empty, typed_frame(empty, spec), finding)

    # pandas renames repeated header names ('a.1'); keep the first of each and report the rest.
    text = text.loc[:, [c for c in text.columns if c in header]]
    text = text.mask(text.isin(list(spec.missing_values)))
    findings = [_header_findings(header, spec, file)]

    blank = text.isna().all(axis=1)
    if blank.any():
        rows = text.index[blank]
        findings.append(make_findings(
            BLANK_ROW, resource=spec.name, file=file, row=line_numbers(rows),
            field=None, value=None, message="the row is empty"))
        # A blank row is one finding, not one per empty required cell (as in frictionless).
        text = text.loc[~blank]
    return LoadedTable(spec, file, text, typed_frame(text, spec), concat_findings(findings))
