"""World Bank files: total population, and UNODC's homicide rates as the WDI republishes them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from hemisec.importers import ImportResult, finish, keep_oas, report, resolve_duplicates, source
from hemisec.package import DataPackage

POPULATION_SOURCE = ("World Bank, World Development Indicators SP.POP.TOTL (Frictionless core "
                     "datasets, datasets/population)")
HOMICIDE_RATE_SOURCE = "UNODC, as republished by the World Bank (WDI VC.IHR.PSRC.P5)"
WPB_SOURCE = ("World Prison Brief (ICPR), series compiled by Steckermeier (prisonstudies.org, "
              "August 2022)")


def _read(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return frame.assign(_line=frame.index + 2)


def _import(path: Path, package: DataPackage, name: str, table: str, iso3: str, year: str,
            value: str, rows_of: Callable[[pd.DataFrame], pd.DataFrame],
            key: list[str], citation: str, release_date: str = "") -> ImportResult:
    frame = _read(path)
    reason = pd.Series("", index=frame.index)
    reason[~keep_oas(frame, package, iso3)] = "not an OAS member state (or an aggregate)"
    reason[(frame[value].str.strip() == "") & (reason == "")] = "no value"
    rows = rows_of(frame[reason == ""])
    rows, duplicate_reason = resolve_duplicates(rows, key, "_value")
    reason.update(duplicate_reason[duplicate_reason != ""])
    return ImportResult(name, {table: finish(rows, table, package)},
                        report(name, path, frame, [iso3, year], value, reason),
                        citation=citation, release_date=release_date)


def _descriptor_date(path: Path) -> str:
    """The `last_updated` of the Data Package descriptor published beside the file."""
    import json

    descriptor = path.with_name(path.stem + ".datapackage.json")
    try:
        return str(json.loads(descriptor.read_text(encoding="utf-8")).get("last_updated", ""))
    except (OSError, ValueError):
        return ""


@source("wb-population", "World Bank total population (SP.POP.TOTL) CSV -> population")
def read_population(path: Path, package: DataPackage) -> ImportResult:
    def rows_of(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(iso3=frame["Country Code"], year=frame["Year"], sex="_T",
                            population=frame["Value"], _value=frame["Value"],
                            source=POPULATION_SOURCE)
    return _import(path, package, "wb-population", "population", "Country Code", "Year", "Value",
                   rows_of, ["iso3", "year", "sex", "source"], POPULATION_SOURCE,
                   _descriptor_date(path))


@source("wb-homicide-rate",
        "Intentional homicide rate (UNODC, World Bank WDI VC.IHR.PSRC.P5) -> published_indicators")
def read_homicide_rate(path: Path, package: DataPackage) -> ImportResult:
    def rows_of(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(indicator="homicide_rate", value=frame["rate_per_100k"],
                            _value=frame["rate_per_100k"], source=HOMICIDE_RATE_SOURCE)
    return _import(path, package, "wb-homicide-rate", "published_indicators", "iso3", "year",
                   "rate_per_100k", rows_of, ["iso3", "year", "indicator", "source"],
                   HOMICIDE_RATE_SOURCE)


@source("wpb-series", "World Prison Brief prison population rate series (Steckermeier 2022, "
                      "';'-separated) -> published_indicators")
def read_wpb_series(path: Path, package: DataPackage) -> ImportResult:
    frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame = frame.assign(_line=frame.index + 2)
    reason = pd.Series("", index=frame.index)
    reason[~keep_oas(frame, package, "countrycode")] = "not an OAS member state"
    reason[(frame["prisonrate"].str.strip() == "") & (reason == "")] = "no value"
    year = package.tables["published_indicators"].field("year")
    years = pd.to_numeric(frame["year"], errors="coerce")
    reason[~years.between(year.minimum, year.maximum) & (reason == "")] = (
        f"year outside the package's range ({year.minimum:g}-{year.maximum:g})")
    rows = frame[reason == ""]
    flags = rows["prisoncomment"].str.strip()
    flagged = flags.ne(".") & flags.ne("")
    rows = rows.assign(iso3=rows["countrycode"], indicator="prison_rate",
                       value=rows["prisonrate"], _value=rows["prisonrate"],
                       note=("World Prison Brief flag: " + flags).where(flagged, ""),
                       source=WPB_SOURCE)
    rows, duplicate_reason = resolve_duplicates(rows, ["iso3", "year", "indicator", "source"],
                                                "_value")
    reason.update(duplicate_reason[duplicate_reason != ""])
    return ImportResult("wpb-series", {"published_indicators": finish(
        rows, "published_indicators", package)},
        report("wpb-series", path, frame, ["countrycode", "year"], "prisonrate", reason),
        citation=WPB_SOURCE, edition="collected from prisonstudies.org 15-17 August 2022")
