"""Plausibility checks: figures that are possible but worth a second look (warnings).

Thresholds are read from the package's thresholds table; a warning never fails a
submission. Each check is a query over the workspace's typed tables.
"""

from __future__ import annotations

from hemisec.checks.series_order import in_series_order, same_series
from hemisec.findings import FindingsTable, register
from hemisec.package import thresholds
from hemisec.read.tables import ROW, LoadedTable
from hemisec.sql import as_text, quote_identifier, quote_literal
from hemisec.translate import say_decimal, say_decimal_sql, say_sql

#: Thresholds come from the package's thresholds table (why each has its value is there).
_LIMITS = thresholds()
MAX_HOMICIDE_RATE = _LIMITS["max_homicide_rate"]
MAX_YEARLY_CHANGE = _LIMITS["max_yearly_change_pct"] / 100
MIN_COUNT_FOR_CHANGE = int(_LIMITS["min_count_for_change"])
MAX_OCCUPANCY = _LIMITS["max_occupancy_pct"] / 100

HOMICIDE_RATE = register(
    "homicide-rate-implausible", "warning", "plausibility",
    "Intentional homicide rate above {rate} per 100,000",
    "Check the victim count (unit, double counting) and the country-year's population.", level=2,
    values={"rate": f"{MAX_HOMICIDE_RATE:g}"})
YEARLY_CHANGE = register(
    "year-on-year-change", "warning", "plausibility",
    "A count changes by more than {change} from one year to the next",
    "Confirm the change (counts of at least {count}); if definitions or coverage changed, set "
    "obs_status B and explain in the note.", level=1,
    values={"change": f"{MAX_YEARLY_CHANGE:.0%}", "count": str(MIN_COUNT_FOR_CHANGE)})
OCCUPANCY = register(
    "occupancy-implausible", "warning", "plausibility",
    "Persons held are more than {occupancy} of official capacity",
    "Check persons held and official capacity (same reference date, same facilities).", level=1,
    values={"occupancy": f"{MAX_OCCUPANCY:.0%}"})
PUBLISHED_DIFFERS = register(
    "published-rate-differs", "warning", "plausibility",
    "The homicide rate from the counts and population differs from a published rate",
    "Check the victim count and the population; if both are right, say in the note why the "
    "rate differs from the published one (population source, definition, revision).", level=4)
SERIES_GAP = register(
    "series-gap", "warning", "plausibility", "A series stops and restarts",
    "Fill in the missing years if the figures exist; otherwise mark the restart with "
    "obs_status B if the method changed.", level=1)


def _homicide_rates(homicide: LoadedTable, population: str) -> str:
    """Total intentional homicide victims per country-year with the population and its
    source, the rate per 100,000, and the row of the count in the file. `population` is
    the workspace table of the population the build divides by (one chosen series,
    hemisec.denominators)."""
    return f"""
        SELECT h.{ROW}, h.iso3, h.year, h.victims, p.population, p.source,
               h.victims / p.population * 1e5 AS rate
        FROM {homicide.typed_table} h JOIN {population} p USING (iso3, year)
        WHERE h.iccs_code = '0101' AND h.sex = '_T' AND h.mechanism = '_T'
          AND h.victims IS NOT NULL AND p.population > 0"""


def check_homicide_rate(homicide: LoadedTable, population: str,
                        findings: FindingsTable) -> None:
    findings.add_query(
        HOMICIDE_RATE, "homicide", homicide.file,
        f"""SELECT {ROW} AS row, 'victims' AS field, {as_text('victims')} AS value,
                   {say_sql("{victims} victims in a population of {population} is {rate} "
                            "per 100,000", victims=as_text('victims'),
                            population=as_text('population'),
                            rate=say_decimal_sql('round_even(rate, 1)'))} AS message
            FROM ({_homicide_rates(homicide, population)}) WHERE rate > {MAX_HOMICIDE_RATE!r}
            ORDER BY iso3, year""")


#: A change worth a look between a year's figure (`now`) and the previous year's
#: (`before`, in `before_year`).
CHANGED = (f"now IS NOT NULL AND year - before_year = 1 AND greatest(now, before) >= "
           f"{MIN_COUNT_FOR_CHANGE} AND (before = 0 OR abs(now - before) / before > "
           f"{MAX_YEARLY_CHANGE!r})")


def series_findings(table: LoadedTable, findings: FindingsTable, candidates: str, *,
                    changed: str, gapped: str, held_origin: str | None = None) -> None:
    """The year-on-year and gap findings of the candidate rows the query `candidates`
    returns (`_row`, `year`, `now`, `before`, `before_year`, `gap_from`, `series_text`):
    those where `changed` and `gapped` hold. With `held_origin`, the previous year is a
    held figure, and the message says where it is held."""
    spec = table.spec
    name = table.workspace.name("series")
    pct = "round_even((now - before) / before * 100, 0)"
    described = (f"CASE WHEN before = 0 THEN {say_sql('from zero')} WHEN {pct} < 0 THEN "
                 f"{as_text(f'CAST({pct} AS BIGINT)')} || '%' ELSE '+' || "
                 f"{as_text(f'CAST({pct} AS BIGINT)')} || '%' END")
    values = {"now": as_text("now"), "year": as_text("year"), "before": as_text("before"),
              "before_year": as_text("before_year"), "change": described,
              "origin": quote_literal(held_origin or "")}
    change = (say_sql("{now} in {year} after {before} in {before_year} held in {origin} "
                      "({change})", **values) if held_origin else
              say_sql("{now} in {year} after {before} in {before_year} ({change})", **values))
    changes = f"""SELECT {ROW} AS row, {quote_literal(spec.value_field)} AS field,
                         {as_text('now')} AS value, {change} AS message
                  FROM {name} WHERE {changed}"""
    missing = ("CASE WHEN gap_from + 1 = year - 1 THEN " + as_text("gap_from + 1")
               + " ELSE " + as_text("gap_from + 1") + " || '-' || " + as_text("year - 1")
               + " END")
    values = {"missing": missing, "start": as_text("gap_from"), "year": as_text("year"),
              "series": "series_text", "origin": quote_literal(held_origin or "")}
    gap = (say_sql("no value for {missing} between {start} held in {origin} and {year} in "
                   "this series ({series})", **values) if held_origin else
           say_sql("no value for {missing} between {start} and {year} in this series "
                   "({series})", **values))
    gaps = f"""SELECT {ROW} AS row, 'year' AS field, {as_text('year')} AS value,
                      {gap} AS message
               FROM {name} WHERE {gapped}"""
    findings.add_queries(spec.name, table.file, [(YEARLY_CHANGE, changes, 0),
                                                 (SERIES_GAP, gaps, 0)],
                         common=f"{name} AS MATERIALIZED ({candidates})")


def series_text(key: list[str]) -> str:
    """A series named by its key columns but year, e.g. COL / 0101 / _T / _T."""
    return " || ' / ' || ".join(as_text(quote_identifier(k)) for k in key if k != "year")


def check_series(table: LoadedTable, findings: FindingsTable) -> None:
    """Changes between consecutive years of one series (every key column but year), and
    series that stop and restart: one pass over the table, ordered by series and year.
    A change is between the figures given (a year whose figure is missing or set aside
    is skipped), a gap between the years given."""
    spec = table.spec
    if spec.value_field is None or "year" not in spec.primary_key:
        return
    keys = [quote_identifier(k) for k in spec.primary_key if k != "year"]
    amount = quote_identifier(spec.value_field)
    steps = (_steps_in_file_order(table, keys, amount) if in_series_order(table)
             else _steps_by_series(table, keys, amount))
    candidates = f"""
        SELECT *, {CHANGED} AS changed, {series_text(list(spec.primary_key))} AS series_text
        FROM ({steps}) WHERE year - gap_from > 1 OR ({CHANGED})"""
    series_findings(table, findings, candidates, changed="changed",
                    gapped="year - gap_from > 1")


def _steps_by_series(table: LoadedTable, keys: list[str], amount: str) -> str:
    """Each row with the year before it in its series (`gap_from`) and the last figure
    given before it (`before`, `before_year`): the table sorted by series and year."""
    complete = " AND ".join(f"{k} IS NOT NULL" for k in [*keys, "year"])
    return f"""
        SELECT {ROW}, year, {', '.join(keys)}, {amount} AS now,
               lag(year) OVER series AS gap_from,
               lag({amount} IGNORE NULLS) OVER series AS before,
               lag(CASE WHEN {amount} IS NOT NULL THEN year END IGNORE NULLS)
                   OVER series AS before_year
        FROM {table.typed_table} WHERE {complete}
        WINDOW series AS (PARTITION BY {', '.join(keys)} ORDER BY year)"""


def _steps_in_file_order(table: LoadedTable, keys: list[str], amount: str) -> str:
    """The same steps from a table in series order, read in file order: the row before
    is the year before. Where the row before has no figure, `before` is left empty
    although an earlier figure exists: a change is only reported from the year just
    before (year - before_year = 1), which that earlier figure cannot be, and no message
    of a row that is not a change quotes it."""
    return f"""
        SELECT {ROW}, year, {', '.join(keys)}, now,
               CASE WHEN same THEN prior_year END AS gap_from,
               CASE WHEN same THEN prior END AS before,
               CASE WHEN same AND prior IS NOT NULL THEN prior_year END AS before_year
        FROM (SELECT {ROW}, year, {', '.join(keys)}, {amount} AS now,
                     lag(year) OVER () AS prior_year, lag({amount}) OVER () AS prior,
                     {same_series(keys)} AS same
              FROM {table.typed_table})"""


def check_occupancy(prison: LoadedTable, findings: FindingsTable) -> None:
    occupancy = "held.value / capacity.value"
    findings.add_query(
        OCCUPANCY, "prison", prison.file,
        f"""SELECT held.{ROW} AS row, 'value' AS field, {as_text('held.value')} AS value,
                   {say_sql("{held} persons held for {places} places is {occupancy}% "
                            "occupancy", held=as_text('held.value'),
                            places=as_text('capacity.value'),
                            occupancy=as_text(f'CAST(round_even({occupancy} * 100, 0) '
                                              'AS BIGINT)'))} AS message
            FROM {prison.typed_table} held
            JOIN (SELECT DISTINCT ON (iso3, year) iso3, year, value
                  FROM {prison.typed_table}
                  WHERE measure = 'official_capacity' AND sex = '_T' AND value IS NOT NULL
                  ORDER BY iso3, year, {ROW}) capacity USING (iso3, year)
            WHERE held.measure = 'persons_held' AND held.sex = '_T'
              AND held.value IS NOT NULL AND capacity.value > 0
              AND {occupancy} > {MAX_OCCUPANCY!r}""")


def check_published_rate(homicide: LoadedTable, population: str, published: str,
                         tolerance_pct: float, findings: FindingsTable) -> None:
    """Compare the homicide rate the counts give with every published homicide rate
    (workspace table `published`).

    The tolerance is the catalogue's: population series differ between publishers (UNODC
    uses UN WPP) and published rates are rounded, so a small gap is expected.
    """
    difference = "(rate - published.value) / published.value * 100"
    findings.add_query(
        PUBLISHED_DIFFERS, "homicide", homicide.file,
        f"""SELECT rates.{ROW} AS row, 'victims' AS field, {as_text('victims')} AS value,
                   {say_sql("{victims} victims per {population} population ({source}) is a "
                            "rate of {rate}; {publisher} publishes {published} ({difference}%, "
                            "tolerance {tolerance}%)", victims=as_text('victims'),
                            population=as_text('population'), source="rates.source",
                            rate=say_decimal_sql('round_even(rate, 2)'),
                            publisher="published.source",
                            published=say_decimal_sql('published.value'),
                            difference=say_decimal_sql(f'round_even({difference}, 1)'),
                            tolerance=quote_literal(say_decimal(tolerance_pct)))} AS message
            FROM ({_homicide_rates(homicide, population)}) rates
            JOIN {published} published USING (iso3, year)
            WHERE published.indicator = 'homicide_rate' AND published.value IS NOT NULL
              AND abs({difference}) > {tolerance_pct!r}
            ORDER BY rates.iso3, rates.year, published.{ROW}""")


def check_plausibility(tables: dict[str, LoadedTable], population: str | None,
                       findings: FindingsTable, published: str | None = None,
                       tolerance_pct: float | None = None) -> None:
    for table in tables.values():
        value = table.spec.value_field
        # Counts only: published rates are someone else's series, not the submitter's.
        if value is not None and table.spec.field(value).type == "integer":
            check_series(table, findings)
    if "homicide" in tables and population is not None:
        check_homicide_rate(tables["homicide"], population, findings)
        if published is not None and tolerance_pct is not None:
            check_published_rate(tables["homicide"], population, published, tolerance_pct,
                                 findings)
    if "prison" in tables:
        check_occupancy(tables["prison"], findings)
