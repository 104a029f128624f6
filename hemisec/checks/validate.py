"""Validate a table, a national submission folder or a datapackage.json.

Finds every problem at once: file-level, structural (from the Table Schemas),
consistency and plausibility. Every table is read once into a DuckDB workspace and
every check is a query there, so only findings leave DuckDB: their number is counted
exactly, and only those a report lists are fetched. Raises `UsageError`
(hemisec.errors) only when it cannot run at all (a path that does not exist, a table it
does not know).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

from hemisec.checks import indicators  # noqa: F401  (the build's checks, for reports)
from hemisec.checks.consistency import check_consistency
from hemisec.checks.mapping import check_mapping
from hemisec.checks.plausibility import check_plausibility
from hemisec.checks.revisions import check_revisions, check_series_with_held
from hemisec.checks.structural import MISSING_VALUE, check_structure, set_aside
from hemisec.denominators import choose_population
from hemisec.findings import CHECKS, FINDING_COLUMNS, FindingsTable
from hemisec.package import SYNTHETIC_MARKER, DataPackage
from hemisec.read.dialect import ReadOptions
from hemisec.read.sources import TableSource, resolve_submission
from hemisec.read.tables import MISSING_CELL, ROW, LoadedTable, load_table, package_table
from hemisec.read.workspace import Workspace
from hemisec.sql import quote_identifier, quote_literal
from hemisec.translate import current_language, say, translated

#: The order findings are listed in: by file and row, then by check.
REPORT_ORDER = 'file, row NULLS LAST, "check", batch, ord, seq'


@dataclass
class Report:
    """What validation found. The findings stay in the workspace: `check_counts` covers
    every one; `findings` fetches them (at most `max_findings`, when set)."""

    #: (severity, check, count) of every check that found something.
    check_counts: list[tuple[str, str, int]]
    tables: list[dict[str, object]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    #: The tables as read: what the build loads, so it loads exactly what was validated.
    loaded: dict[str, LoadedTable] = field(default_factory=dict, repr=False)
    workspace: Workspace | None = field(default=None, repr=False)
    #: The workspace table of every finding, in report order (column `position`).
    findings_table: str | None = None
    max_findings: int | None = None
    #: The language the findings and notices were worded in (the run's).
    language: str = "en"

    @property
    def errors(self) -> int:
        return sum(n for severity, _check, n in self.check_counts if severity == "error")

    @property
    def warnings(self) -> int:
        return sum(n for severity, _check, n in self.check_counts if severity == "warning")

    @property
    def counts(self) -> pd.DataFrame:
        """`check_counts` as a frame: severity, check, count."""
        import pandas as pd

        return pd.DataFrame(self.check_counts, columns=["severity", "check", "count"]).astype(
            {"severity": "object", "check": "object", "count": "int64"})

    @property
    def total(self) -> int:
        return self.errors + self.warnings

    @property
    def valid(self) -> bool:
        return self.errors == 0

    def _query(self, limit: int | None, per_check: int | None = None,
               positioned: bool = False) -> str:
        """The findings listed, in report order; `positioned` adds their place in the
        report as `_order_position` (what a sheet written by DuckDB sorts by)."""
        columns = ", ".join([*(quote_identifier(c) for c in FINDING_COLUMNS),
                             *(["position AS _order_position"] if positioned else [])])
        table = self.workspace.qualified(self.findings_table)
        where = ""
        if per_check is not None:
            where = (f" QUALIFY row_number() OVER (PARTITION BY \"check\" ORDER BY position) "
                     f"<= {per_check}")
        if limit is None:
            return f"SELECT {columns} FROM {table}{where} ORDER BY position"
        # Capped: every check keeps its first findings, the checks taking turns, so a
        # capped report still shows each kind of problem.
        return (f"SELECT {columns} FROM (SELECT *, row_number() OVER (PARTITION BY \"check\" "
                f"ORDER BY position) AS turn FROM {table}) "
                f"QUALIFY row_number() OVER (ORDER BY turn, position) <= {limit} "
                "ORDER BY position")

    def fetch(self, limit: int | None = None, per_check: int | None = None) -> pd.DataFrame:
        """The findings in report order: all, at most `limit`, or `per_check` of each."""
        import pandas as pd

        if self.findings_table is None or self.workspace is None:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in FINDING_COLUMNS})
        frame = self.workspace.con.execute(self._query(limit, per_check)).df()
        frame = frame.astype("object").where(frame.notna(), None)
        frame["row"] = frame["row"].astype("Int64")
        return frame

    def listing_query(self, limit: int | None = None) -> str | None:
        """The SQL of the findings a report lists (at most `limit`), with their place in
        the report (`_order_position`); None when there are none to list."""
        if self.findings_table is None or self.workspace is None:
            return None
        return self._query(limit, positioned=True)

    def iter_records(self, limit: int | None = None, chunk: int = 50_000,
                     per_check: int | None = None) -> Iterator[dict[str, object]]:
        """The findings as dicts, fetched a chunk at a time (bounded memory)."""
        if self.findings_table is None or self.workspace is None:
            return
        cursor = self.workspace.con.cursor()
        cursor.execute(self._query(limit, per_check))
        while rows := cursor.fetchmany(chunk):
            for row in rows:  # a loop over findings being written out, not over data
                yield dict(zip(FINDING_COLUMNS, row, strict=True))

    @property
    def findings(self) -> pd.DataFrame:
        return self.fetch(self.max_findings)

    @property
    def listed(self) -> int:
        """How many findings a report lists (all, or the cap)."""
        return self.total if self.max_findings is None else min(self.total, self.max_findings)

    def summary_records(self) -> list[dict[str, object]]:
        """Occurrences per check, errors first, then by count, with the check's ESS level
        and what to do in the run's language; counts never depend on a display cap."""
        ordered = sorted(self.check_counts,
                         key=lambda c: (c[0] != "error", -c[2], c[1]))  # a row per check
        return [{"severity": severity, "check": check, "count": count,
                 "level": CHECKS[check].level, "fix": CHECKS[check].fix_in(translated)}
                for severity, check, count in ordered]

    def summary(self) -> pd.DataFrame:
        """`summary_records` as a frame."""
        import pandas as pd

        return pd.DataFrame(self.summary_records(),
                            columns=["severity", "check", "count", "level", "fix"])

    def header(self) -> dict[str, object]:
        return {"valid": self.valid, "errors": self.errors, "warnings": self.warnings}

    def to_dict(self) -> dict[str, object]:
        return {
            **self.header(),
            "findings": list(self.iter_records(self.max_findings)),
            **self.trailer(),
        }

    def trailer(self) -> dict[str, object]:
        extra: dict[str, object] = {}
        if self.max_findings is not None:
            extra = {"findings_listed": self.listed,
                     "findings_truncated": self.listed < self.total}
        return {
            "summary": self.summary_records(),
            **extra,
            "tables": self.tables,
            "notices": self.notices,
        }


def _readable(table: LoadedTable) -> bool:
    """Whether a table was read with every column of its schema (no file-level error)."""
    return not any(CHECKS[c].kind == "file" for c in table.file_errors())


def _is_synthetic(table: LoadedTable) -> bool:
    if not table.has("source"):
        return False
    return bool(table.workspace.con.execute(
        f"SELECT coalesce(bool_or(contains(source, {quote_literal(SYNTHETIC_MARKER)})), false) "
        f"FROM {table.typed_table}").fetchall()[0][0])


def _package_reference(ws: Workspace, package: DataPackage, name: str) -> tuple[str, list[str]]:
    """One of the package's own reference tables, as text, in the workspace: the
    package's files are plain UTF-8 CSV (frictionless checks them against their
    schemas) that DuckDB reads whole, empty cells as NULL, rows numbered as in the file."""
    table = ws.name(f"reference_{name}")
    path = package.tables[name].path
    # Numbered in one stream, in the file's order (header = row 1), as a submitted file's
    # rows are, and in one statement: a validation reads up to 12 of these files, and a
    # small statement costs its planning.
    ws.con.execute(f"CREATE TABLE {table} AS SELECT *, row_number() OVER () + 1 AS {ROW} "
                   "FROM read_csv(?, header = true, all_varchar = true, delim = ',', "
                   "quote = '\"', escape = '\"')", [str(path)])
    with path.open(encoding="utf-8-sig", newline="") as handle:  # its columns: the header's
        columns = next(csv.reader(handle))
    return table, columns


class References(dict):
    """The code lists and reference tables codes are checked against, by table: its
    workspace table and columns. The package's own are put in the workspace when a
    check first asks for them, so a one-table submission loads only what it uses."""

    def __init__(self, ws: Workspace, package: DataPackage) -> None:
        super().__init__()
        self._ws, self._package = ws, package

    def __missing__(self, name: str) -> tuple[str, list[str]]:
        self[name] = _package_reference(self._ws, self._package, name)
        return self[name]


def _finish(findings: FindingsTable, ws: Workspace) -> tuple[str, list[tuple[str, str, int]]]:
    """One problem, one finding, in report order: a cell breaking one rule in several
    ways (enum and code list), and the empty cells of a row that is short of cells, are
    reported once. Returns the table and the counts per check."""
    table = ws.name("report")
    ws.con.execute(f"""
        CREATE TABLE {table} AS
        SELECT *, row_number() OVER (ORDER BY {REPORT_ORDER}) AS position
        FROM {findings.table} f
        WHERE NOT ("check" = {quote_literal(MISSING_VALUE.id)} AND EXISTS (
            SELECT 1 FROM {findings.table} s WHERE s."check" = {quote_literal(MISSING_CELL.id)}
            AND s.file = f.file AND s.row = f.row))
        QUALIFY row_number() OVER (PARTITION BY "check", file, row, field
                                   ORDER BY batch, ord, seq) = 1
        ORDER BY {REPORT_ORDER}""")
    counts = ws.con.execute(
        f"SELECT severity, \"check\", count(*) FROM {table} GROUP BY ALL ORDER BY 2").fetchall()
    return table, [(severity, check, int(count)) for severity, check, count in counts]


def validate(paths: list[Path], package: DataPackage | None = None,
             options: ReadOptions | None = None, max_findings: int | None = None,
             against: Path | None = None) -> Report:
    """Validate the tables found in `paths` (CSV files, workbooks, folders, a
    datapackage.json), and compare them with the figures held in `against` (a built
    database or a package; by default the package's own data, unless it is the demo)."""
    package = package or DataPackage.load()
    submission = resolve_submission(paths, package)
    return validate_sources(submission.sources, package, options, submission.notices,
                            max_findings=max_findings, against=against)


#: The tables a submission's revisions are checked in: those with a value by year.
def _revisable(package: DataPackage) -> list[str]:
    return [n for n in package.observation_tables
            if package.tables[n].value_field and "year" in package.tables[n].primary_key]


def held_tables(against: Path | None, package: DataPackage, names: list[str], ws: Workspace,
                options: ReadOptions | None) -> tuple[dict[str, str], str | None]:
    """The figures already held for the tables `names`, as workspace tables, and where
    they come from: a built database (its tables as built), or a package or folder (read
    as a submission is). None when there is nothing to compare with."""
    from hemisec.errors import UsageError

    names = [n for n in names if n in _revisable(package)]
    if against is None:
        if package.synthetic:
            return {}, None
        against = package.descriptor_path
    if not against.exists():
        raise UsageError(say("--against {path}: no such database, package or folder",
                             path=against))
    held: dict[str, str] = {}
    if against.suffix == ".duckdb":
        import duckdb

        try:
            ws.con.execute(f"ATTACH {quote_literal(str(against))} AS held (READ_ONLY)")
        except duckdb.Error as exc:
            raise UsageError(say("--against {path}: not a DuckDB database ({reason})",
                                 path=against, reason=exc)) from None
        try:
            present = {r[0] for r in ws.con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'held'"
            ).fetchall()}
            for name in [n for n in names if n in present]:
                table = ws.name(f"held_{name}")
                columns = ", ".join(quote_identifier(f) for f in package.tables[name].field_names)
                ws.con.execute(f"CREATE TABLE {table} AS SELECT {columns} FROM held.main."
                               f"{quote_identifier(name)}")
                held[name] = table
        except duckdb.Error as exc:  # a database of another shape: say so, do not fail
            raise UsageError(say("--against {path}: not a hemisec database ({reason})",
                                 path=against, reason=exc)) from None
        finally:
            ws.con.execute("DETACH held")
        return held, say("the database {name}", name=against.name)
    sources = resolve_submission([against], package).sources
    for name in [n for n in names if n in sources]:
        held[name] = load_table(sources[name], package.tables[name], options, ws).typed_table
    origin = (say("the package's own data") if against.resolve() == package.descriptor_path
              else say("the package {path}", path=against))
    return held, origin


def validate_sources(sources: dict[str, TableSource], package: DataPackage,
                     options: ReadOptions | None = None,
                     notices: list[str] | None = None, workspace: Workspace | None = None,
                     max_findings: int | None = None, against: Path | None = None,
                     compare: bool = True) -> Report:
    """Validate the given file or sheet of each table, in `workspace` (a new one when
    not given; the build passes its own to load from it)."""
    ws = workspace or Workspace()
    # Reference tables first: the submission's own, where given, are what its codes point to.
    loaded = {name: load_table(sources[name], package.tables[name], options, ws)
              for name in package.reference_first(list(sources))}
    notices = [*(notices or []), *(n for t in loaded.values() for n in t.notices)]
    references = References(ws, package)
    for name in [n for n in package.reference_tables if n in loaded]:
        table = loaded[name]
        if not _readable(table):  # its own findings say what is wrong; ours are used
            notices.append(say("{file} could not be read with the columns of {table} (see "
                               "its findings): codes were checked against the package's own "
                               "{table} table.", file=table.file, table=name))
        elif table.rows == 0:  # an unfilled template sheet replaces nothing
            notices.append(say("{file} has no rows: the package's own {table} table was "
                               "used instead.", file=table.file, table=name))
            del loaded[name]
        else:
            references[name] = (table.text_table, table.columns)

    if "population" in loaded and loaded["population"].rows:  # an empty sheet gives none
        population = loaded["population"]
        origin = say("the submitted population table ({file})", file=population.file)
    else:
        population = package_table(package, "population", ws)
        origin = say("the package's population table")
        if any(n in loaded for n in ("homicide", "prison")):
            notices.append(
                say("No population table was submitted: rates and coverage were checked "
                    "against the package's population table (synthetic demo figures).")
                if package.synthetic else
                say("No population table was submitted: rates and coverage were checked "
                    "against the package's population table."))
    if any(_is_synthetic(t) for t in loaded.values()):
        notices.append(say(
            "This data is hemisec's synthetic demo (its source says '{marker}'): the figures "
            "are invented and must not be cited as statistics.", marker=SYNTHETIC_MARKER))

    findings = FindingsTable(ws.con, ws.name("findings"))
    for table in loaded.values():
        findings.add_stored(table.findings_table)
    # On the typed tables as read: before set_aside blanks cells and drops repeated keys.
    check_mapping(loaded, references, package, findings)
    for table in loaded.values():
        set_aside(table, findings, check_structure(table, references, findings))
    check_consistency(loaded, population.typed_table, origin, findings)
    chosen, published, tolerance = None, None, None
    if "homicide" in loaded:  # the rate checks compare homicide rates only
        chosen = ws.name("chosen_population")
        ws.con.execute(f"CREATE TABLE {chosen} AS SELECT iso3, year, population, source FROM "
                       f"({choose_population(population.typed_table)}) WHERE sex = '_T'")
        published = (loaded["published_indicators"] if "published_indicators" in loaded
                     else package_table(package, "published_indicators", ws)).typed_table
        catalogue, _ = references["indicator_catalogue"]
        tolerance = ws.con.execute(
            f"SELECT TRY_CAST(tolerance_pct AS DOUBLE) FROM {catalogue} "
            f"WHERE indicator = 'homicide_rate' ORDER BY {ROW} LIMIT 1").fetchall()
        tolerance = tolerance[0][0] if tolerance else None
    check_plausibility(loaded, chosen, findings, published, tolerance)
    if compare:
        held, origin = held_tables(against, package, list(loaded), ws, options)
        for name, table in held.items():
            check_revisions(loaded[name], table, origin, findings)
            check_series_with_held(loaded[name], table, origin, findings)
        if origin is None and any(n in loaded for n in _revisable(package)):
            notices.append(say("Revisions were not checked: the package's own data is the "
                               "synthetic demo; give --against DATABASE_OR_PACKAGE to compare "
                               "the submission with the figures already published."))
    table, counts = _finish(findings, ws)
    tables = [{"resource": n, "file": t.file, "rows": t.rows, "format": t.describe_format(),
               "dialect": t.dialect.to_dict() if t.dialect else None}
              for n, t in loaded.items()]
    return Report(counts, tables, notices, loaded, ws, table, max_findings, current_language())
