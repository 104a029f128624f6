"""UNODC Global Study on Homicide 2019: country counts and rates, and the population used."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hemisec.importers import (
    ImportResult,
    apply_mapping,
    finish,
    mapping_table,
    report,
    resolve_duplicates,
    source,
)
from hemisec.package import DataPackage

STUDY = "UNODC, Global Study on Homicide 2019"
COUNTS_SOURCE = f"{STUDY}, country data (digital annex)"
POPULATION_SOURCE = (f"{STUDY}, population used for its rates (Master Estimates; UN WPP "
                     "2017 revision, 2016-2017 rounded to thousands)")


def _iso3_by_un_name(package: DataPackage) -> pd.Series:
    countries = package.reference_frames["countries"]
    return countries.set_index("name_un")["iso3"]


@source("gsh2019", "UNODC Global Study on Homicide 2019 country file (wide by year) -> "
                   "homicide, published_indicators")
def read(path: Path, package: DataPackage) -> ImportResult:
    wide = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    wide = wide.assign(_line=wide.index + 2)
    years = [c for c in wide.columns if c.isdigit()]
    frame = wide.melt(id_vars=["Country", "Indicator", "_line"], value_vars=years,
                      var_name="year", value_name="VALUE")
    frame = frame[frame["VALUE"].str.strip() != ""].reset_index(drop=True)
    frame["iso3"] = frame["Country"].map(_iso3_by_un_name(package))
    reason = pd.Series("", index=frame.index)
    reason[frame["iso3"].isna()] = "not an OAS member state"
    oas = frame[reason == ""]
    mapped, mapping_reason = apply_mapping(oas, mapping_table("gsh2019"), ["Indicator"])
    reason.update(mapping_reason)
    mapped = mapped[reason[mapped.index] == ""].assign(source=COUNTS_SOURCE)
    tables = {}
    counts = mapped[mapped["table"] == "homicide"].assign(
        victims=lambda f: pd.to_numeric(f["VALUE"]).round().astype("Int64").astype(str))
    counts, duplicate_reason = resolve_duplicates(
        counts, ["iso3", "year", "iccs_code", "sex", "mechanism"], "victims")
    reason.update(duplicate_reason[duplicate_reason != ""])
    tables["homicide"] = finish(counts, "homicide", package)
    rates = mapped[mapped["table"] == "published_indicators"].assign(
        value=lambda f: f["VALUE"],
        source=f"{STUDY}, country data (digital annex; rates rounded to one decimal)")
    tables["published_indicators"] = finish(rates, "published_indicators", package)
    return ImportResult("gsh2019", tables,
                        report("gsh2019", path, frame, ["Country", "Indicator", "year"],
                               "VALUE", reason),
                        citation=COUNTS_SOURCE, edition="Global Study on Homicide 2019")


@source("gsh2019-population", "UNODC Global Study on Homicide 2019 Master Estimates "
                              "(Latin-1) -> population")
def read_population(path: Path, package: DataPackage) -> ImportResult:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252")
    frame = frame.assign(_line=frame.index + 2)
    frame["iso3"] = frame["UNODC_Name"].map(_iso3_by_un_name(package))
    reason = pd.Series("", index=frame.index)
    reason[frame["Level"] != "Country"] = "a regional or world aggregate"
    reason[(frame["Level"] == "Country") & frame["iso3"].isna()] = "not an OAS member state"
    rows = frame[reason == ""].melt(id_vars=["iso3", "Year", "_line"],
                                    value_vars=["Pop", "PopM", "PopF"], var_name="column",
                                    value_name="population")
    rows = rows.assign(year=rows["Year"], sex=rows["column"].map(
        {"Pop": "_T", "PopM": "M", "PopF": "F"}), source=POPULATION_SOURCE)
    rows = rows[rows["population"].str.strip() != ""]
    rows["population"] = pd.to_numeric(rows["population"]).round().astype("Int64").astype(str)
    return ImportResult("gsh2019-population", {"population": finish(rows, "population", package)},
                        report("gsh2019-population", path, frame,
                               ["Level", "UNODC_Name", "Year"], "Pop", reason),
                        citation=POPULATION_SOURCE, edition="Global Study on Homicide 2019")
