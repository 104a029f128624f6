"""UNODC Illicit Arms Flows Questionnaire (dataUNODC long file) -> firearms."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hemisec.importers import (
    ImportResult,
    apply_mapping,
    finish,
    keep_oas,
    mapping_table,
    report,
    resolve_duplicates,
    source,
    whole_counts,
)
from hemisec.package import DataPackage

MATCH = ["Indicator", "Dimension", "Category"]
KEY = ["Iso3_code", "Year", *MATCH, "Sex", "Age"]


def read_cts_long(path: Path) -> pd.DataFrame:
    """A dataUNODC long file as published (UTF-8 with BOM), every cell as text."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return frame.assign(_line=frame.index + 2)


@source("iafq", "UNODC Illicit Arms Flows Questionnaire, dataUNODC long CSV -> firearms")
def read(path: Path, package: DataPackage) -> ImportResult:
    frame = read_cts_long(path)
    oas = keep_oas(frame, package, "Iso3_code")
    reason = pd.Series("", index=frame.index)
    reason[~oas] = "not an OAS member state"
    mapped, mapping_reason = apply_mapping(frame[oas], mapping_table("iafq"), MATCH)
    reason.update(mapping_reason)
    not_counts = (mapped["Unit of measurement"] != "Counts") & (mapping_reason == "")
    reason[not_counts[not_counts].index] = "not a count"
    empty = (mapped["VALUE"].str.strip() == "") & (reason[mapped.index] == "")
    reason[empty[empty].index] = "no value"
    rows = whole_counts(mapped[reason[mapped.index] == ""], "VALUE", "quantity").assign(
        iso3=lambda f: f["Iso3_code"], year=lambda f: f["Year"],
        priority=lambda f: f["priority"].astype(int),
        source=lambda f: "UNODC Illicit Arms Flows Questionnaire, dataUNODC (" + f["Source"]
        + ")")
    rows, duplicate_reason = resolve_duplicates(
        rows, ["iso3", "year", "action", "item", "marking_status"], "quantity", "priority")
    reason.update(duplicate_reason[duplicate_reason != ""])
    return ImportResult(
        "iafq", {"firearms": finish(rows, "firearms", package)},
        report("iafq", path, frame, KEY, "VALUE", reason),
        citation="UNODC Illicit Arms Flows Questionnaire, dataUNODC")
