"""Shared fixtures: the package, small hand-made tables, and the real-data folder."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from hemisec.build.database import build
from hemisec.checks.validate import validate
from hemisec.findings import CHECKS
from hemisec.package import DataPackage
from hemisec.paths import DEFAULT_DESCRIPTOR, REPO_ROOT
from hemisec.read.workspace import Workspace

# The tests read what hemisec says in English, whatever the machine's locale; the tests of
# other languages ask for them.
os.environ["LANGUAGE"] = "en"
REALDATA = Path(os.environ.get("HEMISEC_REALDATA", REPO_ROOT.parent / "shared" / "realdata"))
IN_CI = bool(os.environ.get("CI"))


#: The test files that take longest (measured), longest first, as `make test` hands them
#: to the workers (`--no-loadscope-reorder`: pytest-xdist would otherwise start the files
#: with the most tests first, and a long file of few tests, handed out last, kept one
#: worker busy while the other had nothing left). A stale list only costs time.
LONGEST_FIRST = ("test_exports.py", "test_reading.py", "test_engine.py",
                 "test_build_safety.py", "test_site.py", "test_reading_properties.py",
                 "test_template.py", "test_reliability.py", "test_build.py",
                 "test_languages.py", "test_wheel.py", "test_translations.py",
                 "test_realdata.py", "test_fuzz_cli.py", "test_mapping.py", "test_trust.py",
                 "test_labels.py", "test_series_order.py", "test_cli.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest files first; real-data tests skip only on a developer machine without
    ../shared/realdata."""
    rank = {name: position for position, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: files stay whole
    if REALDATA.is_dir():
        return
    if IN_CI:
        raise pytest.UsageError(f"CI is set but the real data folder {REALDATA} is missing")
    skip = pytest.mark.skip(reason=f"{REALDATA} is absent (they run in CI)")
    for item in items:
        if "realdata" in item.keywords:
            item.add_marker(skip)


def run_hemisec(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command line as a user would, on an 80-column terminal."""
    env = {**os.environ, "COLUMNS": "80"}
    return subprocess.run([sys.executable, "-m", "hemisec", *args], capture_output=True,
                          text=True, cwd=cwd or REPO_ROOT, env=env, check=False)


#: The DuckDB 1.x client researchers may still have (the CLI on PyPI is 1.5.x).
OLD_DUCKDB = "duckdb==1.5.6"


@pytest.fixture(scope="session")
def old_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Python of a separate virtual environment with the DuckDB 1.x client."""
    import venv

    def make(folder: Path) -> None:
        venv.create(folder / "venv")  # without pip of its own: the project's installs into it
        installed = subprocess.run([sys.executable, "-m", "pip", "--python",
                                    str(folder / "venv" / "bin" / "python"), "install",
                                    "--quiet", OLD_DUCKDB],
                                   capture_output=True, text=True, check=False)
        assert installed.returncode == 0, installed.stdout + installed.stderr

    return made_once(tmp_path_factory, "duckdb1", make) / "venv" / "bin" / "python"


def read_with_old_duckdb(python: Path, database: Path) -> dict[str, int]:
    """Row counts of every table of `database`, as the DuckDB 1.x client reads them."""
    script = ("import duckdb, json, sys\n"
              "con = duckdb.connect(sys.argv[1], read_only=True)\n"
              "names = [r[0] for r in con.execute('SELECT table_name FROM duckdb_tables()')"
              ".fetchall()]\n"
              "print(json.dumps({n: con.execute(f'SELECT count(*) FROM \"{n}\"').fetchone()[0]"
              " for n in names}))\n")
    result = subprocess.run([str(python), "-c", script, str(database)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    import json

    return json.loads(result.stdout)


@pytest.fixture(scope="session")
def package() -> DataPackage:
    return DataPackage.load()


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str,
              make: Callable[[Path], None]) -> Path:
    """A folder `make` fills once per test run, whichever pytest-xdist worker asks first:
    the others wait for it and share it (for what tests only read: builds, a venv). A
    folder a failed `make` left half made is made again."""
    if "PYTEST_XDIST_WORKER" not in os.environ:  # one process: its own temporary folder
        folder = tmp_path_factory.mktemp(name)
        make(folder)
        return folder
    import fcntl

    # Every worker's base temporary folder is inside the run's: shared by this run only.
    folder = tmp_path_factory.getbasetemp().parent / f"shared-{name}"
    with (folder.parent / f"shared-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        done = folder / ".made"
        if not done.exists():
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir()
            make(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo build, made once for the run and only read by tests."""
    def make(folder: Path) -> None:
        result = build(DEFAULT_DESCRIPTOR, folder / "hemisec.duckdb",
                       console=Console(file=io.StringIO()))
        assert not result.up_to_date

    return made_once(tmp_path_factory, "demo", make) / "hemisec.duckdb"


@pytest.fixture(scope="module")
def workspace() -> Iterator[Workspace]:
    """One workspace a module's property tests read every example into, as a validation
    reads its tables into one: a file, however damaged, must leave it fit for the next
    (and a workspace's start-up is most of a small file's reading time)."""
    with Workspace() as shared:
        yield shared


HEADERS = {
    "population": "iso3,year,sex,population,source",
    "homicide": "iso3,year,iccs_code,sex,mechanism,victims,obs_status,source,note",
    "firearms": "iso3,year,action,item,marking_status,quantity,obs_status,source,note",
    "prison": "iso3,year,measure,sex,value,obs_status,source,note",
    "countries": "iso3,m49,name_en,name_es,name_fr,name_pt,name_un,subregion,m49_subregion,"
                 "membership_note",
    "published_indicators": "iso3,year,indicator,value,source,note",
    "iccs_correspondence": "iso3,national_code,national_label,iccs_code,match,source,note",
    "national_offences": "iso3,year,national_code,national_label,counting_unit,value,obs_status,"
                         "source,note",
}


@pytest.fixture
def submission(tmp_path: Path) -> Callable[..., Path]:
    """Write a submission folder from {table: [csv data lines]} and return its path."""
    def write(tables: dict[str, list[str]], header: dict[str, str] | None = None) -> Path:
        folder = tmp_path / "submission"
        folder.mkdir(exist_ok=True)
        for name, lines in tables.items():
            head = (header or {}).get(name, HEADERS[name])
            (folder / f"{name}.csv").write_text("\n".join([head, *lines]) + "\n",
                                                encoding="utf-8")
        return folder
    return write


@pytest.fixture
def check_findings(submission: Callable[..., Path]) -> Callable[..., list[tuple]]:
    """Validate tables and return (check, resource, row, field) of every finding."""
    def run(tables: dict[str, list[str]], only: str | None = None,
            header: dict[str, str] | None = None, kind: str | None = None) -> list[tuple]:
        report = validate([submission(tables, header)])
        frame = report.findings
        if only:
            frame = frame[frame["check"] == only]
        if kind:
            frame = frame[frame["check"].map(lambda c: CHECKS[c].kind) == kind]
        return sorted(
            (c, r, None if pd.isna(row) else int(row), f)
            for c, r, row, f in frame[["check", "resource", "row", "field"]].itertuples(
                index=False)
        )
    return run



@pytest.fixture(scope="session")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Every public file of ../shared/realdata imported once for the run (the workers
    share the tables, and the import results as a pickle)."""
    import pickle

    from hemisec.importers import import_all

    def make(folder: Path) -> None:
        results = {name: result for name, result, _ in import_all(REALDATA, folder / "tables")}
        (folder / "results.pickle").write_bytes(pickle.dumps(results))

    folder = made_once(tmp_path_factory, "realdata", make)
    return folder / "tables", pickle.loads((folder / "results.pickle").read_bytes())


@pytest.fixture(scope="session")
def real_db(imported: tuple[Path, dict], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real-data build, made once for the session and only read by tests."""
    import io

    from rich.console import Console

    from hemisec.build.database import build

    def make(folder: Path) -> None:
        build(imported[0], folder / "hemisec-real.duckdb", console=Console(file=io.StringIO()),
              accept_inconsistent=True)

    return made_once(tmp_path_factory, "realbuild", make) / "hemisec-real.duckdb"
