"""Labels of the reference tables in the reader's language.

A reference table carries its labels in English under the bare stem (`label` in the code
lists) or with `_en` (`label_en` in the ICCS, `name_en` in the countries), and in another
language under `stem_language` (`label_fr`, `name_pt`). Where a table has no column for
the language, or a row leaves its cell empty (the committed ICCS has no Spanish labels
until `hemisec import iccs-es` fills them), the English label is shown. Where the labels
come from is said in each column's description in the Table Schemas.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def english_column(columns: Collection[str], stem: str) -> str:
    """The column of a table's English labels: `stem_en` where it has one, else `stem`."""
    return f"{stem}_en" if f"{stem}_en" in columns else stem


def in_language_sql(columns: Collection[str], stem: str, language: str,
                    alias: str | None = None) -> str:
    """SQL of `in_language` for a table with `columns`: each row's label in `language`,
    its English label where the row has none (blank as str.strip() reads it)."""
    from hemisec.sql import quote_identifier, stripped

    prefix = f"{alias}." if alias else ""
    english = prefix + quote_identifier(english_column(columns, stem))
    column = f"{stem}_{language}"
    if language == "en" or column not in columns:
        return english
    own = prefix + quote_identifier(column)
    return f"CASE WHEN {stripped(own)} <> '' THEN {own} ELSE {english} END"


def in_language_row(row: Mapping[str, str | None], stem: str, language: str) -> str | None:
    """`in_language` for one row of a reference table (`DataPackage.reference_rows`)."""
    english = row.get(english_column(row.keys(), stem))
    own = row.get(f"{stem}_{language}") if language != "en" else None
    return own if own is not None and own.strip() != "" else english


def _filled(values: pd.Series) -> pd.Series:
    return values.notna() & (values.astype("string").str.strip() != "")


def label_column(columns: Collection[str] | pd.DataFrame, stem: str, language: str) -> str:
    """The column holding the `stem` labels in `language` ("label_fr", "name_pt") if the
    table has it, else the English one. Given a frame, a column with no label filled in
    counts as absent."""
    column = f"{stem}_{language}"
    if language != "en" and column in columns:
        frame = columns if hasattr(columns, "columns") else None
        if frame is None or _filled(frame[column]).any():
            return column
    return english_column(columns, stem)


def in_language(frame: pd.DataFrame, stem: str, language: str) -> pd.Series:
    """The `stem` labels of each row in `language`, the English label where the row has
    none."""
    english = frame[english_column(frame.columns, stem)]
    column = label_column(frame, stem, language)
    if column == english.name:
        return english
    own = frame[column]
    return own.where(_filled(own), english)
