"""Plausibility checks are warnings: they never make a submission invalid."""

from __future__ import annotations

from hemisec.checks.validate import validate

S = "Ministry of Security"


def test_homicide_rate_above_150(check_findings, submission) -> None:
    tables = {
        "population": ["MEX,2020,_T,100000,x", "MEX,2021,_T,100000,x"],
        "homicide": [f"MEX,2020,0101,_T,_T,151,A,{S},",     # 151 per 100,000
                     f"MEX,2021,0101,_T,_T,150,A,{S},"],    # exactly the threshold
    }
    assert check_findings(tables, kind="plausibility") == [
        ("homicide-rate-implausible", "homicide", 2, "victims")]
    report = validate([submission(tables)])
    assert report.valid and report.warnings == 1
    assert report.to_dict()["findings"][0]["message"] == (
        "151 victims in a population of 100000 is 151.0 per 100,000")


def test_year_on_year_change(check_findings) -> None:
    rows = [f"{c},{y},persons_held,_T,{v},A,{S}," for c, y, v in [
        ("MEX", 2019, 100), ("MEX", 2020, 160),    # +60%, flagged
        ("CAN", 2019, 30), ("CAN", 2020, 45),      # +50% on small counts: no
        ("CHL", 2019, 40), ("CHL", 2020, 70),      # +75%, and 70 >= 50: flagged
        ("PER", 2019, 0), ("PER", 2020, 60),       # from zero: flagged
        ("URY", 2018, 100), ("URY", 2020, 300),    # not consecutive: a gap, not a change
    ]]
    assert check_findings({"prison": rows}, only="year-on-year-change") == [
        ("year-on-year-change", "prison", 3, "value"),
        ("year-on-year-change", "prison", 7, "value"),
        ("year-on-year-change", "prison", 9, "value"),
    ]


def test_occupancy_above_300_percent(check_findings) -> None:
    rows = [f"MEX,2020,persons_held,_T,400,A,{S},", f"MEX,2020,official_capacity,_T,100,A,{S},",
            f"MEX,2021,persons_held,_T,300,A,{S},", f"MEX,2021,official_capacity,_T,100,A,{S},"]
    assert check_findings({"prison": rows}, only="occupancy-implausible") == [
        ("occupancy-implausible", "prison", 2, "value")]


def test_series_that_stops_and_restarts(check_findings, submission) -> None:
    rows = ["MEX,2000,_T,100,x", "MEX,2001,_T,101,x", "MEX,2004,_T,104,x", "MEX,2005,_T,105,x"]
    assert check_findings({"population": rows}) == [("series-gap", "population", 4, "year")]
    (finding,) = validate([submission({"population": rows})]).to_dict()["findings"]
    assert finding["message"].startswith("no value for 2002-2003 between 2001 and 2004")
    assert finding["severity"] == "warning"
