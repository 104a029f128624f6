"""The cases the reliability review found, each as a user meets it."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from rich.console import Console

from hemisec.build.database import build
from hemisec.checks.validate import validate
from hemisec.paths import REPO_ROOT
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


def _csv(folder: Path, name: str, frame) -> None:
    frame.to_csv(folder / f"{name}.csv", index=False)


def _reference(name: str) -> pd.DataFrame:
    return pd.read_csv(REPO_ROOT / "data" / "reference" / f"{name}.csv", dtype=str,
                       keep_default_na=False)


# Found by fuzzing the command line: submitted tables that lack a column others rely on,
# reference tables with repeated codes, encodings that make no text.
BROKEN_SUBMISSIONS = {
    "offences without national_code": lambda d, t: _csv(
        d, "national_offences", t["national_offences"].drop(columns="national_code")),
    "mapping without match": lambda d, t: (
        _csv(d, "iccs_correspondence", _reference("iccs_correspondence").drop(
            columns="match")), _csv(d, "national_offences", t["national_offences"])),
    "mapping without iccs_code": lambda d, t: _csv(
        d, "iccs_correspondence", _reference("iccs_correspondence").drop(columns="iccs_code")),
    "sex list with header Code": lambda d, t: (
        _csv(d, "sex", _reference("sex").rename(columns={"code": "Code"})),
        _csv(d, "homicide", t["homicide"])),
    "catalogue with a repeated indicator": lambda d, t: (
        _csv(d, "indicator_catalogue", _reference("indicator_catalogue").pipe(
            lambda f: pd.concat([f, f.iloc[[0]]]))), _csv(d, "homicide", t["homicide"])),
    "catalogue without tolerance_pct": lambda d, t: (
        _csv(d, "indicator_catalogue", _reference("indicator_catalogue").drop(
            columns="tolerance_pct")), _csv(d, "homicide", t["homicide"])),
    "ICCS list with a repeated code": lambda d, t: (
        _csv(d, "iccs", _reference("iccs").pipe(lambda f: pd.concat([f, f.iloc[[3]]]))),
        _csv(d, "iccs_correspondence", _reference("iccs_correspondence"))),
}


@pytest.mark.parametrize("case", list(BROKEN_SUBMISSIONS))
def test_broken_submissions_get_findings_not_crashes(case: str, tmp_path: Path) -> None:
    BROKEN_SUBMISSIONS[case](tmp_path, colombia())
    result = run_hemisec("validate", str(tmp_path), "--format", "json")
    assert result.returncode == 1, result.stdout[-500:] + result.stderr
    assert json.loads(result.stdout)["errors"] >= 1


def test_encodings_that_make_no_text_are_refused(tmp_path: Path) -> None:
    write_delimited(tmp_path, {"homicide": colombia()["homicide"]})
    for encoding in ("rot13", "base64"):
        result = run_hemisec("validate", str(tmp_path), "--encoding", encoding)
        assert result.returncode == 2 and "not a text encoding" in result.stderr
    result = run_hemisec("validate", str(tmp_path), "--encoding", "punycode")
    assert result.returncode == 1 and "not punycode text" in result.stdout


def test_damaged_sheets_and_far_away_cells_are_findings(tmp_path: Path) -> None:
    import zipfile

    book = openpyxl.Workbook()
    book.active.title = "homicide"
    book.active.append(HEADERS["homicide"].split(","))
    book.active.cell(1_048_576, 30, "stray")
    book.save(tmp_path / "far.xlsx")
    started = time.perf_counter()
    (finding,) = validate([tmp_path / "far.xlsx"]).to_dict()["findings"]
    assert time.perf_counter() - started < 10
    assert finding["check"] == "file-unreadable" and "stray" in finding["message"]

    book = openpyxl.Workbook()
    book.active.title = "homicide"
    for row in range(200):
        book.active.append(["COL", 2000 + row, "0101", "_T", "_T", row, "A", "x", None])
    book.save(tmp_path / "whole.xlsx")
    with zipfile.ZipFile(tmp_path / "whole.xlsx") as source, \
            zipfile.ZipFile(tmp_path / "homicide.xlsx", "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data[: len(data) // 2] if "worksheets/sheet" in
                            item.filename else data)
    (finding,) = validate([tmp_path / "homicide.xlsx"]).to_dict()["findings"]
    assert finding["check"] == "file-unreadable" and "damaged" in finding["message"]


def test_keys_compare_as_the_database_compares_them(tmp_path: Path) -> None:
    (tmp_path / "homicide.csv").write_text(
        HEADERS["homicide"] + "\nCOL,2015,0101,_T,_T,5,A,x,\nCOL,+2015,0101,_T,_T,6,A,x,\n",
        encoding="utf-8")
    (finding,) = validate([tmp_path]).to_dict()["findings"]
    assert (finding["check"], finding["row"], finding["message"]) == (
        "duplicate-key", 3, "the key (iso3, year, iccs_code, sex, mechanism) repeats row 2")
