"""Read one table from the user's file and parse it by its Table Schema.

A table is kept twice: as text (so a report can quote the offending value exactly
as the file has it) and typed (for the consistency and plausibility checks and for
the build, which loads exactly these typed values). Both are indexed by the row
number the user sees in their file or sheet (header = row 1).

What the file's layout gets wrong (ragged rows, a header that does not match, years
laid out as columns, formulas) becomes findings on their row; what a spreadsheet adds
without meaning it (trailing empty columns and rows) is dropped with a notice.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hemisec.findings import concat_findings, empty_findings, make_findings, register
from hemisec.package import DataPackage, FieldSpec, TableSpec
from hemisec.read.delimited import read_delimited
from hemisec.read.dialect import Dialect, ReadOptions
from hemisec.read.raw import RawTable, UnreadableFile
from hemisec.read.sources import TableSource
from hemisec.read.workbook import read_sheet, sheet_names

FILE_UNREADABLE = register(
    "file-unreadable", "error", "file", "The file could not be read as a table",
    "Save the table from Excel as 'CSV UTF-8' or as an .xlsx workbook with one header row, "
    "then validate again; give --encoding or --delimiter if hemisec guessed them wrong.")
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
MISSING_CELL = register(
    "missing-cell", "error", "file", "A row has fewer cells than the header",
    "Check the row for a missing delimiter or a line cut in two, so that every value is "
    "under its column.")
EXTRA_CELL = register(
    "extra-cell", "error", "file", "A row has a value beyond the header's last column",
    "Give the value a column in the header, or delete it; an unquoted delimiter inside a "
    "value (e.g. a comma in 'source') also splits it: put such values in quotes.")
WIDE_LAYOUT = register(
    "wide-layout", "error", "file", "The table has one column per year",
    "Lay the table out long: one row per year with a 'year' column and the value in the "
    "value column (in Excel: Data > From Table > Unpivot Columns), then validate again.")
FORMULA_CELL = register(
    "formula-cell", "warning", "file", "A cell holds a formula",
    "The value Excel last saved for the formula was checked; paste values (Paste Special > "
    "Values) before sending, so what is sent cannot change.")
TABLE_EMPTY = register(
    "table-empty", "warning", "file", "The table has a header but no rows",
    "Fill in the rows, or leave the file out of the submission.")

INTEGER_PATTERN = r"[+-]?[0-9]+(?:_[0-9]+)*"
MAX_INTEGER_DIGITS = 18
_NUMBER_PATTERN = r"[+-]?(?:[0-9]+(?:{d}[0-9]*)?|{d}[0-9]+)(?:[eE][+-]?[0-9]+)?"
_YEAR_HEADER = re.compile(r"(1[89]|20)[0-9]{2}")
_DECIMAL_COMMA_VALUE = r"[+-]?[0-9]+,[0-9]+"
_DECIMAL_POINT_VALUE = r"[+-]?[0-9]+\.[0-9]+"


@dataclass
class LoadedTable:
    """A table as read from one file or sheet: text, typed values, file-level findings."""

    spec: TableSpec
    file: str
    text: pd.DataFrame
    typed: pd.DataFrame
    findings: pd.DataFrame
    dialect: Dialect | None = None
    notices: list[str] = field(default_factory=list)

    @property
    def decimal(self) -> str:
        """The decimal mark number cells are read with."""
        return self.dialect.decimal if self.dialect else "."

    @property
    def rows(self) -> int:
        return len(self.text)

    def describe_format(self) -> str:
        return self.dialect.describe() if self.dialect else "Excel workbook sheet"


def line_numbers(index: pd.Index | pd.Series) -> pd.Series:
    """The row numbers the user sees (header = row 1) of the given frame index labels:
    tables are indexed by them."""
    return pd.Series(index, dtype="Int64")


def parse_field(values: pd.Series, spec: FieldSpec, decimal: str = ".") -> pd.Series:
    """Convert a text column to its schema type; cells that do not parse become NA.

    Integers follow frictionless: surrounding spaces are ignored, anything else
    (decimals, thousands separators) is not an integer. Numbers use the file's decimal
    mark; the other mark is never read as one (`9.494` is not 9.494 in a decimal-comma file).
    """
    if spec.type == "integer":
        text = values.astype("string").str.strip()
        valid = text.str.fullmatch(INTEGER_PATTERN).fillna(False).astype(bool)
        cleaned = text.where(valid).str.replace("_", "", regex=False)
        # Beyond 18 digits a count would not fit a 64-bit integer: not a count.
        cleaned = cleaned.where(cleaned.str.lstrip("+-").str.len() <= MAX_INTEGER_DIGITS)
        return pd.to_numeric(cleaned, errors="coerce").astype("Int64")
    if spec.type == "number":
        text = values.astype("string").str.strip()
        valid = text.str.fullmatch(_NUMBER_PATTERN.format(d=re.escape(decimal)))
        cleaned = text.where(valid.fillna(False).astype(bool))
        if decimal != ".":
            cleaned = cleaned.str.replace(decimal, ".", regex=False)
        return pd.to_numeric(cleaned, errors="coerce").astype("Float64")
    if spec.type == "string":
        return values.astype("string")
    raise ValueError(f"field {spec.name!r}: type {spec.type!r} is not supported by hemisec")


def typed_frame(text: pd.DataFrame, spec: TableSpec, decimal: str = ".") -> pd.DataFrame:
    """The schema's columns parsed to their types (absent columns are all NA)."""
    columns = {}
    for spec_field in spec.fields:
        source = (text[spec_field.name] if spec_field.name in text
                  else pd.Series(pd.NA, index=text.index))
        columns[spec_field.name] = parse_field(source, spec_field, decimal)
    return pd.DataFrame(columns, index=text.index)


def column_name(position: int, workbook: bool) -> str:
    """How the user finds a column without a header: its letter in Excel, else its number."""
    if not workbook:
        return f"cell {position + 1}"
    letters = ""
    number = position + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return f"column {letters}"


def _header_findings(header: list[str], spec: TableSpec, file: str) -> pd.DataFrame:
    expected = spec.field_names
    by_lower = {n.lower(): n for n in expected}

    def extra_message(name: str) -> str:
        close = by_lower.get(name.strip().lower())
        hint = f" (write it '{close}': names are lower case)" if close else ""
        return f"'{name}' is not a column of {spec.name}{hint}"

    problems = [
        (MISSING_COLUMN, [n for n in expected if n not in header],
         lambda n: f"the header has no column '{n}'"),
        (EXTRA_COLUMN, [n for n in dict.fromkeys(header) if n not in expected], extra_message),
        (DUPLICATE_COLUMN, pd.Series(header)[pd.Series(header).duplicated()].unique().tolist(),
         lambda n: f"'{n}' appears more than once in the header"),
    ]
    return concat_findings([
        make_findings(check, resource=spec.name, file=file, row=1,
                      field=pd.Series(names, dtype="object"),
                      value=pd.Series(names, dtype="object") if check is EXTRA_COLUMN else None,
                      message=pd.Series([message(n) for n in names], dtype="object"))
        for check, names, message in problems if names
    ])


def _wide_layout(header: list[str], spec: TableSpec, file: str) -> pd.DataFrame | None:
    """One finding when years are laid out as columns, None when they are not."""
    years = [h for h in header if _YEAR_HEADER.fullmatch(h)]
    if len(years) < 2 or "year" in header:
        return None
    value = spec.value_field or "the value column"
    keys = [n for n in spec.field_names if n not in ("year", spec.value_field)]
    return make_findings(
        WIDE_LAYOUT, resource=spec.name, file=file, row=1, field=f"{years[0]} ... {years[-1]}",
        value=", ".join(years),
        message=f"{len(years)} columns are years ({years[0]} to {years[-1]}): hemisec reads one "
                f"row per year, with the columns {', '.join(spec.field_names)}; move each "
                f"year's figure into its own row, its year in 'year' and the figure in "
                f"'{value}' (keeping {', '.join(keys[:3])}... on every row)")


def _masks(cells: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Which cells exist (a short CSV row has none at its end) and which hold a value:
    numpy masks, as the object frame's own comparisons are slow."""
    grid = cells.to_numpy(dtype="object")
    present = np.not_equal(grid, None)
    return present, present & np.not_equal(grid, "")


def _drop_trailing_empties(raw: RawTable, label: str, filled: np.ndarray,
                           ) -> tuple[list[str], int, list[str]]:
    """Trailing header cells with no name and no value below, and trailing rows with no
    value, which spreadsheets write without meaning to. Returns the header, the number
    of rows to keep and the notices."""
    header = [h.strip().lstrip("\ufeff") for h in raw.header]
    cells = raw.cells
    notices = []
    width = len(header)
    filled_columns = filled.any(axis=0)
    while width and header[width - 1] == "" and not (
            width - 1 < len(filled_columns) and filled_columns[width - 1]):
        width -= 1
    beyond = filled_columns[width:]
    if width < len(header) or (len(beyond) and not beyond.any()):
        notices.append(f"{label}: {len(raw.header) - width or len(beyond)} trailing empty "
                       "column(s) were ignored (a spreadsheet wrote them).")
    content = filled.copy()
    for position, value in raw.prefilled.items():  # the template's own cells are no data
        if position < content.shape[1]:
            content[:, position] &= np.not_equal(cells[position].to_numpy(), value)
    rows_with_value = np.flatnonzero(content.any(axis=1))
    keep = int(rows_with_value[-1]) + 1 if len(rows_with_value) else 0
    trailing = len(cells) - keep
    if trailing:
        what = ("unused template row(s) (nothing but the prefilled country)" if raw.prefilled
                else "trailing empty row(s)")
        notices.append(f"{label}: {trailing:,} {what} were ignored.")
    return header[:width], keep, notices


def _cells_at(cells: pd.DataFrame, rows: pd.Index, positions: object) -> pd.Series:
    """The cells at (row label, position) pairs, as one Series."""
    grid = cells.to_numpy(dtype="object")
    return pd.Series(grid[cells.index.get_indexer(rows), positions], dtype="object")


def _row_length_findings(cells: pd.DataFrame, present: np.ndarray, filled: np.ndarray,
                         spec: TableSpec, label: str, header: list[str],
                         workbook: bool) -> pd.DataFrame:
    """Rows with fewer cells than the header, and rows with values beyond it."""
    width = len(header)
    lengths = pd.Series(present.sum(axis=1), index=cells.index)
    short = (lengths < width) & (lengths > 0)
    frames = []
    if short.any():
        rows = lengths[short]
        frames.append(make_findings(
            MISSING_CELL, resource=spec.name, file=label, row=line_numbers(rows.index),
            field=pd.Series(header, dtype="object").reindex(rows.to_numpy())
            .reset_index(drop=True),
            value=None,
            message=("the row has " + rows.astype("string") + f" cells; the header has {width}")
            .reset_index(drop=True)))
    extra = filled[:, width:]
    if extra.size and extra.any():
        rows = extra.any(axis=1)
        first = pd.Series(extra[rows].argmax(axis=1) + width, index=cells.index[rows])
        values = _cells_at(cells, first.index, first.to_numpy())
        frames.append(make_findings(
            EXTRA_CELL, resource=spec.name, file=label, row=line_numbers(first.index),
            field=pd.Series([column_name(p, workbook) for p in first], dtype="object"),
            value=values,
            message="'" + values.astype("string") + "' is beyond the header's last column ("
            + f"{width} columns)"))
    return concat_findings(frames)


def _formula_findings(raw: RawTable, header: list[str], cells: pd.DataFrame, spec: TableSpec,
                      label: str) -> pd.DataFrame:
    formulas = raw.formulas[raw.formulas["row"].isin(cells.index)
                            & (raw.formulas["position"] < len(header))]
    if formulas.empty:
        return empty_findings()
    values = _cells_at(cells, pd.Index(formulas["row"]), formulas["position"].to_numpy())
    fields = pd.Series([header[p] for p in formulas["position"]], dtype="object")
    saved = values.fillna("").astype("string")
    return make_findings(
        FORMULA_CELL, resource=spec.name, file=label, row=line_numbers(pd.Index(formulas["row"])),
        field=fields, value=values,
        message=("the cell holds the formula " + formulas["formula"].astype("string")
                 .reset_index(drop=True) + "; its saved value '" + saved + "' was checked")
        .where(saved != "", "the cell holds the formula " + formulas["formula"]
               .astype("string").reset_index(drop=True)
               + " and no saved value (open and save the workbook in Excel)"))


def _infer_decimal(text: pd.DataFrame, spec: TableSpec, dialect: Dialect | None,
                   options: ReadOptions) -> tuple[str, Dialect | None]:
    """The decimal mark of a tab-separated file (Excel's "Unicode text" writes the
    locale's): a comma when the number columns use only commas."""
    decimal = dialect.decimal if dialect else "."
    numbers = [f.name for f in spec.fields if f.type == "number" and f.name in text]
    if (dialect is None or dialect.delimiter != "\t" or options.decimal is not None
            or not numbers):
        return decimal, dialect
    values = pd.concat([text[n] for n in numbers]).dropna().astype("string").str.strip()
    commas = values.str.fullmatch(_DECIMAL_COMMA_VALUE).sum()
    points = values.str.fullmatch(_DECIMAL_POINT_VALUE).sum()
    if commas and not points:
        decimal = ","
    guessed = (*dialect.guessed, "decimal") if commas and points else dialect.guessed
    return decimal, dataclasses.replace(dialect, decimal=decimal, guessed=guessed)


def _nothing_read(spec: TableSpec, label: str, findings: pd.DataFrame,
                  dialect: Dialect | None = None,
                  notices: list[str] | None = None) -> LoadedTable:
    """A table none of whose rows can be checked: its findings say why."""
    empty = pd.DataFrame(columns=spec.field_names, dtype="str")
    return LoadedTable(spec, label, empty, typed_frame(empty, spec), findings, dialect,
                       notices or [])


def read_raw(source: TableSource, spec: TableSpec, options: ReadOptions) -> RawTable:
    """The cells of the source, by position, from a delimited file or a workbook sheet
    (its first visible sheet when none is named)."""
    if source.is_workbook:
        sheet = source.sheet if source.sheet is not None else next(iter(sheet_names(
            source.path)), "")
        return read_sheet(source.path, sheet)
    return read_delimited(source.path, spec.field_names, options)


def load_table(source: TableSource, spec: TableSpec,
               options: ReadOptions | None = None) -> LoadedTable:
    """Read `source` as table `spec`; problems with the file become findings, not
    exceptions."""
    options = options or ReadOptions()
    label = source.label
    try:
        raw = read_raw(source, spec, options)
    except UnreadableFile as exc:
        return _nothing_read(spec, label, make_findings(
            FILE_UNREADABLE, resource=spec.name, file=label, row=exc.row, field=None,
            value=None, message=str(exc)))
    present, filled = _masks(raw.cells)
    header, keep, notices = _drop_trailing_empties(raw, label, filled)
    cells, present, filled = raw.cells.iloc[:keep], present[:keep], filled[:keep]

    wide = _wide_layout(header, spec, label)
    if wide is not None:  # nothing else of the table can be checked as laid out
        return _nothing_read(spec, label, wide, raw.dialect, notices)

    findings = [_header_findings(header, spec, label),
                _row_length_findings(cells, present, filled, spec, label, header,
                                     source.is_workbook),
                _formula_findings(raw, header, cells, spec, label)]
    # Columns by name, the first of each name; short rows have no cell there (None).
    positions = {name: p for p, name in reversed(list(enumerate(header))) if name}
    columns = {name: cells[p] if p in cells.columns else pd.Series(None, index=cells.index,
                                                                   dtype="object")
               for name, p in sorted(positions.items(), key=lambda item: item[1])}
    text = pd.DataFrame(columns, index=cells.index, dtype="object").fillna("").astype("str")
    text = text.mask(text.isin(list(spec.missing_values)))

    blank = text.isna().all(axis=1) if len(text.columns) else pd.Series(True, index=text.index)
    if blank.any():
        findings.append(make_findings(
            BLANK_ROW, resource=spec.name, file=label, row=line_numbers(text.index[blank]),
            field=None, value=None, message="the row is empty"))
        # A blank row is one finding, not one per empty required cell (as in frictionless).
        text = text.loc[~blank]
    if text.empty and not blank.any():
        findings.append(make_findings(
            TABLE_EMPTY, resource=spec.name, file=label, row=None, field=None, value=None,
            message=f"the table has a header and no rows: nothing of {spec.name} was checked"))
    decimal, dialect = _infer_decimal(text, spec, raw.dialect, options)
    if dialect is not None and not dialect.is_plain():
        notices.append(_dialect_notice(label, dialect))
    return LoadedTable(spec, label, text, typed_frame(text, spec, decimal),
                       concat_findings(findings), dialect, notices)


def _dialect_notice(label: str, dialect: Dialect) -> str:
    notice = f"{label} was read as {dialect.describe()}."
    if not dialect.certain:
        verb = "was" if len(dialect.guessed) == 1 else "were"
        notice += (f" The {' and '.join(dialect.guessed)} {verb} guessed: if values look "
                   f"wrong, give {dialect.override_hint()}.")
    return notice


def package_table(package: DataPackage, name: str) -> LoadedTable:
    """One of the package's own tables, read as a submitted one is."""
    spec = package.tables[name]
    return load_table(TableSource(name, spec.path), spec)
