"""National offence categories mapped to the ICCS: checks, roll-up and coverage report."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from rich.console import Console

from hemisec.build.database import build
from tests.conftest import run_hemisec

S = "Código Penal"
MAPPING = [
    f"MEX,HOM-DOL,Homicidio doloso,0101,narrower,{S},",
    f"MEX,FEM,Feminicidio,0101,narrower,{S},",
    f"MEX,HC-VEH,Homicidio culposo en accidente de tránsito,010321,full,{S},",
    f"MEX,HC-OTR,Homicidio culposo (otros),01032,full,{S},",
    f"MEX,HOM-PRE,Homicidio preterintencional,0103,broader,{S},",
    f"MEX,PORT,Portación de arma de fuego,090111,full,{S},",
]


def offences(rows: list[tuple[str, str, int]], year: int = 2020) -> list[str]:
    return [f"MEX,{year},{code},,{unit},{value},,{S}," for code, unit, value in rows]


def test_each_kind_of_mapping_error_is_reported_exactly(check_findings) -> None:
    findings = check_findings({
        "iccs_correspondence": [
            f"MEX,HOM-DOL,Homicidio doloso,0101,full,{S},",
            f"MEX,HOM-DOL,Homicidio doloso,0101,full,{S},",      # mapped twice
            f"MEX,XYZ,Delito inventado,0199,full,{S},",          # no such ICCS code
            f"MEX,FEM,Feminicidio,0101,narrower,{S},",           # warning
            f"MEX,ROB,Robo,0401,partial,{S},",                   # not a match value
        ],
        "national_offences": [
            f"MEX,2020,HOM-DOL,Homicidio doloso,victims,100,,{S},",
            f"MEX,2020,SEC,Secuestro,offences,12,,{S},",          # unmapped
            f"CAN,2020,HOM-DOL,,victims,5,,{S},",                 # mapped for MEX only
        ],
    }, kind=None)
    mapping = [f for f in findings if f[1] in ("iccs_correspondence", "national_offences")]
    assert mapping == sorted([
        ("code-not-in-list", "iccs_correspondence", 4, "iccs_code"),
        ("code-not-in-list", "iccs_correspondence", 6, "match"),
        ("duplicate-key", "iccs_correspondence", 3, "iso3, national_code"),
        ("mapping-not-full", "iccs_correspondence", 5, "match"),
        ("national-code-unmapped", "national_offences", 3, "national_code"),
        ("national-code-unmapped", "national_offences", 4, "national_code"),
    ])


def test_unmapped_message_names_code_and_label(submission) -> None:
    from hemisec.checks.validate import validate

    folder = submission({
        "iccs_correspondence": MAPPING,
        "national_offences": [f"MEX,2020,SEC,Secuestro,offences,12,,{S},"],
    })
    report = validate([folder])
    message = report.findings.query("check == 'national-code-unmapped'")["message"].item()
    assert message == ("MEX national category 'SEC' ('Secuestro') has no row in "
                       "iccs_correspondence")


@pytest.fixture
def rolled_up(submission: Callable[..., Path], tmp_path: Path) -> Callable[..., dict]:
    """Build a submission and return iccs_counts as {(code, unit): row}."""
    def run(rows: list[str]) -> dict[tuple[str, str], dict]:
        folder = submission({"iccs_correspondence": MAPPING, "national_offences": rows})
        out = tmp_path / "out.duckdb"
        build(folder, out, console=Console(file=io.StringIO()))
        with duckdb.connect(str(out), read_only=True) as con:
            frame = con.execute("SELECT * FROM iccs_counts WHERE iso3 = 'MEX'").df()
        return {(r["iccs_code"], r["counting_unit"]): r for r in frame.to_dict("records")}
    return run


def test_counts_roll_up_every_level(rolled_up) -> None:
    values = {"HOM-DOL": 900, "FEM": 100, "HC-VEH": 300, "HC-OTR": 50, "HOM-PRE": 20}
    counts = rolled_up(offences([(c, "victims", v) for c, v in values.items()]
                                + [("PORT", "offences", 70)]))
    expected = {
        "0101": values["HOM-DOL"] + values["FEM"],
        "010321": values["HC-VEH"],
        "01032": values["HC-VEH"] + values["HC-OTR"],
        "0103": values["HC-VEH"] + values["HC-OTR"] + values["HOM-PRE"],
        "01": sum(values.values()),
    }
    assert {code: counts[(code, "victims")]["value"] for code in expected} == expected
    assert {k for k in counts if k[1] == "victims"} == {(c, "victims") for c in expected}
    firearms = {code: counts[(code, "offences")]["value"]
                for code in ("090111", "09011", "0901", "09")}
    assert firearms == dict.fromkeys(("090111", "09011", "0901", "09"), 70)
    assert counts[("01", "victims")]["level"] == 1 and counts[("010321", "victims")]["level"] == 4


def test_partial_mappings_flag_the_counts_they_feed(rolled_up) -> None:
    counts = rolled_up(offences([("HC-VEH", "victims", 300), ("HC-OTR", "victims", 100),
                                 ("HOM-PRE", "victims", 100)]))
    assert counts[("01032", "victims")]["comparability"] == "full"
    assert counts[("01032", "victims")]["fully_mapped_share"] == pytest.approx(100.0)
    parent = counts[("0103", "victims")]
    assert parent["comparability"] == "partial"
    assert parent["fully_mapped_share"] == pytest.approx(400 / 500 * 100)
    assert parent["national_codes"] == "HC-OTR, HC-VEH, HOM-PRE"


def test_homicide_and_national_offences_side_by_side(demo_db: Path) -> None:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        row = con.execute(
            "SELECT homicide_victims, national_offences_victims, difference "
            "FROM homicide_vs_national_offences WHERE iso3 = 'COL' AND year = 2019 "
            "AND iccs_code = '0101'").fetchone()
    data = Path(__file__).resolve().parent.parent / "data"

    hom = pd.read_csv(data / "homicide.csv", dtype={"iccs_code": str})
    nat = pd.read_csv(data / "national_offences.csv")
    victims = hom.query("iso3 == 'COL' and year == 2019 and iccs_code == '0101' "
                        "and sex == '_T' and mechanism == '_T'")["victims"].item()
    national = nat.query("iso3 == 'COL' and year == 2019 and "
                         "national_code in ('CP-103', 'CP-104A')")["value"].sum()
    assert row == (victims, national, national - victims)


def test_mapping_check_cli(submission) -> None:
    folder = submission({
        "iccs_correspondence": MAPPING,
        "national_offences": [f"MEX,2020,SEC,Secuestro,offences,12,,{S},",
                              f"MEX,2021,SEC,Secuestro,offences,15,,{S},",
                              f"MEX,2020,FEM,,victims,15,,{S},"],
    })
    result = run_hemisec("mapping", "check", "MEX", "--data", str(folder), "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["unmapped"] == [{"national_code": "SEC", "national_label": "Secuestro",
                                   "rows": 2}]
    assert {r["national_code"] for r in report["partial"]} == {"HOM-DOL", "FEM", "HOM-PRE"}
    fed = {r["iccs_code"]: r["fed_by"] for r in report["relevant_iccs"]}
    assert fed == {"0101": ["FEM", "HOM-DOL"], "0102": [],
                   "0103": ["HC-OTR", "HC-VEH", "HOM-PRE"], "090111": ["PORT"], "090121": []}
    text = run_hemisec("mapping", "check", "MEX", "--data", str(folder))
    assert "SEC 'Secuestro'" in text.stdout and "no national category" in text.stdout
    assert run_hemisec("mapping", "check", "ZZZ").returncode == 2


def test_demo_maps_five_countries_without_errors(package) -> None:
    correspondence = package.reference_frames["iccs_correspondence"]
    assert correspondence["iso3"].nunique() >= 5
    for iso3 in correspondence["iso3"].unique():
        assert run_hemisec("mapping", "check", iso3, "--format", "json").returncode == 0
