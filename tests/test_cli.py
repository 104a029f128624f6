"""The `hemisec validate` command: exit statuses, the JSON contract, the text report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_hemisec as hemisec

S = "Ministry of Security"
BAD_ROWS = [f"{c},2020,0101,_T,_T,{v},A,{S},"
            for c, v in zip(["MEX", "CAN", "CHL", "PER", "URY"], ["-1", "x", "-2", "y", "-3"],
                            strict=True)] + [
    f"MEX,{y},0101,_T,_T,100,A,{S}," for y in (2021, 2023)]


def test_valid_package_exits_0_and_says_it_is_synthetic() -> None:
    result = hemisec("validate", "datapackage.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VALID: 0 error(s)" in result.stdout
    assert "synthetic demo" in result.stdout


def test_errors_exit_1_with_json_contract(submission) -> None:
    folder = submission({"homicide": BAD_ROWS})
    result = hemisec("validate", str(folder / "homicide.csv"), "--format", "json")
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert set(doc) >= {"valid", "errors", "warnings", "findings"}
    assert doc["valid"] is False
    assert doc["errors"] == sum(f["severity"] == "error" for f in doc["findings"]) == 5
    assert doc["warnings"] == sum(f["severity"] == "warning" for f in doc["findings"]) == 1
    keys = ["severity", "check", "resource", "file", "row", "field", "value", "message"]
    assert all(list(f) == keys for f in doc["findings"])
    first = doc["findings"][0]
    assert (first["check"], first["row"], first["field"], first["value"]) == (
        "out-of-range", 2, "victims", "-1")
    assert isinstance(first["row"], int) and first["file"].endswith("homicide.csv")


def test_warnings_alone_exit_0(submission) -> None:
    folder = submission({"population": ["MEX,2000,_T,100,x", "MEX,2002,_T,100,x"]})
    result = hemisec("validate", str(folder), "--format", "json")
    assert result.returncode == 0
    doc = json.loads(result.stdout)
    assert (doc["valid"], doc["errors"], doc["warnings"]) == (True, 0, 1)


@pytest.mark.parametrize("args, expected", [
    (["no/such/file.csv"], "no such file or folder"),
    (["README.md"], "give a .csv or .xlsx table"),
])
def test_cannot_run_exits_2_without_traceback(args: list[str], expected: str) -> None:
    result = hemisec("validate", *args)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_unknown_table_exits_2(tmp_path: Path) -> None:
    (tmp_path / "homicides_2021.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = hemisec("validate", str(tmp_path / "homicides_2021.csv"))
    assert result.returncode == 2
    assert "'homicides_2021' is not a table" in result.stderr
    assert "homicide" in result.stderr


def test_text_report_summary_first_and_80_columns(submission) -> None:
    folder = submission({"homicide": BAD_ROWS})
    result = hemisec("validate", ".", "--max-per-check", "1", cwd=folder)
    assert result.returncode == 1
    out = result.stdout
    assert max(len(line) for line in out.splitlines()) <= 80
    assert out.index("Summary by check") < out.index("Occurrences")
    # The cap shortens the listing, never the counts.
    assert "NOT VALID: 5 error(s), 1 warning(s)" in out
    assert "... and 2 more" in out
    assert "homicide.csv:2 victims: '-1' must be at least 0" in out


def test_cap_does_not_change_json_counts(submission) -> None:
    folder = submission({"homicide": BAD_ROWS})
    capped = json.loads(hemisec("validate", str(folder), "-f", "json",
                                "--max-per-check", "1").stdout)
    assert capped["errors"] == 5 and len(capped["findings"]) == 6


def test_escape_sequences_in_cells_never_reach_the_terminal(submission) -> None:
    folder = submission({"homicide": ["MEX,2020,0101,_T,_T,\x1b[2J\x1b[HVALID,A,x,"]})
    result = hemisec("validate", str(folder))
    assert result.returncode == 1
    assert "\x1b" not in result.stdout and "\\x1b[2J" in result.stdout
