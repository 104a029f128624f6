"""The cases the reliability review found, each as a user meets it."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import duckdb
import openpyxl
import pytest
from rich.console import Console

from hemisec.build.database import build
from hemisec.checks.validate import validate
from hemisec.read import workbook
from tests.conftest import HEADERS, run_hemisec
from tests.submissions import colombia, write_delimited

QUIET = {"console": Console(file=io.StringIO())}


def test_columns_in_another_order_are_loaded_by_name(tmp_path: Path) -> None:
    tables = colombia()
    homicide = tables["homicide"]
    homicide.loc[homicide["year"] == "2023", "obs_status"] = "P"
    order = list(homicide.columns)
    i, j = order.index("obs_status"), order.index("note")
    order[i], order[j] = order[j], order[i]
    tables["homicide"] = homicide[order]
    out = tmp_path / "out" / "hemisec.duckdb"
    build(write_delimited(tmp_path / "sub", tables), out, **QUIET)
    with duckdb.connect(str(out), read_only=True) as con:
        statuses = con.execute("SELECT DISTINCT obs_status FROM indicators WHERE year = 2023 "
                               "AND indicator = 'homicide_rate' AND method = 'computed'")
        assert statuses.fetchall() == [("P",)]
        notes = con.execute("SELECT count(*) FROM homicide WHERE note = 'P'").fetchone()
        assert notes == (0,)


def test_paths_are_never_patterns(tmp_path: Path) -> None:
    (tmp_path / "sub1").mkdir()
    result = run_hemisec("build", "--data", str(tmp_path / "sub*"), "--out",
                         str(tmp_path / "x.duckdb"))
    assert result.returncode == 2 and "no such file or folder" in result.stderr


@pytest.mark.parametrize("cell, expected", [
    (str(2**70), "more than 18 digits"), ("100\u00a0000", "thousands separator"),
])
def test_numbers_no_count_can_be(cell: str, expected: str, tmp_path: Path) -> None:
    (tmp_path / "homicide.csv").write_text(
        HEADERS["homicide"] + f"\nCOL,2020,0101,_T,_T,{cell},A,x,\n", encoding="utf-8")
    (finding,) = validate([tmp_path]).to_dict()["findings"]
    assert finding["check"] == "type-error" and expected in finding["message"]


def test_limits_on_columns_and_cells_are_clear_and_fast(tmp_path: Path) -> None:
    wide = tmp_path / "wide"
    wide.mkdir()
    (wide / "homicide.csv").write_text(",".join(f"c{i}" for i in range(20_000)) + "\n",
                                       encoding="utf-8")
    big = tmp_path / "big"
    big.mkdir()
    (big / "homicide.csv").write_text(
        HEADERS["homicide"] + "\nCOL,2020,0101,_T,_T,1,A," + "x" * 3_000_000 + ",\n",
        encoding="utf-8")
    for folder, message in ((wide, "20,000 cells"), (big, "longer than 100,000")):
        started = time.perf_counter()
        (finding,) = validate([folder]).to_dict()["findings"]
        assert time.perf_counter() - started < 10
        assert finding["check"] == "file-unreadable" and message in finding["message"]


def test_a_workbook_that_expands_too_far_is_refused_before_it_is_opened(
        tmp_path: Path, monkeypatch) -> None:
    book = openpyxl.Workbook()
    book.active.title = "homicide"
    for row in range(3000):
        book.active.append(["COL", 2000 + row % 20, "0101", "_T", "_T", row, "A", "x" * 40])
    book.save(tmp_path / "homicide.xlsx")
    monkeypatch.setattr(workbook, "MAX_UNCOMPRESSED_BYTES", 2**20)
    (finding,) = validate([tmp_path]).to_dict()["findings"]
    assert finding["check"] == "file-unreadable" and "expands to" in finding["message"]


def test_mapping_check_names_a_damaged_table(tmp_path: Path) -> None:
    (tmp_path / "iccs_correspondence.csv").write_text(
        "iso3;national_code;national_label\nCOL;X;y\n", encoding="utf-8")
    result = run_hemisec("mapping", "check", "COL", "--data", str(tmp_path))
    assert result.returncode == 2
    assert "iccs_correspondence.csv" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("source, name, data", [
    ("iccs-es", "crimes.json", b"{not json"),
    ("cts-prisons", "prisons.xlsx", b"PK\x03\x04 truncated"),
    ("wb-population", "population.csv", b"Country Name,Year\nMexico,2020\n"),
    ("iafq", "iafq.csv", b""),
])
def test_damaged_public_files_are_named_in_one_line(source: str, name: str, data: bytes,
                                                   tmp_path: Path) -> None:
    (tmp_path / name).write_bytes(data)
    result = run_hemisec("import", source, str(tmp_path / name), "--out",
                         str(tmp_path / "out"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert name in result.stderr and "Traceback" not in result.stderr
    assert "unexpected error" not in result.stderr


def test_json_report_of_a_damaged_file_is_still_json(tmp_path: Path) -> None:
    (tmp_path / "homicide.csv").write_bytes(b"\x00\x01\x02")
    result = run_hemisec("validate", str(tmp_path), "--format", "json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["findings"][0]["check"] == "file-unreadable"
