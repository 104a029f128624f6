"""UNODC CTS prisons and prisoners (dataUNODC; xlsx as published, or its CSV extract) -> prison."""

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
)
from hemisec.importers.iafq import read_cts_long
from hemisec.package import DataPackage

MATCH = ["Indicator", "Dimension", "Category", "Sex", "Age", "Unit of measurement"]
KEY = ["Iso3_code", "Year", *MATCH]
#: The published workbook has two lines (publisher, release date) above its header.
XLSX_HEADER_ROW = 2


def _read(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".xlsx":
        frame = pd.read_excel(path, header=XLSX_HEADER_ROW, dtype=str).fillna("")
        return frame.assign(_line=frame.index + XLSX_HEADER_ROW + 2)
    return read_cts_long(path)


@source("cts-prisons", "UNODC CTS prisons and prisoners (xlsx or CSV extract) -> prison, "
                       "published_indicators")
def read(path: Path, package: DataPackage) -> ImportResult:
    frame = _read(path)
    frame["VALUE"] = frame["VALUE"].astype(str).str.strip()
    reason = pd.Series("", index=frame.index)
    reason[~keep_oas(frame, package, "Iso3_code")] = "not an OAS member state"
    mapped, mapping_reason = apply_mapping(frame[reason == ""], mapping_table("cts_prisons"),
                                           MATCH)
    reason.update(mapping_reason)
    mapped = mapped[reason[mapped.index] == ""].assign(
        iso3=lambda f: f["Iso3_code"], year=lambda f: f["Year"],
        source=lambda f: "UNODC Crime Trends Survey, prisons and prisoners, dataUNODC ("
        + f["Source"] + ")")
    empty = mapped["VALUE"].isin(["", "nan"])
    reason[empty[empty].index] = "no value"
    mapped = mapped[~empty]
    prison = mapped[mapped["table"] == "prison"].assign(
        value=lambda f: pd.to_numeric(f["VALUE"]).round().astype("Int64").astype(str),
        priority=lambda f: f["priority"].astype(int))
    prison, duplicate_reason = resolve_duplicates(prison, ["iso3", "year", "measure", "sex"],
                                                  "value", "priority")
    reason.update(duplicate_reason[duplicate_reason != ""])
    rates = mapped[mapped["table"] == "published_indicators"].assign(value=lambda f: f["VALUE"])
    rates, duplicate_reason = resolve_duplicates(rates, ["iso3", "year", "indicator"], "value")
    reason.update(duplicate_reason[duplicate_reason != ""])
    rates = rates.assign(source="UNODC Crime Trends Survey, prisons and prisoners, dataUNODC")
    return ImportResult(
        "cts-prisons", {"prison": finish(prison, "prison", package),
                        "published_indicators": finish(rates, "published_indicators", package)},
        report("cts-prisons", path, frame, KEY, "VALUE", reason))
