"""Structural checks, generated from each Table Schema as a pandera schema.

Types, required cells, ranges, patterns, enums, code lists (foreign keys) and keys
are read from the schema; none is typed here. pandera runs every check lazily on
the text of the file, so the report can quote each bad cell as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import pandera.pandas as pa

from hemisec.findings import (
    CHECKS,
    concat_findings,
    empty_findings,
    join_columns,
    make_findings,
    register,
)
from hemisec.package import FieldSpec, TableSpec
from hemisec.read.tables import MAX_INTEGER_DIGITS, LoadedTable, line_numbers, parse_field

TYPE_ERROR = register(
    "type-error", "error", "structure", "A value is not of the column's type",
    "Write a whole number with digits only: no decimals, spaces inside, "
    "thousands separators or text.")
MISSING_VALUE = register(
    "missing-value", "error", "structure", "A required cell is empty",
    "Fill in the cell; if the figure is not available, leave the whole row out.")
OUT_OF_RANGE = register(
    "out-of-range", "error", "structure", "A value is outside the range the schema allows",
    "Correct the value: counts cannot be negative and years must be within the package's range.")
PATTERN_MISMATCH = register(
    "pattern-mismatch", "error", "structure", "A code does not have the expected form",
    "Write the code in the form the column asks for, e.g. ISO3 'MEX' or ICCS '0101' "
    "(keep leading zeros: format the column as text in a spreadsheet).")
NOT_IN_CODE_LIST = register(
    "code-not-in-list", "error", "structure", "A code is not in the column's code list",
    "Use one of the codes listed in the package's reference tables (README, 'Code lists').")
DUPLICATE_KEY = register(
    "duplicate-key", "error", "structure", "Two rows have the same primary key",
    "Keep one row per key: merge or delete the repeated row, or correct its key columns.")
DUPLICATE_VALUE = register(
    "duplicate-value", "error", "structure", "A value that must be unique appears twice",
    "Make the value unique or delete the repeated row.")

_TYPE_NAMES = {"integer": "a whole number", "number": "a number"}
#: Thousands separators spreadsheets write: point, comma, apostrophe, spaces (incl. no-break).
_GROUP_MARKS = r"[.,'\u2019 \u00a0\u202f]"
_GROUPED = r"[+-]?[0-9]{1,3}(?:" + _GROUP_MARKS + r"[0-9]{3})+"


def _range_check(field: FieldSpec, decimal: str) -> Callable[[pd.Series], pd.Series]:
    """Cells that do not parse pass here: they are type errors, not range errors."""
    def within(values: pd.Series) -> pd.Series:
        parsed = parse_field(values, field, decimal)
        ok = pd.Series(True, index=values.index)
        if field.minimum is not None:
            ok &= ~(parsed < field.minimum).fillna(False).astype(bool)
        if field.maximum is not None:
            ok &= ~(parsed > field.maximum).fillna(False).astype(bool)
        return ok
    return within


def column_checks(field: FieldSpec, code_lists: dict[str, pd.Series],
                  decimal: str = ".") -> list[pa.Check]:
    """The pandera checks one field's schema entry implies (numbers in the file's
    decimal mark)."""
    checks: list[pa.Check] = []
    if field.type != "string":
        checks.append(pa.Check(lambda s, f=field: parse_field(s, f, decimal).notna(),
                               name=TYPE_ERROR.id))
    if field.minimum is not None or field.maximum is not None:
        checks.append(pa.Check(_range_check(field, decimal), name=OUT_OF_RANGE.id))
    if field.pattern is not None:
        checks.append(pa.Check(
            lambda s, p=field.pattern: s.astype("string").str.fullmatch(p).fillna(False)
            .astype(bool), name=PATTERN_MISMATCH.id))
    if field.enum is not None:
        checks.append(pa.Check(lambda s, e=field.enum: s.isin(e),
                               name=f"{NOT_IN_CODE_LIST.id}:enum"))
    for resource, codes in code_lists.items():
        checks.append(pa.Check(lambda s, c=codes: s.isin(c),
                               name=f"{NOT_IN_CODE_LIST.id}:{resource}"))
    return checks


def _code_lists(spec: TableSpec, field: FieldSpec, references: dict[str, pd.DataFrame],
                text: pd.DataFrame) -> dict[str, pd.Series]:
    """The codes a field's foreign keys allow, by the table they come from."""
    return {
        fk.resource or spec.name:
            (references[fk.resource] if fk.resource else text)[fk.reference_field].dropna()
        for fk in spec.foreign_keys if fk.field == field.name
    }


def _passes(check_id: str, detail: str, field: FieldSpec,
            code_lists: dict[str, pd.Series]) -> Callable[[pd.Series], pd.Series]:
    """Whether values would pass the code check that failed (to test a repaired value)."""
    if check_id == PATTERN_MISMATCH.id and field.pattern is not None:
        return lambda s: s.str.fullmatch(field.pattern).fillna(False).astype(bool)
    if detail == "enum" and field.enum is not None:
        return lambda s: s.isin(field.enum)
    codes = code_lists.get(detail, pd.Series(dtype="object"))
    return lambda s: s.isin(codes)


def pandera_schema(spec: TableSpec, references: dict[str, pd.DataFrame],
                   text: pd.DataFrame, decimal: str = ".") -> pa.DataFrameSchema:
    """Generate the pandera schema of `spec` for the columns present in `text`.

    A foreign key's allowed codes come from the referenced table, or from `text`
    itself when the key points into the same table (the ICCS hierarchy).
    """
    present = list(text.columns)
    columns = {}
    for field in spec.fields:
        if field.name not in present:
            continue
        code_lists = _code_lists(spec, field, references, text)
        columns[field.name] = pa.Column(
            None, nullable=not field.required, unique=field.unique,
            report_duplicates="exclude_first",
            checks=column_checks(field, code_lists, decimal),
            required=False)
    # The primary key is checked in _key_findings, on the values the database compares.
    return pa.DataFrameSchema(columns, name=spec.name)


def _type_message(quoted: pd.Series, values: pd.Series, field: FieldSpec,
                  decimal: str) -> pd.Series:
    """Say why a number did not read: a thousands separator, the other decimal mark."""
    text = values.astype("string").str.strip()
    message = quoted + f" is not {_TYPE_NAMES.get(field.type, field.type)}"
    grouped = text.str.fullmatch(_GROUPED).fillna(False).astype(bool)
    digits_only = text.str.replace(_GROUP_MARKS, "", regex=True)
    message = message.where(~grouped, message + ": it looks like " + digits_only
                            + " written with a thousands separator; write digits only")
    too_long = (text.str.fullmatch(r"[+-]?[0-9]+").fillna(False).astype(bool)
                & (text.str.lstrip("+-").str.len() > MAX_INTEGER_DIGITS))
    message = message.where(~too_long, message + f": it has more than {MAX_INTEGER_DIGITS} "
                            "digits, more than any count")
    if field.type == "number":
        other = "," if decimal == "." else "."
        wrong_mark = (text.str.fullmatch(r"[+-]?[0-9]+" + re.escape(other) + r"[0-9]+")
                      .fillna(False).astype(bool) & ~grouped)
        mark = "a decimal point" if decimal == "." else "a decimal comma"
        message = message.where(~wrong_mark, message + f": this file is read with {mark} "
                                "(give --decimal if that is wrong)")
    return message


def leading_zero_hint(values: pd.Series, valid: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Where a code typed into a spreadsheet lost its leading zero ('101' for '0101'),
    the text to add to the message; "" elsewhere."""
    text = values.astype("string").fillna("")
    padded = "0" + text
    restored = text.str.fullmatch(r"[0-9]+").fillna(False).astype(bool) & valid(padded)
    return ("; a spreadsheet drops the leading zero of a code typed as a number: write '"
            + padded + "' and format the column as Text").where(restored, "")


def _messages(check: str, field: FieldSpec | None, values: pd.Series, detail: str,
              decimal: str = ".") -> pd.Series:
    quoted = "'" + values.astype("string").fillna("") + "'"
    if check == TYPE_ERROR.id and field is not None:
        return _type_message(quoted, values, field, decimal)
    if check == MISSING_VALUE.id:
        return pd.Series("this column is required; the cell is empty", index=values.index)
    if check == OUT_OF_RANGE.id and field is not None:
        bounds = []
        if field.minimum is not None:
            bounds.append(f"at least {field.minimum:g}")
        if field.maximum is not None:
            bounds.append(f"at most {field.maximum:g}")
        return quoted + " must be " + " and ".join(bounds)
    if check == PATTERN_MISMATCH.id and field is not None:
        return quoted + f" does not have the form of {field.title} (pattern {field.pattern})"
    if check == NOT_IN_CODE_LIST.id:
        if detail == "enum" and field is not None and field.enum:
            return quoted + " is not allowed here; use one of " + ", ".join(field.enum)
        return quoted + f" is not a code in the {detail} table"
    if check == DUPLICATE_VALUE.id:
        return quoted + " appears in an earlier row"
    return quoted


def key_values(loaded: LoadedTable) -> pd.DataFrame:
    """The primary key as the database compares it: a number cell by its value where it
    parsed ('+2015' and '2015' are one year), every other cell as written."""
    spec = loaded.spec
    columns = {}
    for name in spec.primary_key:
        text = loaded.text[name]
        if spec.field(name).type == "string":
            columns[name] = text
        else:
            typed = loaded.typed[name].astype("string")
            columns[name] = typed.where(typed.notna(), text)
    return pd.DataFrame(columns, index=loaded.text.index)


def _key_findings(loaded: LoadedTable) -> pd.DataFrame:
    """One finding per repeated key row, naming the row that first used the key. Found
    with one pandas pass rather than pandera's, which slows to minutes when thousands of
    keys repeat."""
    spec, text = loaded.spec, loaded.text
    key = list(spec.primary_key)
    if not key or not all(k in text for k in key):
        return empty_findings()
    keys = key_values(loaded)
    repeated = keys.duplicated(keep="first")
    if not repeated.any():
        return empty_findings()
    groups = keys.groupby(key, dropna=False, sort=False).ngroup()
    first_row = groups.index.to_series().groupby(groups.to_numpy()).transform("min")
    rows = text.index[repeated.to_numpy()]
    values = join_columns(text.loc[rows, key], " / ")
    first = first_row.loc[rows]
    return make_findings(
        DUPLICATE_KEY, resource=spec.name, file=loaded.file,
        row=line_numbers(rows), field=", ".join(key), value=values,
        message="the key (" + ", ".join(key) + ") repeats row " + first.astype("string"))


def check_structure(loaded: LoadedTable, references: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Run the generated pandera schema on one table and return its findings."""
    spec, text = loaded.spec, loaded.text
    if text.empty:
        return empty_findings()
    schema = pandera_schema(spec, references, text, loaded.decimal)
    frames = [_key_findings(loaded)]
    try:
        schema.validate(text[[c for c in text.columns if c in spec.field_names]], lazy=True)
        cases = pd.DataFrame(columns=["check", "column", "index"])
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    cases = cases[cases["index"].notna()].copy()
    cases["index"] = cases["index"].astype(int)

    for (name, column), group in cases.groupby(["check", "column"], sort=False):
        check_id, _, detail = str(name).partition(":")
        check_id = {"not_nullable": MISSING_VALUE.id,
                    "field_uniqueness": DUPLICATE_VALUE.id}.get(check_id, check_id)
        if check_id not in CHECKS:
            raise RuntimeError(f"pandera reported an unexpected check {check_id!r}")
        check = CHECKS[check_id]
        field = spec.field(str(column))
        index = pd.Index(group["index"])
        values = text.loc[index, column]
        message = _messages(check_id, field, values, detail, loaded.decimal)
        if check_id in (PATTERN_MISMATCH.id, NOT_IN_CODE_LIST.id):
            code_lists = _code_lists(spec, field, references, text)
            message = message + leading_zero_hint(
                values, _passes(check_id, detail, field, code_lists))
        frames.append(make_findings(
            check, resource=spec.name, file=loaded.file,
            row=line_numbers(index), field=str(column),
            value=values.astype("object").where(values.notna(), None),
            message=message))
    findings = concat_findings(frames)
    return findings.sort_values(["row", "field"], kind="stable", ignore_index=True)

