"""A submission against the figures already held (ESS level 3): revisions, dropped
figures, series that start later; and every check's ESS validation level."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from hemisec.checks.validate import validate
from hemisec.findings import CHECKS, LEVELS
from hemisec.paths import DEFAULT_DESCRIPTOR, REPO_ROOT
from tests.conftest import run_hemisec

REVISION_CHECKS = ("revision", "figure-dropped", "series-starts-later")


def _colombia_revised(folder: Path, dropped: str) -> Path:
    """Colombia's demo homicide rows with three values revised and one year dropped."""
    frame = pd.read_csv(REPO_ROOT / "data" / "homicide.csv", dtype=str, keep_default_na=False)
    frame = frame[frame["iso3"] == "COL"].copy()
    for year, sex, code, factor in (("2015", "_T", "0101", 1.1), ("2016", "M", "0101", 1.5),
                                    ("2017", "_T", "0102", 2)):
        row = ((frame["year"] == year) & (frame["sex"] == sex) & (frame["iccs_code"] == code)
               & (frame["mechanism"] == "_T"))
        frame.loc[row, "victims"] = (frame.loc[row, "victims"].astype(int) * factor).round(
            ).astype(int).astype(str)
    folder.mkdir(parents=True, exist_ok=True)
    frame[frame["year"] != dropped].to_csv(folder / "homicide.csv", index=False)
    return folder


def _revisions(report) -> list[tuple]:
    frame = report.findings
    frame = frame[frame["check"].isin(REVISION_CHECKS)]
    return sorted(zip(frame["check"], frame["field"], frame["value"], strict=True))


@pytest.fixture
def revised(tmp_path: Path) -> Path:
    return _colombia_revised(tmp_path / "envio", dropped="2014")


def test_three_revisions_and_a_dropped_year_are_exactly_reported(revised: Path) -> None:
    report = validate([revised], against=DEFAULT_DESCRIPTOR)
    series = pd.read_csv(REPO_ROOT / "data" / "homicide.csv", dtype=str)
    held_2014 = series[(series["iso3"] == "COL") & (series["year"] == "2014")]
    assert _revisions(report) == sorted(
        [("revision", "victims", "9484"), ("revision", "victims", "12604"),
         ("revision", "victims", "16304")]
        + [("figure-dropped", "year", "2014")] * len(held_2014))
    messages = report.findings.loc[report.findings["check"] == "revision", "message"]
    assert messages.str.contains("replaces 8622 held in the package's own data "
                                 r"\(\+10.0%; obs_status A, source SYNTHETIC DEMO").any()
    assert {CHECKS[c].level for c in REVISION_CHECKS} == {3}


def test_a_built_database_is_held_data_too(revised: Path, demo_db: Path) -> None:
    theirs = validate([revised], against=demo_db)
    ours = validate([revised], against=DEFAULT_DESCRIPTOR)
    assert _revisions(theirs) == _revisions(ours)
    assert theirs.findings["message"].str.contains("held in the database hemisec.duckdb").any()


def test_a_series_that_starts_later_is_reported(tmp_path: Path) -> None:
    """Colombia's mechanism series start in 2012: dropping 2012 starts them later."""
    report = validate([_colombia_revised(tmp_path / "envio", dropped="2012")],
                      against=DEFAULT_DESCRIPTOR)
    later = report.findings[report.findings["check"] == "series-starts-later"]
    assert len(later) == 4 and set(later["value"]) == {"2013"}
    assert later["message"].str.contains("holds it from 2012 \\(not in the submission: "
                                         "2012\\)").all()


def test_the_demo_is_not_held_data_by_default(revised: Path) -> None:
    report = validate([revised])
    assert _revisions(report) == []
    assert any("Revisions were not checked" in n for n in report.notices)


def test_against_from_the_command_line(revised: Path, tmp_path: Path) -> None:
    done = run_hemisec("validate", str(revised), "--against", "datapackage.json", "--format",
                       "json")
    # Revisions are warnings; the revised totals break their sums by sex (errors).
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    assert [f["check"] for f in document["findings"]].count("revision") == 3
    assert {"check": "revision", "level": 3} .items() <= next(
        s for s in document["summary"] if s["check"] == "revision").items()
    missing = run_hemisec("validate", str(revised), "--against", str(tmp_path / "none"))
    assert missing.returncode == 2 and "no such database" in missing.stderr
    (tmp_path / "notes.duckdb").write_text("not a database", encoding="utf-8")
    damaged = run_hemisec("validate", str(revised), "--against", str(tmp_path / "notes.duckdb"))
    assert damaged.returncode == 2 and "not a DuckDB database" in " ".join(
        damaged.stderr.split())
    assert "Traceback" not in damaged.stderr


def test_every_check_says_its_ess_level() -> None:
    assert CHECKS and all(check.level in LEVELS for check in CHECKS.values())
    # File structure and types are level 0, comparisons with published series level 4.
    assert CHECKS["type-error"].level == 0 and CHECKS["duplicate-key"].level == 1
    assert CHECKS["population-missing"].level == 2
    assert CHECKS["published-rate-differs"].level == 4


def _next_year(folder: Path, year: str, factor: float) -> Path:
    """Colombia's 2023 demo rows sent again as `year`, the total multiplied by `factor`."""
    frame = pd.read_csv(REPO_ROOT / "data" / "homicide.csv", dtype=str, keep_default_na=False)
    frame = frame[(frame["iso3"] == "COL") & (frame["year"] == "2023")].copy()
    frame["year"] = year
    total = (frame["sex"] == "_T") & (frame["iccs_code"] == "0101") & (frame["mechanism"] == "_T")
    frame.loc[total, "victims"] = (frame.loc[total, "victims"].astype(int) * factor).round(
        ).astype(int).astype(str)
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "homicide.csv", index=False)
    return folder


def test_a_new_year_is_checked_against_the_year_held(tmp_path: Path) -> None:
    """A 2024 submission's change from 2023 as published, and a 2026 submission's gap
    after it, are found although 2023 is not in the submission."""
    report = validate([_next_year(tmp_path / "a", "2024", 3)], against=DEFAULT_DESCRIPTOR)
    changes = report.findings[report.findings["check"] == "year-on-year-change"]
    assert len(changes) == 1
    assert changes["message"].iloc[0].endswith("in 2023 held in the package's own data "
                                               "(+200%)")
    report = validate([_next_year(tmp_path / "b", "2026", 1)], against=DEFAULT_DESCRIPTOR)
    gaps = report.findings[report.findings["check"] == "series-gap"]
    assert len(gaps) > 0 and gaps["message"].str.startswith(
        "no value for 2024-2025 between 2023 held in the package's own data and 2026").all()
