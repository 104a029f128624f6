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
    whole_counts,
)
from hemisec.importers.iafq import read_cts_long
from hemisec.package import DataPackage

MATCH = ["Indicator", "Dimension", "Category", "Sex", "Age", "Unit of measurement"]
KEY = ["Iso3_code", "Year", *MATCH]
#: The published workbook has two lines (publisher, release date) above its header.
XLSX_HEADER_ROW = 2
#: calamine (Rust) reads the 65,797-row workbook in about 1.5 s, openpyxl in about 7 s,
#: to the same frame; pandas makes it its default xlsx reader in a coming version.
XLSX_ENGINE = "calamine"


CITATION = "UNODC Crime Trends Survey, prisons and prisoners, dataUNODC"


def _release_stamp(path: Path) -> str:
    """The release date the workbook states in its second line ('' for the CSV extract)."""
    if path.suffix.lower() != ".xlsx":
        return ""
    stamp = pd.read_excel(path, header=None, nrows=XLSX_HEADER_ROW, dtype=str,
                          engine=XLSX_ENGINE).iloc[-1, 0]
    return "" if pd.isna(stamp) else str(stamp).strip()


def _read(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".xlsx":
        frame = pd.read_excel(path, header=XLSX_HEADER_ROW, dtype=str,
                              engine=XLSX_ENGINE).fillna("")
        return frame.assign(_line=frame.index + XLSX_HEADER_ROW + 2)
    return read_cts_long(path)


def _sum_age_groups(prison: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """A key the file gives twice under Age Total, whose two values are exactly its Adult
    and Juveniles rows (PAN 2017-2018), is the two age groups mislabelled: one row with
    their sum and a note, instead of a conflict that drops both."""
    group = ["Iso3_code", "Year", "Indicator", "Dimension", "Category", "Sex",
             "Unit of measurement"]
    twice = prison[prison.duplicated(["iso3", "year", "measure", "sex"], keep=False)
                   & (prison["Age"] == "Total")]
    if twice.empty:
        return prison
    ages = frame[frame["Age"].isin(["Adult", "Juveniles"])].pivot_table(
        index=group, columns="Age", values="VALUE", aggfunc="first")
    if not {"Adult", "Juveniles"} <= set(ages.columns):
        return prison
    pairs = twice.groupby(group).agg(values=("VALUE", lambda v: tuple(sorted(v))),
                                     lines=("_line", lambda v: ", ".join(map(str, sorted(v)))),
                                     first=("_line", "idxmin"))
    pairs = pairs.join(ages[["Adult", "Juveniles"]], how="inner")
    expected = pairs[["Adult", "Juveniles"]].apply(lambda r: tuple(sorted(r)), axis=1)
    summed = pairs[pairs["values"] == expected]
    if summed.empty:
        return prison
    keep = prison.loc[summed["first"]].copy()
    total = pd.to_numeric(summed["Adult"]) + pd.to_numeric(summed["Juveniles"])
    keep["value"] = total.astype("Int64").astype(str).to_numpy()
    keep["_line"] = summed["lines"].to_numpy()
    keep["note"] = ("the file gives two rows labelled Age Total, " + summed["Adult"].to_numpy()
                    + " and " + summed["Juveniles"].to_numpy() + ", which are its Adult and "
                    "Juveniles figures: summed (lines " + summed["lines"].to_numpy() + ")")
    dropped = twice.set_index(group).index.isin(summed.index)
    return pd.concat([prison.drop(index=twice.index[dropped]), keep])


@source("cts-prisons", "UNODC CTS prisons and prisoners (xlsx or CSV extract) -> prison, "
                       "published_indicators")
def read(path: Path, package: DataPackage) -> ImportResult:
    frame = _read(path)
    stamp = _release_stamp(path)
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
    prison = whole_counts(mapped[mapped["table"] == "prison"], "VALUE", "value").assign(
        priority=lambda f: f["priority"].astype(int))
    prison = _sum_age_groups(prison, frame)
    prison, duplicate_reason = resolve_duplicates(prison, ["iso3", "year", "measure", "sex"],
                                                  "value", "priority")
    reason.update(duplicate_reason[duplicate_reason != ""])
    rates = mapped[mapped["table"] == "published_indicators"].assign(value=lambda f: f["VALUE"])
    rates, duplicate_reason = resolve_duplicates(rates, ["iso3", "year", "indicator"], "value")
    reason.update(duplicate_reason[duplicate_reason != ""])
    rates = rates.assign(source=CITATION)
    return ImportResult(
        "cts-prisons", {"prison": finish(prison, "prison", package),
                        "published_indicators": finish(rates, "published_indicators", package)},
        report("cts-prisons", path, frame, KEY, "VALUE", reason),
        citation=CITATION, edition=f"dataUNODC download{' stamped ' + stamp if stamp else ''}",
        release_date=stamp)
