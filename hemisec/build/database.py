"""Build the DuckDB database: validate, load, transform, document, then write atomically.

The database is built in a temporary file beside the target and renamed over it only
when every step succeeded, so a failed or interrupted build leaves the previous
database as it was. A build whose inputs (data, schemas, transforms, code) have not
changed since the last one does nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from rich.console import Console

from hemisec import __version__
from hemisec.build.ddl import create_table, load_tables, quote_identifier, quote_literal
from hemisec.build.provenance import apply_corrections, link_sources
from hemisec.errors import UsageError
from hemisec.package import SYNTHETIC_MARKER, DataPackage
from hemisec.paths import DEFAULT_OUT, TRANSFORMS, display_path, file_sha256
from hemisec.publish.exports import ExportOptions, write_exports
from hemisec.publish.exports import export_paths as published_exports
from hemisec.read.dialect import ReadOptions
from hemisec.read.sources import Submission, TableSource, resolve_submission
from hemisec.translate import current_language, say, speaking

#: The code whose changes change the database, so a rebuild is due when it changes.
CODE = Path(__file__).resolve().parent.parent
#: Derived tables the transforms fill; the build creates them from schemas/build first.
TRANSFORM_OUTPUTS = ("iccs_counts", "indicators", "regional_indicators")

STEPS = 6
SYNTHETIC_COMMENT = "SYNTHETIC DEMO DATA: invented figures, not statistics. "
#: The storage format the database is written in: DuckDB 1.0's, which every client
#: since reads (DuckDB 2 writes a format 1.x clients refuse).
STORAGE_VERSION = "v1.0.0"
DATABASE_ALIAS = "hemisec"


class BuildError(Exception):
    """The build failed; the message says where and why. The previous database is intact."""


class ValidationFailed(Exception):
    """The inputs have errors: the build stopped before writing anything."""

    def __init__(self, report: object) -> None:
        super().__init__("the inputs have errors")
        self.report = report


@dataclass
class BuildResult:
    out: Path
    up_to_date: bool
    seconds: float
    exports: list[Path] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)
    warnings: int = 0
    data_kind: str = ""
    errors: int = 0


@dataclass
class _Step:
    detail: str = ""


@contextmanager
def _step(console: Console, number: int, title: str) -> Iterator[_Step]:
    """Show a step while it runs, then one line with what it did and how long it took."""
    step = _Step()
    started = time.perf_counter()
    with console.status(f"[{number}/{STEPS}] {title}..."):
        yield step
    console.print(f"[{number}/{STEPS}] {title}: {step.detail} "
                  f"({time.perf_counter() - started:.1f} s)")



def _label(path: Path, root: Path) -> str:
    """An input's name in build_info: relative to the package when it is inside it."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def table_sources(data: Path, package: DataPackage) -> Submission:
    """Where each table to build from is: what `data` holds, and for reference tables
    it does not hold, the package's own."""
    submission = resolve_submission([data], package)
    for name in package.reference_tables:
        if name not in submission.sources:
            submission.sources[name] = TableSource(name, package.tables[name].path)
    return submission


def _inputs(sources: dict[str, TableSource], package: DataPackage,
            sql_files: list[Path]) -> dict[str, Path]:
    """Every file the database is made from, by its label in build_info."""
    paths = [*(s.path for s in sources.values()), package.descriptor_path,
             *sorted((package.root / "schemas").rglob("*.json")), *sql_files]
    return {_label(p, package.root): p for p in paths}


def _fingerprint(input_hashes: dict[str, str]) -> str:
    code = {p.relative_to(CODE).as_posix(): file_sha256(p) for p in sorted(CODE.rglob("*.py"))}
    text = json.dumps([__version__, sorted(input_hashes.items()), sorted(code.items())])
    return hashlib.sha256(text.encode()).hexdigest()


def _attach_for_every_reader(workspace: object, path: Path) -> duckdb.DuckDBPyConnection:
    """The workspace's connection, its default database now a new file in the oldest
    storage format current clients read: researchers on the DuckDB 1.x CLI, R or Python
    cannot open DuckDB 2's own format. The workspace's tables stay reachable by their
    qualified names, so loading is a query, not a copy through Python."""
    con = workspace.con
    con.execute(f"ATTACH {quote_literal(str(path))} AS {DATABASE_ALIAS} "
                f"(STORAGE_VERSION {quote_literal(STORAGE_VERSION)})")
    con.execute(f"USE {DATABASE_ALIAS}")
    return con


def _pid_alive(pid: int) -> bool:
    """Whether a process still runs (POSIX); on Windows, where probing a process can end
    it, every recorded process is taken to be alive."""
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _build_lock(out: Path) -> Iterator[None]:
    """One build of a database at a time: a lock file beside it holds the builder's pid.
    A lock left by a build that no longer runs is taken over."""
    lock = out.with_name(f".{out.name}.lock")
    for _ in range(2):
        try:
            descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except PermissionError as exc:
            raise UsageError(f"{display_path(out.parent)}: cannot write there "
                             f"({exc.strerror}); give another --out") from None
        except FileExistsError:
            try:
                pid = int(lock.read_text(encoding="utf-8").strip() or "0")
            except (OSError, ValueError):
                pid = 0
            if pid and _pid_alive(pid):
                raise UsageError(f"another build of {display_path(out)} is running (process "
                                 f"{pid}); wait for it to end, or remove {display_path(lock)} "
                                 "if no build is running") from None
            lock.unlink(missing_ok=True)
    else:
        raise UsageError(f"{display_path(lock)}: could not take the build lock")
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(str(os.getpid()))
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _remove_dead_temporaries(paths: list[Path]) -> None:
    """Temporary files that builds of these outputs left when they were killed."""
    for path in paths:
        pattern = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.tmp(\.wal)?")
        for candidate in path.parent.glob(f".{path.name}.*.tmp*"):
            match = pattern.fullmatch(candidate.name)
            if match and int(match[1]) != os.getpid() and not _pid_alive(int(match[1])):
                candidate.unlink(missing_ok=True)


def _read_back(database: Path) -> tuple[dict[tuple[str, str], str], dict[str, int], bool]:
    """A database as a reader finds it: its build_info by (section, name), every table's
    row count, and whether the file holds every block its catalogue says it has (a
    truncated file still opens, and counts come from metadata). Raises duckdb.Error."""
    with duckdb.connect(str(database), read_only=True) as con:
        recorded = {(section, name): value for section, name, value in con.execute(
            "SELECT section, name, value FROM build_info").fetchall()}
        counts = _row_counts(con)
        _, _, block_size, total_blocks, *_ = con.execute("PRAGMA database_size").fetchall()[0]
    return recorded, counts, database.stat().st_size >= block_size * total_blocks


def _up_to_date(database: Path, fingerprint: str, exports: list[Path]) -> bool:
    """Whether `database` was built from these inputs and still reads back whole: its
    fingerprint, every table's row count and every export's sha256 as recorded."""
    if not database.is_file() or not all(p.is_file() for p in exports):
        return False
    if database.with_name(database.name + ".wal").exists():
        return False  # a crashed read-write session's log: the file may not open as built
    try:
        recorded, counts, whole = _read_back(database)
    except duckdb.Error:
        return False
    tables = {name: int(v) for (section, name), v in recorded.items() if section == "row_count"}
    return (whole and recorded.get(("build", "fingerprint")) == fingerprint
            and all(counts.get(name) == n for name, n in tables.items())
            and all(recorded.get(("export_sha256", p.name)) == file_sha256(p)
                    for p in exports))


#: Text a spreadsheet runs as a formula when a cell starts with it.
def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    """Make renames in `folder` durable (POSIX; Windows has no folder handles)."""
    if os.name == "nt":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _verify(temporary: Path, fingerprint: str, expected: dict[str, int]) -> None:
    """Read the closed database back before it replaces anything: a failed save (a full
    disk) leaves a file that does not."""
    wal = temporary.with_name(temporary.name + ".wal")
    if wal.exists() and wal.stat().st_size:
        raise BuildError("the new database was not fully saved (its write-ahead log remains)")
    try:
        recorded, counts, whole = _read_back(temporary)
    except duckdb.Error as exc:
        raise BuildError(f"the new database could not be read back ({exc}); is the disk "
                         "full?") from exc
    if not whole:
        raise BuildError("the new database file is shorter than its catalogue says; is the "
                         "disk full?")
    if recorded.get(("build", "fingerprint")) != fingerprint or counts != expected:
        differ = sorted(n for n in expected.keys() | counts.keys()
                        if expected.get(n) != counts.get(n))
        raise BuildError("the new database does not read back as written (tables "
                         f"{', '.join(differ) or 'fingerprint'}); is the disk full?")


def _data_kind(con: duckdb.DuckDBPyConnection, package: DataPackage) -> str:
    """'synthetic demo', 'real' or 'mixed', from the observation rows' source column."""
    parts = [f"SELECT count(*) AS n, count(*) FILTER (WHERE contains(source, "
             f"{quote_literal(SYNTHETIC_MARKER)})) AS synthetic FROM {quote_identifier(name)}"
             for name in package.observation_tables]
    total, synthetic = con.execute(
        f"SELECT sum(n), sum(synthetic) FROM ({' UNION ALL '.join(parts)})").fetchall()[0]
    if not total:
        return "no observations"
    if synthetic == total:
        return "synthetic demo"
    return "real" if synthetic == 0 else "mixed: synthetic demo and real rows"


def _load_denominators(con: duckdb.DuckDBPyConnection, package: DataPackage,
                       population: str | None) -> None:
    """The population each rate is divided by, chosen by hemisec.denominators (the rule
    the validator's rate checks use too), from the workspace's typed population table."""
    from hemisec.denominators import choose_population

    create_table(con, package.build_tables["denominators"], package)
    if population is not None:
        con.execute(f"INSERT INTO denominators BY NAME {choose_population(population)}")


def _run_transforms(con: duckdb.DuckDBPyConnection, sql_files: list[Path]) -> None:
    for sql_file in sql_files:
        try:
            con.execute(sql_file.read_text(encoding="utf-8"))
        except duckdb.Error as exc:
            raise BuildError(f"{display_path(sql_file)} failed: {exc}") from exc


def _wide_views(con: duckdb.DuckDBPyConnection, package: DataPackage) -> list[str]:
    """One row per country-year (and per region-year), one column per indicator.

    Generated from the catalogue, so a new catalogue entry becomes a column without edits.
    """
    catalogue = con.execute(
        "SELECT indicator, title, unit, regional_aggregate FROM indicator_catalogue "
        "ORDER BY rowid").fetchall()
    views = {
        "indicators_wide": (
            "indicators", "i.iso3, c.name_en AS country, c.subregion, i.year",
            "JOIN countries AS c ON c.iso3 = i.iso3 WHERE i.method = 'computed'",
            [row[:3] for row in catalogue],
            "Indicators computed by the package as one row per country and year with one column "
            "per indicator (values only; obs_status, notes, sources and published values are "
            "in indicators)."),
        "regional_indicators_wide": (
            "regional_indicators", "i.grouping, i.region, i.year", "",
            [row[:3] for row in catalogue if row[3] == "ratio_of_sums"],
            "Regional aggregates as one row per grouping, region and year with one column per "
            "indicator and, beside it, the share of the region's population it covers. An "
            "aggregate below the coverage thresholds (flag aggregate-low-coverage) is left "
            "out: its value describes the countries that reported, not the region; it is in "
            "regional_indicators with its flag."),
    }
    for view, (table, keys, join, columns, description) in views.items():
        regional = table == "regional_indicators"
        kept = " AND i.flags IS NULL" if regional else ""
        pivots = ",\n    ".join(
            f"max(i.value) FILTER (WHERE i.indicator = {quote_literal(name)}{kept}) "
            f"AS {quote_identifier(name)}" + (
                f",\n    max(i.population_coverage) FILTER (WHERE i.indicator = "
                f"{quote_literal(name)}) AS {quote_identifier(name + '_coverage')}"
                if regional else "")
            for name, _, _ in columns)
        con.execute(f"CREATE VIEW {view} AS\nSELECT {keys},\n    {pivots}\n"
                    f"FROM {table} AS i {join}\nGROUP BY ALL\nORDER BY ALL")
        con.execute(f"COMMENT ON VIEW {view} IS {quote_literal(description)}")
        countries = package.tables["countries"]
        key_comments = {  # the key columns say what their schema fields say
            "iso3": countries.field("iso3").description,
            "country": countries.field("name_en").description,
            "subregion": countries.field("subregion").description,
            "region": package.build_tables["regional_indicators"].field("region").description,
            "grouping": package.build_tables["regional_indicators"].field(
                "grouping").description,
            "year": package.build_tables["indicators"].field("year").description,
        }
        for key in [k.split(" AS ")[-1].split(".")[-1] for k in keys.split(", ")]:
            con.execute(f"COMMENT ON COLUMN {view}.{key} IS {quote_literal(key_comments[key])}")
        for name, title, unit in columns:
            con.execute(f"COMMENT ON COLUMN {view}.{quote_identifier(name)} IS "
                        f"{quote_literal(f'{title} ({unit}); see indicator_catalogue.')}")
            if regional:
                text = (f"Share of the region's population (%) in the countries with a "
                        f"{title.lower()} value, whether or not the aggregate is published.")
                con.execute(f"COMMENT ON COLUMN {view}.{quote_identifier(name + '_coverage')} "
                            f"IS {quote_literal(text)}")
    return list(views)


def _undocumented(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables, views and columns of the database that have no comment."""
    rows = con.execute("""
        SELECT table_name FROM duckdb_tables() WHERE coalesce(comment, '') = ''
            AND database_name = current_database()
        UNION ALL
        SELECT view_name FROM duckdb_views() WHERE NOT internal AND coalesce(comment, '') = ''
            AND database_name = current_database()
        UNION ALL
        SELECT table_name || '.' || column_name FROM duckdb_columns()
        WHERE NOT internal AND coalesce(comment, '') = '' AND database_name = current_database()
        ORDER BY 1""").fetchall()
    return [r[0] for r in rows]


def _mark_synthetic(con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    """Derived tables and views say in their comment that the figures are invented."""
    objects = {name: (kind, comment) for name, kind, comment in con.execute(
        "SELECT table_name, 'TABLE', comment FROM duckdb_tables() WHERE database_name = "
        "current_database() UNION ALL SELECT view_name, 'VIEW', comment FROM duckdb_views() "
        "WHERE NOT internal AND database_name = current_database()").fetchall()}
    for name in names:
        kind, text = objects[name][0], objects[name][1] or ""
        if SYNTHETIC_MARKER not in text:
            con.execute(f"COMMENT ON {kind} {quote_identifier(name)} IS "
                        f"{quote_literal(SYNTHETIC_COMMENT + text)}")


def _row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() "
                                       "WHERE database_name = current_database()").fetchall()]
    return {name: con.execute(f"SELECT count(*) FROM {quote_identifier(name)}").fetchall()[0][0]
            for name in names}


def _build_info(package: DataPackage, data: Path, data_kind: str, fingerprint: str,
                hashes: dict[str, str], counts: dict[str, int]) -> list[tuple[str, ...]]:
    """The rows of build_info: (section, name, value, description)."""
    return [
        ("build", "package", package.title, "The data package built."),
        ("build", "package_version", package.version, "Version of the package (datapackage.json)."),
        ("build", "hemisec_version", __version__, "Version of hemisec that built it."),
        ("build", "duckdb_version", duckdb.__version__, "DuckDB version used."),
        ("build", "storage_version", STORAGE_VERSION,
         "DuckDB storage format of the file: DuckDB 1.0 and every later client read it."),
        ("build", "built_at", datetime.now(UTC).isoformat(timespec="seconds"),
         "When the build finished (UTC)."),
        ("build", "data", data_kind,
         "Whether the observation rows are hemisec's synthetic demo (invented figures, source "
         f"'{SYNTHETIC_MARKER}'), real data, or a mix."),
        ("build", "data_path", _label(data, package.root),
         "The datapackage.json or folder the tables were read from."),
        ("build", "fingerprint", fingerprint,
         "sha256 over every input file and hemisec's code: the next build is skipped while it "
         "is unchanged."),
        *[("input_sha256", label, digest, "sha256 of the input file.")
          for label, digest in sorted(hashes.items())],
        *[("row_count", name, str(n), "Rows in the table.") for name, n in sorted(counts.items())
          if name != "build_info"],
    ]


def _tolerated(report: object, accept_inconsistent: bool) -> bool:
    """Whether the build may go on: no errors, or (when asked) only consistency errors,
    which a real source can have and which must be kept as findings, not patched."""
    if report.valid:
        return True
    if not accept_inconsistent:
        return False
    from hemisec.findings import CHECKS

    return all(CHECKS[check].kind == "consistency"
               for severity, check, _count in report.check_counts if severity == "error")


def build(data: Path, out: Path = DEFAULT_OUT, exports: Path | None = None,
          transforms: Path = TRANSFORMS, force: bool = False,
          console: Console | None = None, accept_inconsistent: bool = False,
          options: ReadOptions | None = None,
          export_options: ExportOptions | None = None) -> BuildResult:
    """Build `out` from the tables in `data` (a datapackage.json, a folder of CSVs or
    workbooks, or one workbook), read as `hemisec validate` reads them.

    With `accept_inconsistent`, consistency errors (parts that do not add up, as real
    sources have) do not stop the build; they are kept in validation_findings.
    """
    console = console or Console(highlight=False)
    started = time.perf_counter()
    package = DataPackage.load()
    if not transforms.is_dir() or not (sql_files := sorted(transforms.glob("*.sql"))):
        raise UsageError(f"{transforms}: no transforms (*.sql) to run")
    if out.is_dir():
        raise UsageError(f"{out}: is a folder; give the database file to write")
    options = options or ReadOptions()
    export_options = export_options or ExportOptions()
    submission = table_sources(data, package)
    sources = submission.sources
    exports = exports or out.parent
    export_paths = published_exports(exports)

    inputs = _inputs(sources, package, sql_files)
    hashes = {label: file_sha256(path) for label, path in inputs.items()}
    fingerprint = _fingerprint({**hashes, "accept_inconsistent": str(accept_inconsistent),
                                "read_options": repr(options),
                                "export_options": repr(export_options),
                                "sheets": repr(sorted((s.table, s.sheet or "")
                                                      for s in sources.values()))})
    out.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock(out):
        _remove_dead_temporaries([out, *export_paths])
        if not force and _up_to_date(out, fingerprint, export_paths):
            seconds = time.perf_counter() - started
            console.print(say("{database} is up to date: no input changed since it was built "
                              "and it reads back whole; nothing to do ({seconds:.1f} s). Use "
                              "--force to rebuild.", database=display_path(out),
                              seconds=seconds))
            return BuildResult(out, True, seconds, export_paths)
        return _build(package, sources, submission, data, out, exports, export_paths,
                      sql_files, options, fingerprint, hashes, console, accept_inconsistent,
                      started, export_options)


def _build(package: DataPackage, sources: dict[str, TableSource], submission: Submission,
           data: Path, out: Path, exports: Path, export_paths: list[Path],
           sql_files: list[Path], options: ReadOptions, fingerprint: str,
           hashes: dict[str, str], console: Console, accept_inconsistent: bool,
           started: float, export_options: ExportOptions) -> BuildResult:
    """Validate, then write the database and its exports beside their targets and put
    them in place only when they read back whole: exports first, the database last, so a
    kill in between leaves a database whose recorded export checksums no longer match
    (the next build redoes it)."""

    from hemisec.checks.validate import validate_sources
    from hemisec.findings import FINDING_COLUMNS
    from hemisec.read.tables import package_table
    from hemisec.read.workspace import Workspace

    # The workspace validation reads every table into is where the build loads from.
    workspace = Workspace()
    with _step(console, 1, say("validate")) as step:
        # The build validates what it builds from; revisions are a submission's question.
        # The database's findings are in English whatever the locale of the machine that
        # built it, so that one set of inputs gives one database.
        with speaking("en"):
            report = validate_sources(sources, package, options, submission.notices,
                                      workspace, compare=False)
        step.detail = say("{tables} tables, {errors:,} errors, {warnings:,} warnings",
                          tables=len(sources), errors=report.errors, warnings=report.warnings)
    if not _tolerated(report, accept_inconsistent):
        if current_language() != "en":  # checked again, to word the findings for the user
            report = validate_sources(sources, package, options, submission.notices,
                                      compare=False)
        raise ValidationFailed(report)
    for check in report.summary_records():
        console.print(f"      {check['severity']} {check['check']}: {check['count']:,}")
    if not report.valid:
        console.print("[yellow]" + say("{errors:,} consistency errors in the inputs are kept in "
                                       "validation_findings (--accept-inconsistent).",
                                       errors=report.errors) + "[/]")

    exports.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    temporary_exports = [p.with_name(f".{p.name}.{os.getpid()}.tmp") for p in export_paths]
    for folder in {p.parent for p in export_paths}:
        folder.mkdir(parents=True, exist_ok=True)
    leftovers = [temporary, temporary.with_name(temporary.name + ".wal"), *temporary_exports]
    # Exactly the typed tables the checks saw, loaded by column name.
    typed = {n: workspace.qualified(t.typed_table) for n, t in report.loaded.items()}
    for name in package.reference_tables:  # those a submission left empty
        if name not in typed:
            typed[name] = workspace.qualified(package_table(package, name, workspace).typed_table)
    missing = [n for n in package.observation_tables if n not in sources]
    for name in missing:  # an absent table builds empty, and is said to be absent
        typed[name] = None
    try:
        con = _attach_for_every_reader(workspace, temporary)
        try:
            # One transaction until the exports: hundreds of DDL statements and inserts
            # committed once, not one by one (half the time of creating the tables).
            con.execute("BEGIN TRANSACTION")
            with _step(console, 2, say("load")) as step:
                loaded = load_tables(con, package, typed)
                corrected = apply_corrections(con, package)
                link_sources(con, package, {
                    name: (sources[name].path.name, hashes[_label(sources[name].path,
                                                                  package.root)])
                    for name in package.observation_tables if name in sources})
                _load_denominators(con, package, typed.get("population"))
                for name in ("validation_findings", "build_info"):
                    create_table(con, package.build_tables[name], package)
                if report.findings_table is not None:
                    con.execute(
                        "INSERT INTO validation_findings SELECT "
                        + ", ".join(quote_identifier(c) for c in FINDING_COLUMNS)
                        + f" FROM {workspace.qualified(report.findings_table)} ORDER BY position")
                step.detail = say("{rows:,} rows into {tables} tables", rows=sum(loaded.values()),
                                  tables=len(loaded)) + (
                    "; " + say("no file for {tables} (built empty)", tables=", ".join(missing))
                    if missing else "") + (
                    "; " + say("{cells} cells corrected (table corrections)", cells=corrected)
                    if corrected else "")
            with _step(console, 3, say("transforms")) as step:
                for name in TRANSFORM_OUTPUTS:
                    create_table(con, package.build_tables[name], package)
                _run_transforms(con, sql_files)
                step.detail = ", ".join(p.name for p in sql_files)
            with _step(console, 4, say("views")) as step:
                views = _wide_views(con, package)
                step.detail = ", ".join(views)
            with _step(console, 5, say("metadata")) as step:
                data_kind = _data_kind(con, package)
                if data_kind != "real":
                    _mark_synthetic(con, [*package.build_tables, *views])
                counts = _row_counts(con)
                info = _build_info(package, data, data_kind, fingerprint, hashes, counts)
                con.executemany("INSERT INTO build_info VALUES (?, ?, ?, ?)", info)
                counts["build_info"] = len(info)
                undocumented = _undocumented(con)
                if undocumented:
                    raise BuildError("every table, view and column needs a comment; missing "
                                     "for: " + ", ".join(undocumented))
                step.detail = say("build_info ({kind}), {errors:,} errors and {warnings:,} "
                                  "warnings kept in validation_findings", kind=data_kind,
                                  errors=report.errors, warnings=report.warnings)
            con.execute("COMMIT")
            with _step(console, 6, say("write")) as step:
                write_exports(con, package, dict(zip(export_paths, temporary_exports,
                                                     strict=True)), export_options)
                con.executemany("INSERT INTO build_info VALUES (?, ?, ?, ?)", [
                    ("export_sha256", export.name, file_sha256(temporary_export),
                     "sha256 of the export written with this database: a build finding "
                     "another file there writes both again.")
                    for temporary_export, export in zip(temporary_exports, export_paths,
                                                        strict=True)])
                expected = _row_counts(con)
                con.execute("CHECKPOINT")
                workspace.close()  # detaches the new file, and removes the workspace
                _verify(temporary, fingerprint, expected)
                for path in [temporary, *temporary_exports]:
                    _fsync(path)
                for temporary_export, export in zip(temporary_exports, export_paths,
                                                    strict=True):
                    os.replace(temporary_export, export)
                # A write-ahead log beside the target belongs to the database replaced.
                out.with_name(out.name + ".wal").unlink(missing_ok=True)
                os.replace(temporary, out)
                for folder in {out.parent, *(p.parent for p in export_paths)}:
                    _fsync_folder(folder)
                step.detail = ", ".join(display_path(p) for p in [out, *export_paths])
        finally:
            workspace.close()
    except duckdb.Error as exc:  # a full disk, a damaged temporary: the targets are intact
        raise BuildError(f"DuckDB could not write the database: {exc}") from exc
    except OSError as exc:
        raise BuildError(f"writing the build failed: {exc}") from exc
    finally:
        for path in leftovers:
            path.unlink(missing_ok=True)
    return BuildResult(out, False, time.perf_counter() - started, export_paths, counts,
                       report.warnings, data_kind, report.errors)
