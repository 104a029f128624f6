"""Revisions: a submission against the figures already held for the same keys (ESS level 3).

UNODC's CTS asks countries to explain what they change in figures they sent before. The
held figures are a built database or a package (`hemisec validate --against`), read into
the workspace by the reader every table goes through; each observation table of the
submission is compared with the held table of the same name, key by key:

- a value that differs by more than the thresholds table's `revision_pct` (warning
  `revision`), with the held value, its obs_status and source beside it;
- a held figure of a series the submission gives, in a year within the years the
  submission gives for it, that the submission lacks (`figure-dropped`);
- a series the submission gives from a later first year than the held one, while it
  revisits held years (`series-starts-later`);
- and the year-on-year and gap checks across the two: a submitted year after a held one.
"""

from __future__ import annotations

from hemisec.findings import FindingsTable, register
from hemisec.package import thresholds
from hemisec.read.tables import ROW, LoadedTable
from hemisec.sql import as_text, quote_identifier, quote_literal
from hemisec.translate import say_decimal_sql, say_sql

REVISION = register(
    "revision", "warning", "revision",
    "A value differs from the one already held for the same key",
    "If the new figure is right, say why it changed in 'note' (new count, corrected record, "
    "new definition) and set obs_status B if the method changed; otherwise send the held "
    "figure again.", level=3)
FIGURE_DROPPED = register(
    "figure-dropped", "warning", "revision",
    "A figure held for a series and year is missing from the submission",
    "Send the figure again if it still stands; if it was withdrawn, say so in the note of "
    "the series' next year.", level=3)
SERIES_STARTS_LATER = register(
    "series-starts-later", "warning", "revision",
    "A series starts later in the submission than the one held",
    "Send the earlier years again if they still stand, or say in the note why they were "
    "withdrawn.", level=3)


def _key_text(columns: list[str], alias: str) -> str:
    return " || ' / ' || ".join(as_text(f"{alias}.{quote_identifier(c)}") for c in columns)


def check_revisions(table: LoadedTable, held: str, held_origin: str,
                    findings: FindingsTable) -> None:
    """Compare one submitted table with the held table `held` (a workspace table of the
    same columns, typed)."""
    spec = table.spec
    value = spec.value_field
    if value is None or "year" not in spec.primary_key:
        return
    key = list(spec.primary_key)
    series = [k for k in key if k != "year"]
    amount = quote_identifier(value)
    same_key = " AND ".join(f"s.{quote_identifier(k)} = h.{quote_identifier(k)}" for k in key)
    same_series = " AND ".join(f"s.{quote_identifier(k)} = h.{quote_identifier(k)}"
                               for k in series)
    complete = " AND ".join(f"s.{quote_identifier(k)} IS NOT NULL" for k in key)
    limit = thresholds()["revision_pct"]
    change = f"(s.{amount} - h.{amount}) / abs(h.{amount}) * 100"
    status = "coalesce(h.obs_status, 'A')" if "obs_status" in spec.field_names else "'A'"
    source = (f"coalesce(h.source, {say_sql('no source')})" if "source" in spec.field_names
              else "''")
    origin = quote_literal(held_origin)
    revised = ("CASE WHEN h.{a} = 0 THEN {zero} ELSE CASE WHEN {c} > 0 THEN '+' ELSE '' END "
               "|| {r} || '%' END").format(a=amount, zero=say_sql("from zero"), c=change,
                                            r=say_decimal_sql(f"round_even({change}, 1)"))
    findings.add_query(
        REVISION, spec.name, table.file,
        f"""SELECT s.{ROW} AS row, {quote_literal(value)} AS field, {as_text(f's.{amount}')}
                   AS value,
                   {say_sql("{new} replaces {held} held in {origin} ({change}; obs_status "
                            "{status}, source {source}) for {key}",
                            new=say_decimal_sql(f's.{amount}'),
                            held=say_decimal_sql(f'h.{amount}'),
                            origin=origin, change=revised, status=status, source=source,
                            key=_key_text(key, 's'))} AS message
            FROM {table.typed_table} s JOIN {held} h ON {same_key}
            WHERE {complete} AND s.{amount} IS NOT NULL AND h.{amount} IS NOT NULL
              AND s.{amount} <> h.{amount}
              AND (h.{amount} = 0 OR abs({change}) > {limit!r})""")
    spans = (f"SELECT {', '.join(quote_identifier(k) for k in series)}, min(year) AS first, "
             f"max(year) AS last, arg_min({ROW}, year) AS first_row FROM {table.typed_table} s "
             f"WHERE {complete} GROUP BY ALL")
    findings.add_query(
        FIGURE_DROPPED, spec.name, table.file,
        f"""SELECT s.first_row AS row, 'year' AS field, {as_text('h.year')} AS value,
                   {say_sql("no figure for {year} in this series ({series}): {origin} holds "
                            "{held} (obs_status {status}, source {source})",
                            year=as_text('h.year'), series=_key_text(series, 'h'),
                            origin=origin, held=say_decimal_sql(f'h.{amount}'), status=status,
                            source=source)} AS message
            FROM ({spans}) s JOIN {held} h ON {same_series}
            WHERE h.year BETWEEN s.first AND s.last AND h.{amount} IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM {table.typed_table} n WHERE
                  {' AND '.join(f'n.{quote_identifier(k)} = h.{quote_identifier(k)}'
                                for k in key)})
            ORDER BY s.first_row, h.year""")
    findings.add_query(
        SERIES_STARTS_LATER, spec.name, table.file,
        f"""SELECT s.first_row AS row, 'year' AS field, {as_text('s.first')} AS value,
                   {say_sql("the series ({series}) starts in {first}; {origin} holds it from "
                            "{held_first} (not in the submission: {missing})",
                            series=_key_text(series, 's'), first=as_text('s.first'),
                            origin=origin, held_first=as_text('h.held_first'),
                            missing=as_text('h.held_first') + " || CASE WHEN h.held_first < "
                            "s.first - 1 THEN '-' || " + as_text('s.first - 1')
                            + " ELSE '' END")} AS message
            FROM ({spans}) s JOIN (
                SELECT {', '.join(quote_identifier(k) for k in series)},
                       min(year) AS held_first, max(year) AS held_last
                FROM {held} WHERE {amount} IS NOT NULL GROUP BY ALL) h ON {same_series}
            WHERE s.first > h.held_first AND s.first <= h.held_last""")


def check_series_with_held(table: LoadedTable, held: str, held_origin: str,
                           findings: FindingsTable) -> None:
    """The year-on-year and series-gap checks across the submission and the held series
    together: a submitted figure whose previous year is held (not resubmitted) is
    compared with it, so a 2023 submission is checked against 2022 as already published.
    Pairs within the submission are the plausibility checks' own."""
    from hemisec.checks.plausibility import CHANGED, series_findings, series_text

    spec = table.spec
    value = spec.value_field
    if value is None or "year" not in spec.primary_key:
        return
    key = list(spec.primary_key)
    series = ", ".join(quote_identifier(k) for k in key if k != "year")
    columns = ", ".join(quote_identifier(k) for k in key)
    amount = quote_identifier(value)
    complete = " AND ".join(f"{quote_identifier(k)} IS NOT NULL" for k in key)
    resubmitted = " AND ".join(f"s.{quote_identifier(k)} = h.{quote_identifier(k)}" for k in key)
    candidates = f"""
        SELECT * FROM (
            SELECT *, lag(year) OVER series AS gap_from, lag(held) OVER series AS gap_held,
                   lag(now IGNORE NULLS) OVER series AS before,
                   lag(CASE WHEN now IS NOT NULL THEN year END IGNORE NULLS) OVER series
                       AS before_year,
                   lag(CASE WHEN now IS NOT NULL THEN held END IGNORE NULLS) OVER series
                       AS before_held, {series_text(key)} AS series_text
            FROM (SELECT {ROW}, {columns}, {amount} AS now, false AS held
                  FROM {table.typed_table} WHERE {complete}
                  UNION ALL
                  SELECT NULL, {columns}, {amount}, true FROM {held} h WHERE {complete}
                  AND NOT EXISTS (SELECT 1 FROM {table.typed_table} s WHERE {resubmitted}))
            WINDOW series AS (PARTITION BY {series} ORDER BY year))
        WHERE NOT held AND (gap_held OR before_held)"""
    series_findings(table, findings, candidates, changed=f"before_held AND {CHANGED}",
                    gapped="gap_held AND year - gap_from > 1", held_origin=held_origin)
