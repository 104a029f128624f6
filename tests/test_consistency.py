"""Consistency checks: parts against totals, status against persons held, population."""

from __future__ import annotations

from hemisec.checks.validate import validate

S = "Ministry of Security"


def hom(year: int, sex: str, mechanism: str, victims: object, iso3: str = "MEX") -> str:
    return f"{iso3},{year},0101,{sex},{mechanism},{victims},A,{S},"


def test_sex_parts_above_total_point_at_the_total(check_findings) -> None:
    rows = [hom(2020, "_T", "_T", 100), hom(2020, "M", "_T", 60), hom(2020, "F", "_T", 50)]
    assert check_findings({"homicide": rows}) == [
        ("sex-parts-exceed-total", "homicide", 2, "victims")]


def test_sex_parts_must_equal_total_only_when_all_given(check_findings) -> None:
    complete = [hom(2020, "_T", "_T", 100), hom(2020, "M", "_T", 60),
                hom(2020, "F", "_T", 30), hom(2020, "_U", "_T", 5)]
    partial = [hom(2021, "_T", "_T", 100), hom(2021, "M", "_T", 60), hom(2021, "F", "_T", 30)]
    # Without an unknown given, the gap is victims of unknown sex: a warning on the total.
    assert check_findings({"homicide": complete + partial}) == [
        ("parts-short-of-total", "homicide", 6, "victims"),
        ("sex-parts-differ-from-total", "homicide", 2, "victims")]


def test_message_names_each_part(submission) -> None:
    rows = [hom(2020, "_T", "_T", 100), hom(2020, "M", "_T", 60), hom(2020, "F", "_T", 50)]
    (finding,) = validate([submission({"homicide": rows})]).to_dict()["findings"]
    assert finding["message"] == "M 60 + F 50 = 110, total (sex _T) is 100"
    assert finding["value"] == "100"


def test_firearm_homicides_above_all_homicides(check_findings) -> None:
    rows = [hom(2020, "_T", "_T", 100), hom(2020, "_T", "firearm", 120)]
    assert check_findings({"homicide": rows}) == [
        ("mechanism-parts-exceed-total", "homicide", 2, "victims")]


def test_firearm_below_total_is_fine(check_findings) -> None:
    rows = [hom(2020, "_T", "_T", 100), hom(2020, "_T", "firearm", 70)]
    assert check_findings({"homicide": rows}) == []


def test_all_mechanisms_given_must_add_up(check_findings) -> None:
    rows = [hom(2020, "_T", "_T", 100), hom(2020, "_T", "firearm", 50),
            hom(2020, "_T", "other_weapon", 20), hom(2020, "_T", "without_weapon", 10),
            hom(2020, "_T", "_U", 10)]
    assert check_findings({"homicide": rows}) == [
        ("mechanism-parts-differ-from-total", "homicide", 2, "victims")]


def test_marking_status_parts_above_total(check_findings) -> None:
    rows = [f"MEX,2020,seized,firearms,{m},{q},A,{S},"
            for m, q in [("_T", 10), ("uniquely_marked", 8), ("no_marking", 5)]]
    assert check_findings({"firearms": rows}) == [
        ("marking-parts-exceed-total", "firearms", 2, "quantity")]


def test_unsentenced_and_sentenced_above_persons_held(check_findings) -> None:
    rows = [f"MEX,2020,{m},_T,{v},A,{S}," for m, v in
            [("persons_held", 100), ("unsentenced", 70), ("sentenced", 40)]]
    ok = [f"MEX,2021,{m},_T,{v},A,{S}," for m, v in
          [("persons_held", 100), ("unsentenced", 70), ("sentenced", 20)]]
    assert check_findings({"prison": rows + ok}) == [
        ("prison-status-exceeds-held", "prison", 2, "value")]


def test_country_year_without_population(check_findings, submission) -> None:
    """Without a submitted population, the package's (demo, 2000-2023) is used."""
    rows = [hom(1995, "_T", "_T", 10), hom(1995, "M", "_T", 8), hom(2020, "_T", "_T", 10)]
    assert check_findings({"homicide": rows}, kind="consistency") == [
        ("population-missing", "homicide", 2, "iso3, year")]
    report = validate([submission({"homicide": rows})])
    assert any("No population table was submitted" in n for n in report.notices)


def test_submitted_population_is_the_one_used(check_findings) -> None:
    found = check_findings({
        "population": ["MEX,2020,_T,126000000,INEGI"],
        "prison": [f"MEX,2020,persons_held,_T,200000,A,{S},",
                   f"MEX,2021,persons_held,_T,200000,A,{S},"],
    }, only="population-missing")
    assert found == [("population-missing", "prison", 3, "iso3, year")]


def test_structurally_bad_cells_are_not_counted_again(check_findings) -> None:
    """A part that is not a number is a type error, not also a sum error."""
    rows = [hom(2020, "_T", "_T", 100), hom(2020, "M", "_T", "6O"), hom(2020, "F", "_T", 50)]
    assert check_findings({"homicide": rows}) == [("type-error", "homicide", 3, "victims")]


def test_all_marking_statuses_given_must_add_up(check_findings) -> None:
    rows = [f"MEX,2020,seized,firearms,{m},{q},A,{S},"
            for m, q in [("_T", 10), ("uniquely_marked", 5), ("altered_marking", 1),
                         ("no_marking", 1), ("_U", 1)]]
    assert check_findings({"firearms": rows}) == [
        ("marking-parts-differ-from-total", "firearms", 2, "quantity")]
