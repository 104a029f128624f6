"""The population every rate is divided by: one series per country and sex, chosen.

The population table may hold several series for the same country-year (a national
office's own estimates, UN WPP as a study used it, the World Bank's). Rates must not
splice them silently, so the choice is one rule, used by the validator's rate checks and
loaded by the build as the `denominators` table:

- per country and sex, the series (the rows of one `source`) covering the most years is
  chosen; ties go to the series reaching the latest year, then to the source's name;
- a year the chosen series lacks takes the best-ranked series that has it, and the first
  year after a change of series is marked as a break (obs_status B) with a note.
"""

from __future__ import annotations

KEY = ["iso3", "year", "sex"]
COLUMNS = [*KEY, "population", "source", "series_rank", "series_years", "alternatives",
           "is_break", "note", "input_row"]


def choose_population(typed_table: str) -> str:
    """A query of one population per country, year and sex (the columns COLUMNS) from a
    typed population table in the workspace (with its row numbers, `_row`)."""
    complete = " AND ".join(f"{c} IS NOT NULL" for c in [*KEY, "population", "source"])
    return f"""
        WITH rows AS (SELECT iso3, year, sex, population, source, _row AS input_row
                      FROM {typed_table} WHERE {complete}),
        series AS (SELECT iso3, sex, source, count(DISTINCT year) AS series_years,
                          max(year) AS last_year FROM rows GROUP BY ALL),
        ranked AS (SELECT *, row_number() OVER (PARTITION BY iso3, sex ORDER BY
                              series_years DESC, last_year DESC, source) AS series_rank
                   FROM series),
        chosen AS (SELECT r.*, s.series_rank, s.series_years,
                          count(*) OVER (PARTITION BY r.iso3, r.year, r.sex) - 1 AS alternatives
                   FROM rows r JOIN ranked s USING (iso3, sex, source)
                   QUALIFY row_number() OVER (PARTITION BY r.iso3, r.year, r.sex
                                              ORDER BY s.series_rank) = 1),
        marked AS (SELECT *, lag(source) OVER (PARTITION BY iso3, sex ORDER BY year)
                             AS previous FROM chosen)
        SELECT iso3, year, sex, population, source, series_rank, series_years, alternatives,
               coalesce(previous <> source, false) AS is_break,
               CASE WHEN previous <> source THEN 'population series changes here from '
                    || previous || ' to ' || source END AS note, input_row
        FROM marked ORDER BY iso3, year, sex"""
