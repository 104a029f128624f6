"""Consistency checks: figures that must agree with each other (errors).

Each rule compares rows within a table (parts against their total) or across
tables (a population for every country-year): one query each over the typed tables of
the workspace, returning only the rows that break it.
A finding points at the row a statistician should look at first: the total.
"""

from __future__ import annotations

from dataclasses import dataclass

from hemisec.findings import Check, FindingsTable, register
from hemisec.package import thresholds
from hemisec.read.tables import ROW, LoadedTable
from hemisec.sql import as_text, quote_identifier, quote_literal
from hemisec.translate import say_sql


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
    "Correct the total (sex _T) or the figures by sex so that the parts do not exceed it.", level=1)
SEX_DIFFERS = register(
    "sex-parts-differ-from-total", "error", "consistency",
    "Male, female and unknown are all given but do not add up to the total",
    "When male, female and unknown are all given, make them add up to the total (sex _T).", level=1)
MECHANISM_EXCEEDS = register(
    "mechanism-parts-exceed-total", "error", "consistency",
    "Victims by mechanism (firearm included) add up to more than all victims",
    "Firearm, other-weapon, without-weapon and unknown victims cannot exceed the victims of "
    "all mechanisms (_T): correct either.", level=1)
MECHANISM_DIFFERS = register(
    "mechanism-parts-differ-from-total", "error", "consistency",
    "Every mechanism is given but they do not add up to all victims",
    "When all four mechanisms are given, make them add up to the victims of all mechanisms "
    "(_T), putting victims of unrecorded mechanism under _U.", level=1)
MARKING_EXCEEDS = register(
    "marking-parts-exceed-total", "error", "consistency",
    "Firearms by marking status add up to more than all firearms",
    "Correct the total (marking_status _T) or the counts by marking status.", level=1)
MARKING_DIFFERS = register(
    "marking-parts-differ-from-total", "error", "consistency",
    "Every marking status is given but they do not add up to the total",
    "When all four marking statuses are given, make them add up to the total (_T).", level=1)
PRISON_STATUS_EXCEEDS = register(
    "prison-status-exceeds-held", "error", "consistency",
    "Unsentenced plus sentenced persons are more than all persons held",
    "Persons held unsentenced and sentenced cannot exceed persons held: check the reference "
    "dates and definitions of the three figures.", level=1)
WITHIN_ROUNDING = register(
    "parts-within-rounding", "warning", "consistency",
    "The parts miss the total by no more than the source's rounding",
    "Nothing to correct if the source rounds its figures (population in thousands, counts "
    "derived from rates); otherwise make the parts add up to the total.", level=1)
SHORT_OF_TOTAL = register(
    "parts-short-of-total", "warning", "consistency",
    "The parts add up to less than the total and no unknown category is given",
    "Give the rest under the unknown category (_U), so that the parts add up to the total; "
    "the indicators by this breakdown leave the gap out and say so in their note.", level=1)
POPULATION_MISSING = register(
    "population-missing", "error", "consistency",
    "A country-year has observations but no population",
    "Add the country-year's total population (sex _T) to the population table, "
    "or submit the population table with your data.", level=2)

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


def check_parts(table: LoadedTable, rule: PartsRule, findings: FindingsTable) -> None:
    spec = table.spec
    value = spec.value_field
    if value is None or rule.dimension not in spec.primary_key:
        return
    # A dimension's value can never itself be the total of another dimension's parts, so
    # the group is every other key column.
    group = [quote_identifier(k) for k in spec.primary_key if k != rule.dimension]
    dimension, amount = quote_identifier(rule.dimension), quote_identifier(value)
    complete = " AND ".join(f"{quote_identifier(k)} IS NOT NULL"
                            for k in [*spec.primary_key, value])
    parts = [quote_identifier(f"part {p}") for p in rule.parts]
    pivot = ", ".join(f"sum({amount}) FILTER (WHERE {dimension} = {quote_literal(p)}) AS {c}"
                      for p, c in zip(rule.parts, parts, strict=True))
    limits = thresholds()
    if rule.relative_tolerance:
        tolerance = f"total * {limits[rule.relative_tolerance]!r} / 100"
    else:
        tolerance = (f"least(total * {limits['count_parts_tolerance_pct']!r} / 100, "
                     f"{limits['count_parts_tolerance']!r})")
    thousands = " AND ".join(["total % 1000 = 0", "total > 0",
                              *(f"coalesce({c} % 1000 = 0, true)" for c in parts)])
    given_all = " AND ".join(f"{c} IS NOT NULL" for c in parts)
    parts_sum = (f"CASE WHEN {' OR '.join(f'{c} IS NOT NULL' for c in parts)} THEN "
                 + " + ".join(f"coalesce({c}, 0)" for c in parts) + " END")
    exhaustive = rule.differs is not None
    if rule.unknown is not None and exhaustive and rule.relative_tolerance is None:
        # A count's shortfall with no unknown given is cases of unknown category, whatever
        # its size: the indicators by this breakdown need their number.
        known = " AND ".join(f"{quote_identifier('part ' + p)} IS NOT NULL"
                             for p in rule.parts if p != rule.unknown)
        short = (f"{known} AND {quote_identifier('part ' + rule.unknown)} IS NULL "
                 "AND gap < 0")
    else:
        short = "false"
    within_side = ("gap > 0" if not exhaustive else
                   "true" if rule.relative_tolerance is not None else
                   f"(gap > 0 OR {given_all})")
    candidates = f"""
        WITH rows AS (SELECT * FROM {table.typed_table} WHERE {complete}),
        totals AS (SELECT {ROW}, {', '.join(group)}, {amount} AS total FROM rows
                   WHERE {dimension} = {quote_literal(rule.total)}),
        parts AS (SELECT {', '.join(group)}, {pivot} FROM rows
                  WHERE {dimension} IN ({', '.join(map(quote_literal, rule.parts))})
                  GROUP BY ALL),
        merged AS (SELECT totals.{ROW}, total, {', '.join(parts)}, {parts_sum} AS parts_sum,
                          CASE WHEN {thousands} THEN greatest({tolerance},
                               {limits['rounded_figure_tolerance']!r})
                               ELSE {tolerance} END AS tolerance
                   FROM totals JOIN parts USING ({', '.join(group)})),
        gaps AS (SELECT *, parts_sum - total AS gap FROM merged)
        SELECT *, coalesce(gap > tolerance, false) AS exceeds,
               coalesce({given_all} AND gap < -tolerance, false) AS differs,
               coalesce({short}, false) AS short
        FROM gaps"""
    listed = ("rtrim(" + " || ".join(
        f"coalesce({quote_literal(p + ' ')} || {as_text(c)} || ' + ', '')"
        for p, c in zip(rule.parts, parts, strict=True)) + ", ' + ')")
    described = say_sql("{parts} = {sum}, total ({dimension} {total}) is {value}",
                        parts=listed, sum=as_text("parts_sum"),
                        dimension=quote_literal(rule.dimension),
                        total=quote_literal(rule.total), value=as_text("total"))
    # rtrim removes characters, not a suffix: the joined parts end in "+ " only once,
    # and no part's text ends in "+" or " ", so it removes exactly the last " + ".
    within = (f"coalesce(gap <> 0 AND abs(gap) <= tolerance AND NOT short "
              f"AND {within_side}, false)")
    # Worded once per candidate row, in the rows the four cases share.
    cases = [
        (rule.exceeds, "exceeds", "described"),
        (rule.differs, "differs", "described"),
        (WITHIN_ROUNDING, within, "described || " + say_sql(
            ", within the source's rounding (tolerance {tolerance})",
            tolerance="CAST(CAST(round_even(tolerance, 0) AS BIGINT) AS VARCHAR)")),
        (SHORT_OF_TOTAL, "short", "described || " + say_sql(
            "; {gap} are implied to have {dimension} {unknown} (unknown)",
            gap="CAST(-gap AS VARCHAR)", dimension=quote_literal(rule.dimension),
            unknown=quote_literal(str(rule.unknown)))),
    ]
    name = table.workspace.name("parts")
    findings.add_queries(spec.name, table.file, [
        (check, f"SELECT {ROW} AS row, {quote_literal(value)} AS field, "
                f"{as_text('total')} AS value, {message} AS message "
                f"FROM {name} WHERE {condition}", 0)
        for check, condition, message in cases if check is not None],
        common=f"{name} AS MATERIALIZED (SELECT *, {described} AS described FROM ("
               f"{candidates} WHERE exceeds OR differs OR short OR gap <> 0))")


def check_population_coverage(table: LoadedTable, population: str, population_origin: str,
                              findings: FindingsTable) -> None:
    """Every country-year of `table` must have a total population (in workspace table
    `population`)."""
    findings.add_query(
        POPULATION_MISSING, table.spec.name, table.file,
        f"""SELECT first AS row, 'iso3, year' AS field,
                   iso3 || ' / ' || CAST(year AS VARCHAR) AS value,
                   {say_sql("no total population for {iso3} {year} in {origin}",
                            iso3="iso3", year="CAST(year AS VARCHAR)",
                            origin=quote_literal(population_origin))} AS message
            FROM (SELECT iso3, year, min({ROW}) AS first FROM {table.typed_table}
                  WHERE iso3 IS NOT NULL AND year IS NOT NULL GROUP BY iso3, year) observed
            WHERE NOT EXISTS (SELECT 1 FROM {population} p WHERE p.sex = '_T'
                              AND p.iso3 = observed.iso3 AND p.year = observed.year)""")


def check_consistency(tables: dict[str, LoadedTable], population: str | None,
                      population_origin: str, findings: FindingsTable) -> None:
    for rule in PARTS_RULES:
        if rule.table in tables:
            check_parts(tables[rule.table], rule, findings)
    if population is not None:
        for name in NEEDS_POPULATION:
            if name in tables:
                check_population_coverage(tables[name], population, population_origin,
                                          findings)
