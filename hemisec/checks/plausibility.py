"""Plausibility checks: figures that are possible but worth a second look (warnings).

Thresholds are read from the package's thresholds table; a warning never fails a
submission.
"""

from __future__ import annotations

import pandas as pd

from hemisec.denominators import choose_population
from hemisec.findings import (
    concat_findings,
    empty_findings,
    join_columns,
    make_findings,
    register,
)
from hemisec.package import thresholds
from hemisec.read.tables import LoadedTable, line_numbers

#: Thresholds come from the package's thresholds table (why each has its value is there).
_LIMITS = thresholds()
MAX_HOMICIDE_RATE = _LIMITS["max_homicide_rate"]
MAX_YEARLY_CHANGE = _LIMITS["max_yearly_change_pct"] / 100
MIN_COUNT_FOR_CHANGE = int(_LIMITS["min_count_for_change"])
MAX_OCCUPANCY = _LIMITS["max_occupancy_pct"] / 100

HOMICIDE_RATE = register(
    "homicide-rate-implausible", "warning", "plausibility",
    f"Intentional homicide rate above {MAX_HOMICIDE_RATE:g} per 100,000",
    "Check the victim count (unit, double counting) and the country-year's population.")
YEARLY_CHANGE = register(
    "year-on-year-change", "warning", "plausibility",
    f"A count changes by more than {MAX_YEARLY_CHANGE:.0%} from one year to the next",
    f"Confirm the change (counts of at least {MIN_COUNT_FOR_CHANGE}); if definitions or "
    "coverage changed, set obs_status B and explain in the note.")
OCCUPANCY = register(
    "occupancy-implausible", "warning", "plausibility",
    f"Persons held are more than {MAX_OCCUPANCY:.0%} of official capacity",
    "Check persons held and official capacity (same reference date, same facilities).")
PUBLISHED_DIFFERS = register(
    "published-rate-differs", "warning", "plausibility",
    "The homicide rate from the counts and population differs from a published rate",
    "Check the victim count and the population; if both are right, say in the note why the "
    "rate differs from the published one (population source, definition, revision).")
SERIES_GAP = register(
    "series-gap", "warning", "plausibility", "A series stops and restarts",
    "Fill in the missing years if the figures exist; otherwise mark the restart with "
    "obs_status B if the method changed.")


def _homicide_rates(homicide: LoadedTable, population: pd.DataFrame) -> pd.DataFrame:
    """Total intentional homicide victims per country-year with the population and its
    source, the rate per 100,000, and the row (`_index`) of the count in the file."""
    key = ["iso3", "year"]
    typed = homicide.typed
    totals = typed[(typed["iccs_code"] == "0101") & (typed["sex"] == "_T")
                   & (typed["mechanism"] == "_T")].dropna(subset=["victims"])
    # The population the build divides by: one chosen series (hemisec.denominators).
    pop = choose_population(population[population["sex"] == "_T"])
    merged = (totals.assign(_index=totals.index)[[*key, "victims", "_index"]]
              .merge(pop[[*key, "population", "source"]], on=key))
    merged = merged[merged["population"] > 0]
    return merged.assign(rate=merged["victims"] / merged["population"] * 1e5)


def check_homicide_rate(homicide: LoadedTable, population: pd.DataFrame) -> pd.DataFrame:
    merged = _homicide_rates(homicide, population)
    rate = merged["rate"]
    bad = merged[(rate > MAX_HOMICIDE_RATE).fillna(False).astype(bool)]
    if bad.empty:
        return empty_findings()
    bad_rate = rate[bad.index].round(1).astype("string")
    return make_findings(
        HOMICIDE_RATE, resource="homicide", file=homicide.file, row=line_numbers(bad["_index"]),
        field="victims", value=bad["victims"].astype("string"),
        message=bad["victims"].astype("string") + " victims in a population of "
        + bad["population"].astype("string") + " is " + bad_rate + " per 100,000")


def check_year_on_year(loaded: LoadedTable) -> pd.DataFrame:
    """Changes between consecutive years of one series (every key column but year)."""
    spec, typed = loaded.spec, loaded.typed
    value = spec.value_field
    if value is None or "year" not in spec.primary_key:
        return empty_findings()
    series = [k for k in spec.primary_key if k != "year"]
    rows = typed.dropna(subset=[*spec.primary_key, value]).sort_values([*series, "year"])
    grouped = rows.groupby(series, sort=False)
    previous = grouped[value].shift()
    previous_year = grouped["year"].shift()
    consecutive = (rows["year"] - previous_year) == 1
    large = rows[value].where(rows[value] > previous, previous) >= MIN_COUNT_FOR_CHANGE
    change = (rows[value] - previous).abs() / previous.astype("Float64")
    flagged = (consecutive & large & ((change > MAX_YEARLY_CHANGE) | (previous == 0)))
    flagged = flagged.fillna(False).astype(bool)
    if not flagged.any():
        return empty_findings()
    bad, before = rows[flagged], previous[flagged]
    pct = ((bad[value] - before) / before.where(before != 0).astype("Float64") * 100).round(0)
    pct_text = pct.astype("Int64").astype("string")
    described = (pct_text.where(pct < 0, "+" + pct_text) + "%").fillna("from zero")
    return make_findings(
        YEARLY_CHANGE, resource=spec.name, file=loaded.file, row=line_numbers(bad.index),
        field=value, value=bad[value].astype("string"),
        message=bad[value].astype("string") + " in " + bad["year"].astype("string") + " after "
        + before.astype("Int64").astype("string") + " in "
        + previous_year[flagged].astype("Int64").astype("string") + " (" + described + ")")


def check_series_gaps(loaded: LoadedTable) -> pd.DataFrame:
    spec, typed = loaded.spec, loaded.typed
    if "year" not in spec.primary_key:
        return empty_findings()
    series = [k for k in spec.primary_key if k != "year"]
    rows = typed.dropna(subset=list(spec.primary_key)).sort_values([*series, "year"])
    previous_year = rows.groupby(series, sort=False)["year"].shift()
    gap = ((rows["year"] - previous_year) > 1).fillna(False).astype(bool)
    if not gap.any():
        return empty_findings()
    bad = rows[gap]
    before = previous_year[gap].astype("Int64")
    first_missing, last_missing = (before + 1).astype("string"), (bad["year"] - 1).astype("string")
    missing = first_missing.where(first_missing == last_missing, first_missing + "-" + last_missing)
    return make_findings(
        SERIES_GAP, resource=spec.name, file=loaded.file, row=line_numbers(bad.index), field="year",
        value=bad["year"].astype("string"),
        message="no value for " + missing + " between " + before.astype("string")
        + " and " + bad["year"].astype("string") + " in this series ("
        + join_columns(bad[series], " / ") + ")")


def check_occupancy(prison: LoadedTable) -> pd.DataFrame:
    typed = prison.typed.dropna(subset=["value"])
    key = ["iso3", "year"]
    held = typed[(typed["measure"] == "persons_held") & (typed["sex"] == "_T")]
    capacity = typed[(typed["measure"] == "official_capacity") & (typed["sex"] == "_T")]
    merged = (held.assign(_index=held.index)[[*key, "value", "_index"]]
              .merge(capacity[[*key, "value"]].drop_duplicates(key), on=key,
                     suffixes=("", "_capacity")))
    merged = merged[merged["value_capacity"] > 0]
    occupancy = merged["value"] / merged["value_capacity"]
    bad = merged[(occupancy > MAX_OCCUPANCY).fillna(False).astype(bool)]
    if bad.empty:
        return empty_findings()
    return make_findings(
        OCCUPANCY, resource="prison", file=prison.file, row=line_numbers(bad["_index"]),
        field="value", value=bad["value"].astype("string"),
        message=bad["value"].astype("string") + " persons held for "
        + bad["value_capacity"].astype("string") + " places is "
        + (occupancy[bad.index] * 100).round(0).astype("Int64").astype("string")
        + "% occupancy")


def check_published_rate(homicide: LoadedTable, population: pd.DataFrame,
                         published: pd.DataFrame, tolerance_pct: float) -> pd.DataFrame:
    """Compare the homicide rate the counts give with every published homicide rate.

    The tolerance is the catalogue's: population series differ between publishers (UNODC
    uses UN WPP) and published rates are rounded, so a small gap is expected.
    """
    key = ["iso3", "year"]
    rates = _homicide_rates(homicide, population).merge(
        published.loc[published["indicator"] == "homicide_rate", [*key, "value", "source"]]
        .dropna(subset=["value"]), on=key, suffixes=("_population", "_published"))
    rate = rates["rate"]
    difference = (rate - rates["value"]) / rates["value"] * 100
    bad = rates[(difference.abs() > tolerance_pct).fillna(False).astype(bool)]
    if bad.empty:
        return empty_findings()
    return make_findings(
        PUBLISHED_DIFFERS, resource="homicide", file=homicide.file,
        row=line_numbers(bad["_index"]), field="victims", value=bad["victims"].astype("string"),
        message=bad["victims"].astype("string") + " victims per " + bad["population"]
        .astype("string") + " population (" + bad["source_population"] + ") is a rate of "
        + rate[bad.index].round(2).astype("string") + "; " + bad["source_published"]
        + " publishes " + bad["value"].astype("string") + " ("
        + difference[bad.index].round(1).astype("string") + "%, tolerance "
        + f"{tolerance_pct:g}%)")


def check_plausibility(tables: dict[str, LoadedTable], population: pd.DataFrame | None,
                       published: pd.DataFrame | None = None,
                       tolerance_pct: float | None = None) -> pd.DataFrame:
    frames = []
    for loaded in tables.values():
        value = loaded.spec.value_field
        # Counts only: published rates are someone else's series, not the submitter's.
        if value is not None and loaded.spec.field(value).type == "integer":
            frames += [check_year_on_year(loaded), check_series_gaps(loaded)]
    if "homicide" in tables and population is not None:
        frames.append(check_homicide_rate(tables["homicide"], population))
        if published is not None and not published.empty and tolerance_pct is not None:
            frames.append(check_published_rate(tables["homicide"], population, published,
                                               tolerance_pct))
    if "prison" in tables:
        frames.append(check_occupancy(tables["prison"]))
    return concat_findings(frames)
