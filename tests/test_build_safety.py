"""A build cannot lose the database it replaces: full disks, kills, stale files, two
builds at once. Each test injects the fault and checks what a user would find after."""

from __future__ import annotations

import io
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from hemisec.build import database
from hemisec.build.database import BuildError, build
from hemisec.errors import UsageError
from hemisec.paths import REPO_ROOT
from hemisec.publish.exports import export_paths
from tests.submissions import colombia, write_delimited

#: Every export, relative to the database's folder.
EXPORTS = tuple(str(p.relative_to("out")) for p in export_paths(Path("out")))
QUIET = {"console": Console(file=io.StringIO())}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What these builds are made of: one country's submission. Which figures a build
    holds does not matter to its safety, and a small one builds in two thirds of the
    demo's time."""
    return write_delimited(tmp_path_factory.mktemp("colombia") / "submission", colombia())


@pytest.fixture(scope="module")
def first_build(inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("first") / "hemisec.duckdb"
    assert not build(inputs, out, **QUIET).up_to_date
    return out


@pytest.fixture
def built(first_build: Path, tmp_path: Path) -> Path:
    """A good database with its exports, as the last build left them."""
    out = tmp_path / "out" / "hemisec.duckdb"
    out.parent.mkdir()
    for name in (first_build.name, *EXPORTS):
        (out.parent / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(first_build.parent / name, out.parent / name)
    return out


def _snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out.parent)): p.read_bytes()
            for p in sorted(out.parent.rglob("*")) if p.is_file()}


def _tables(out: Path) -> int:
    with duckdb.connect(str(out), read_only=True) as con:
        return len(con.execute("SELECT table_name FROM duckdb_tables()").fetchall())


def test_a_full_disk_leaves_the_previous_database(built: Path, inputs: Path) -> None:
    before = _snapshot(built)

    def small_disk() -> None:  # writes beyond 2 MB fail, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2 * 2**20, 2 * 2**20))

    result = subprocess.run(
        [sys.executable, "-m", "hemisec", "build", "--force", "--data", str(inputs), "--out",
         str(built)],
        capture_output=True, text=True, cwd=REPO_ROOT, preexec_fn=small_disk, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "build failed" in result.stderr and "Traceback" not in result.stderr
    assert _snapshot(built) == before  # the database and exports, byte for byte


def test_a_truncated_database_is_not_up_to_date(built: Path, inputs: Path) -> None:
    assert build(inputs, built, **QUIET).up_to_date
    with built.open("r+b") as handle:
        handle.truncate(built.stat().st_size // 2)
    result = build(inputs, built, **QUIET)
    assert not result.up_to_date and _tables(built) == len(result.row_counts)


def test_a_changed_export_is_written_again(built: Path, inputs: Path) -> None:
    (built.parent / "indicators.csv").write_text("edited by hand\n", encoding="utf-8")
    assert not build(inputs, built, **QUIET).up_to_date
    assert (built.parent / "indicators.csv").read_text(encoding="utf-8").startswith("iso3,")


def test_a_stale_write_ahead_log_does_not_break_the_new_database(built: Path,
                                                                 inputs: Path) -> None:
    wal = built.with_name(built.name + ".wal")
    wal.write_bytes(b"left by a crashed session" * 100)
    result = build(inputs, built, **QUIET)
    assert not result.up_to_date  # a log beside the database: it may not open as built
    assert not wal.exists() and _tables(built) == len(result.row_counts)
    duckdb.connect(str(built)).close()  # opens read-write, as a researcher's client does


def test_a_kill_between_the_exports_and_the_database_is_redone(built: Path, inputs: Path,
                                                              tmp_path: Path,
                                                              monkeypatch) -> None:
    real_replace = os.replace

    def killed_before_the_database(source, target) -> None:
        if Path(target) == built:
            raise KeyboardInterrupt  # the kill
        real_replace(source, target)

    monkeypatch.setattr(database.os, "replace", killed_before_the_database)
    database_before = built.read_bytes()
    other = colombia()
    other["homicide"] = other["homicide"][other["homicide"]["year"] != "2020"]
    other_inputs = write_delimited(tmp_path / "other", other)
    with pytest.raises(KeyboardInterrupt):
        build(other_inputs, built, **QUIET)
    monkeypatch.setattr(database.os, "replace", real_replace)
    assert built.read_bytes() == database_before
    assert sorted(str(p.relative_to(built.parent)) for p in built.parent.rglob("*")
                  if p.is_file()) == sorted([built.name, *EXPORTS])
    # The other inputs' exports beside the old database: not the checksums it recorded.
    assert not build(inputs, built, **QUIET).up_to_date
    assert build(inputs, built, **QUIET).up_to_date


def test_two_builds_of_one_database_cannot_interleave(built: Path, inputs: Path) -> None:
    lock = built.with_name(f".{built.name}.lock")
    lock.write_text(str(os.getppid()), encoding="utf-8")  # a live process holds it
    with pytest.raises(UsageError, match="another build"):
        build(inputs, built, force=True, **QUIET)
    lock.write_text("999999999", encoding="utf-8")  # a build that died
    assert not build(inputs, built, force=True, **QUIET).up_to_date
    assert not lock.exists()


def test_temporaries_of_killed_builds_are_removed(built: Path, inputs: Path) -> None:
    dead = [built.with_name(f".{built.name}.999999999.tmp"),
            built.with_name(f".{built.name}.999999999.tmp.wal"),
            built.with_name(".indicators.csv.999999999.tmp")]
    for path in dead:
        path.write_bytes(b"x" * 1000)
    mine = built.with_name("my-notes.tmp")
    mine.write_text("not hemisec's", encoding="utf-8")
    build(inputs, built, **QUIET)
    assert not any(p.exists() for p in dead) and mine.exists()


def test_a_failed_verification_keeps_the_previous_database(built: Path, inputs: Path,
                                                           monkeypatch) -> None:
    before = _snapshot(built)

    def unreadable(*args, **kwargs) -> None:
        raise BuildError("the new database could not be read back (injected)")

    monkeypatch.setattr(database, "_verify", unreadable)
    with pytest.raises(BuildError, match="read back"):
        build(inputs, built, force=True, **QUIET)
    assert _snapshot(built) == before


def test_formula_like_text_is_neutralised_in_the_csv_export(tmp_path: Path) -> None:
    tables = colombia()
    formula = '=HYPERLINK("http://example.org","click")'
    for name in ("homicide", "population"):
        tables[name]["source"] = formula
    out = tmp_path / "out" / "hemisec.duckdb"
    build(write_delimited(tmp_path / "sub", tables), out, **QUIET)
    exported = (out.parent / "indicators.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in exported and ',=HYPERLINK' not in exported
    with duckdb.connect(str(out), read_only=True) as con:  # the database keeps the value
        (source,) = con.execute("SELECT DISTINCT source FROM indicators WHERE method = "
                                "'computed' AND indicator = 'homicide_rate'").fetchone()
    assert source.startswith("=HYPERLINK")
