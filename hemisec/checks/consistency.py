"""Consistency checks: figures that must agree with each other (errors).

Each rule compares rows within a table (parts against their total) or across
tables (a population for every country-year), with pandas group-bys and merges.
A finding points at the row a statistician should look at first: the total.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from hemisec.findings import Check, concat_findings, empty_findings, make_findings, register
from hemisec.package import thresholds
from hemisec.read.tables import LoadedTable, line_numbers


@dataclass(frozen=True)
class PartsRule:
    """Rows whose `dimension` is one of `parts` must not add up to more than the `total` row.

    Where the parts are exhaustive (`differs` is set) and every part is given, they must
    add up to exactly the total. A gap within the source's rounding (the thresholds
    table) is a warning, not an error; so is a shortfall when every part but the
    unknown one (`unknown`) is given, as the unknown cases it implies limit the figures.
    """

    table: str
    dimension: str
    total: str
    parts: tuple[str, ...]
    exceeds: Check
    differs: Check | None = None
    unknown: str | None = None
    #: The thresholds rule giving a tolerance in % of the total (estimates such as
    #: population); counts have an absolute one.
    relative_tolerance: str | None = None


SEX_EXCEEDS = register(
    "sex-parts-exceed-total", "error", "consistency",
    "Male, female and unknown add up to more than the total",
    "Correct the total (sex _T) or the figures by sex so that the parts do not exceed it.")
SEX_DIFFERS = register(
    "sex-parts-differ-from-total", "error", "consistency",
    "Male, female and unknown are all given but do not add up to the total",
    "When male, female and unknown are all given, make them add up to the total (sex _T).")
MECHANISM_EXCEEDS = register(
    "mechanism-parts-exceed-total", "error", "consistency",
    "Victims by mechanism (firearm included) add up to more than all victims",
    "Firearm, other-weapon, without-weapon and unknown victims cannot exceed the victims of "
    "all mechanisms (_T): correct either.")
MECHANISM_DIFFERS = register(
    "mechanism-parts-differ-from-total", "error", "consistency",
    "Every mechanism is given but they do not add up to all victims",
    "When all four mechanisms are given, make them add up to the victims of all mechanisms "
    "(_T), putting victims of unrecorded mechanism under _U.")
MARKING_EXCEEDS = register(
    "marking-parts-exceed-total", "error", "consistency",
    "Firearms by marking status add up to more than all firearms",
    "Correct the total (marking_status _T) or the counts by marking status.")
MARKING_DIFFERS = register(
    "marking-parts-differ-from-total", "error", "consistency",
    "Every marking status is given but they do not add up to the total",
    "When all four marking statuses are given, make them add up to the total (_T).")
PRISON_STATUS_EXCEEDS = register(
    "prison-status-exceeds-held", "error", "consistency",
    "Unsentenced plus sentenced persons are more than all persons held",
    "Persons held unsentenced and sentenced cannot exceed persons held: check the reference "
    "dates and definitions of the three figures.")
WITHIN_ROUNDING = register(
    "parts-within-rounding", "warning", "consistency",
    "The parts miss the total by no more than the source's rounding",
    "Nothing to correct if the source rounds its figures (population in thousands, counts "
    "derived from rates); otherwise make the parts add up to the total.")
SHORT_OF_TOTAL = register(
    "parts-short-of-total", "warning", "consistency",
    "The parts add up to less than the total and no unknown category is given",
    "Give the rest under the unknown category (_U), so that the parts add up to the total; "
    "the indicators by this breakdown leave the gap out and say so in their note.")
POPULATION_MISSING = register(
    "population-missing", "error", "consistency",
    "A country-year has observations but no population",
    "Add the country-year's total population (sex _T) to the population table, "
    "or submit the population table with your data.")

PARTS_RULES = (
    PartsRule("population", "sex", "_T", ("M", "F", "_U"), SEX_EXCEEDS, SEX_DIFFERS, "_U",
              "population_parts_tolerance_pct"),
    *(PartsRule(t, "sex", "_T", ("M", "F", "_U"), SEX_EXCEEDS, SEX_DIFFERS, "_U")
      for t in ("homicide", "prison")),
    PartsRule("homicide", "mechanism", "_T", ("firearm", "other_weapon", "without_weapon", "_U"),
              MECHANISM_EXCEEDS, MECHANISM_DIFFERS, "_U"),
    PartsRule("firearms", "marking_status", "_T",
              ("uniquely_marked", "altered_marking", "no_marking", "_U"),
              MARKING_EXCEEDS, MARKING_DIFFERS, "_U"),
    PartsRule("prison", "measure", "persons_held", ("unsentenced", "sentenced"),
              PRISON_STATUS_EXCEEDS),
)

#: Tables whose every country-year needs a population (the denominators of their rates).
NEEDS_POPULATION = ("homicide", "prison")


def check_parts(loaded: LoadedTable, rule: PartsRule) -> pd.DataFrame:
    spec, typed = loaded.spec, loaded.typed
    value = spec.value_field
    if value is None or rule.dimension not in spec.primary_key:
        return empty_findings()
    # A dimension's value can never itself be the total of another dimension's parts, so
    # the group is every other key column.
    group = [k for k in spec.primary_key if k != rule.dimension]
    rows = typed.dropna(subset=[*spec.primary_key, value])
    totals = rows[rows[rule.dimension] == rule.total][[*group, value]]
    totals = totals.assign(_index=totals.index)
    parts = (rows[rows[rule.dimension].isin(rule.parts)]
             .pivot_table(index=group, columns=rule.dimension, values=value, aggfunc="sum",
                          observed=True)
             .reindex(columns=list(rule.parts)))
    if parts.empty or totals.empty:
        return empty_findings()
    merged = totals.merge(parts, left_on=group, right_index=True, how="inner")
    part_values = merged[list(rule.parts)]
    given = part_values.notna()
    parts_sum = part_values.sum(axis=1, min_count=1)
    total = merged[value]
    tolerance = _tolerance(rule, total, part_values)
    gap = (parts_sum - total).astype("Float64")
    exceeds = (gap > tolerance).fillna(False).astype(bool)
    differs = (given.all(axis=1) & (gap < -tolerance)).fillna(False).astype(bool)
    exhaustive = rule.differs is not None
    short = pd.Series(False, index=merged.index)
    if rule.unknown is not None and exhaustive and rule.relative_tolerance is None:
        # A count's shortfall with no unknown given is cases of unknown category, whatever
        # its size: the indicators by this breakdown need their number.
        known = [p for p in rule.parts if p != rule.unknown]
        short = (given[known].all(axis=1) & ~given[rule.unknown]
                 & (gap < 0)).fillna(False).astype(bool)
    within = ((gap != 0) & (gap.abs() <= tolerance)).fillna(False).astype(bool) & ~short & (
        (gap > 0).fillna(False) | (exhaustive & (given.all(axis=1)
                                                 | (rule.relative_tolerance is not None))))

    def describe(mask: pd.Series) -> pd.Series:
        shown = part_values[mask]
        joined = pd.Series("", index=shown.index, dtype="string")
        for col in rule.parts:  # a handful of columns, never the rows
            joined += (col + " " + shown[col].astype("string") + " + ").fillna("")
        return (joined.str.removesuffix(" + ") + " = "
                + parts_sum[mask].astype("Int64").astype("string")
                + f", total ({rule.dimension} {rule.total}) is "
                + total[mask].astype("string"))

    frames = []
    for check, mask in ((rule.exceeds, exceeds), (rule.differs, differs),
                        (WITHIN_ROUNDING, within), (SHORT_OF_TOTAL, short)):
        if check is None or not mask.any():
            continue
        frames.append(make_findings(
            check, resource=spec.name, file=loaded.file,
            row=line_numbers(merged.loc[mask, "_index"]), field=value,
            value=total[mask].astype("string"), message=describe(mask) + (
                _tolerance_text(tolerance[mask]) if check is WITHIN_ROUNDING else
                _implied_text(-gap[mask], rule) if check is SHORT_OF_TOTAL else "")))
    return concat_findings(frames)


def _tolerance_text(tolerance: pd.Series) -> pd.Series:
    return ", within the source's rounding (tolerance " + tolerance.round(0).astype(
        "Int64").astype("string") + ")"


def _implied_text(shortfall: pd.Series, rule: PartsRule) -> pd.Series:
    return ("; " + shortfall.astype("Int64").astype("string")
            + f" are implied to have {rule.dimension} {rule.unknown} (unknown)")


def _tolerance(rule: PartsRule, total: pd.Series, parts: pd.DataFrame) -> pd.Series:
    """How far the parts may miss the total before it is an error, row by row: the
    thresholds table's tolerance for counts (or, for estimates, its share of the total),
    and at least its rounding allowance where every figure is a multiple of 1,000."""
    limits = thresholds()
    if rule.relative_tolerance:
        tolerance = total.astype("Float64") * limits[rule.relative_tolerance] / 100
    else:
        tolerance = (total.astype("Float64") * limits["count_parts_tolerance_pct"] / 100).clip(
            upper=limits["count_parts_tolerance"])
    unit = limits["rounded_figure_tolerance"]
    thousands = ((total % 1000 == 0) & (parts.isna() | (parts % 1000 == 0)).all(axis=1)
                 & (total > 0)).fillna(False).astype(bool)
    return tolerance.where(~thousands, tolerance.clip(lower=unit))


def check_population_coverage(loaded: LoadedTable, population: pd.DataFrame,
                              population_origin: str) -> pd.DataFrame:
    """Every country-year of `loaded` must have a total population."""
    typed = loaded.typed.dropna(subset=["iso3", "year"])
    if typed.empty:
        return empty_findings()
    covered = population.loc[population["sex"] == "_T", ["iso3", "year"]].drop_duplicates()
    first_rows = (typed.assign(_index=typed.index)
                  .groupby(["iso3", "year"], as_index=False)["_index"].min())
    missing = first_rows.merge(covered, on=["iso3", "year"], how="left", indicator=True)
    missing = missing[missing["_merge"] == "left_only"]
    if missing.empty:
        return empty_findings()
    return make_findings(
        POPULATION_MISSING, resource=loaded.spec.name, file=loaded.file,
        row=line_numbers(missing["_index"]), field="iso3, year",
        value=missing["iso3"].astype("string") + " / " + missing["year"].astype("string"),
        message="no total population for " + missing["iso3"].astype("string") + " "
        + missing["year"].astype("string") + f" in {population_origin}")


def check_consistency(tables: dict[str, LoadedTable], population: pd.DataFrame | None,
                      population_origin: str) -> pd.DataFrame:
    frames = [check_parts(tables[rule.table], rule) for rule in PARTS_RULES
              if rule.table in tables]
    if population is not None:
        frames += [check_population_coverage(tables[name], population, population_origin)
                   for name in NEEDS_POPULATION if name in tables]
    return concat_findings(frames)
