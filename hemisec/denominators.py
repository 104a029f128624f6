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

import pandas as pd

KEY = ["iso3", "year", "sex"]
COLUMNS = [*KEY, "population", "source", "series_rank", "series_years", "alternatives",
           "is_break", "note", "input_row"]


def choose_population(population: pd.DataFrame) -> pd.DataFrame:
    """One population per country, year and sex from a typed population table."""
    rows = population.dropna(subset=[*KEY, "population", "source"])
    if "input_row" not in rows:
        rows = rows.assign(input_row=rows.index)
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    series = (rows.groupby(["iso3", "sex", "source"], as_index=False)
              .agg(series_years=("year", "nunique"), last_year=("year", "max")))
    series = series.sort_values(["iso3", "sex", "series_years", "last_year", "source"],
                                ascending=[True, True, False, False, True], kind="stable")
    series["series_rank"] = series.groupby(["iso3", "sex"]).cumcount() + 1
    ranked = rows.merge(series[["iso3", "sex", "source", "series_rank", "series_years"]],
                        on=["iso3", "sex", "source"])
    alternatives = ranked.groupby(KEY)["source"].transform("size") - 1
    ranked = ranked.assign(alternatives=alternatives).sort_values([*KEY, "series_rank"])
    chosen = ranked.drop_duplicates(KEY).sort_values(KEY, ignore_index=True)
    previous = chosen.groupby(["iso3", "sex"])["source"].shift()
    changed = previous.notna() & (previous != chosen["source"])
    chosen["is_break"] = changed
    chosen["note"] = ("population series changes here from " + previous.fillna("")
                      + " to " + chosen["source"]).where(changed)
    return chosen[COLUMNS].astype({"series_rank": "int64", "series_years": "int64",
                                   "alternatives": "int64", "is_break": "bool",
                                   "input_row": "int64"})
