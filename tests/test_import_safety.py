"""import-all never deletes what it did not make, and a failed import keeps the last one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hemisec.errors import UsageError
from hemisec.importers import IMPORT_MARKER, import_all
from tests.conftest import REALDATA, run_hemisec

WB = "worldbank_population.csv"


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """A folder of public files: here, one small text file under a known name."""
    folder = tmp_path / "public"
    folder.mkdir()
    (folder / WB).write_text("not the World Bank's layout\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("where", ["source", "inside-source", "holds-source", "cwd"])
def test_out_that_would_destroy_sources_or_the_working_folder_is_refused(
        where, sources: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = {"source": sources, "inside-source": sources / "out", "holds-source": tmp_path,
           "cwd": Path(".")}[where]
    with pytest.raises(UsageError, match="--out"):
        import_all(sources, out)
    assert (sources / WB).is_file()


def test_a_folder_it_did_not_make_is_never_replaced(sources: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes", encoding="utf-8")
    result = run_hemisec("import-all", str(sources), "--out", str(mine))
    assert result.returncode == 2 and "not made by hemisec import-all" in result.stderr
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "my notes"


def test_a_damaged_file_is_named_and_the_previous_import_kept(sources: Path,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "realdata"
    out.mkdir()
    (out / IMPORT_MARKER).write_text("made by hemisec import-all\n", encoding="utf-8")
    (out / "population.csv").write_text("the previous import\n", encoding="utf-8")
    result = run_hemisec("import-all", str(sources), "--out", str(out))
    assert result.returncode == 2, result.stdout + result.stderr
    assert WB in result.stderr and "left as it was" in result.stderr
    assert "Traceback" not in result.stderr
    assert (out / "population.csv").read_text(encoding="utf-8") == "the previous import\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "realdata"]  # no leftovers


@pytest.mark.realdata
def test_a_complete_import_replaces_the_previous_one_as_a_whole(tmp_path: Path) -> None:
    sources = tmp_path / "public"
    sources.mkdir()
    shutil.copy(REALDATA / WB, sources / WB)
    out = tmp_path / "realdata"
    import_all(sources, out)
    first = (out / "population.csv").read_bytes()
    (out / "stale.csv").write_text("from an older import\n", encoding="utf-8")
    import_all(sources, out)
    assert (out / "population.csv").read_bytes() == first
    assert not (out / "stale.csv").exists() and (out / IMPORT_MARKER).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "realdata"]


@pytest.mark.realdata
def test_a_truncated_download_is_refused_by_name(tmp_path: Path) -> None:
    """2,141 of 2,275 rows once imported without a word; now the checksum (with
    SOURCES.md beside the file) or the cut last line (without it) says so."""
    data = (REALDATA / WB).read_bytes()
    cut = data[: len(data) * 9 // 10]
    with_sources = tmp_path / "with"
    with_sources.mkdir()
    shutil.copy(REALDATA / "SOURCES.md", with_sources / "SOURCES.md")
    (with_sources / WB).write_bytes(cut[: cut.rindex(b"\n") + 1])  # whole lines, fewer
    with pytest.raises(UsageError, match=r"sha256 is not the one SOURCES.md records"):
        import_all(with_sources, tmp_path / "out1")
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / WB).write_bytes(cut[: cut.rindex(b",")])  # cut inside a line
    with pytest.raises(UsageError, match="looks cut off"):
        import_all(alone, tmp_path / "out2")
    assert not (tmp_path / "out1").exists() and not (tmp_path / "out2").exists()
