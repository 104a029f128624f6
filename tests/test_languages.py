"""The validator in the statistician's language: a submission saved by a Spanish, French or
Portuguese Excel, validated with `--lang`, gets every message, fix, notice and heading in
that language, and the same findings as in English; the build's database stays English."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from hemisec.cli import app
from hemisec.translate import speaking, translator
from tests.conftest import run_hemisec
from tests.injected import write_injected

LANGUAGES = ["es", "fr", "pt"]
KEY = ["check", "resource", "file", "row", "field", "value"]


@pytest.fixture(scope="module")
def locale_submission(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with errors in 2% of its cells, saved as a Spanish-locale Excel saves
    "CSV": semicolons, Windows-1252."""
    injected = write_injected(tmp_path_factory.mktemp("injected"), share=0.02, seed=7)
    folder = tmp_path_factory.mktemp("excel")
    for path in injected.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.to_csv(folder / path.name, sep=";", index=False, encoding="cp1252",
                     errors="replace")
    return folder


def _json_report(folder: Path, language: str) -> dict:
    result = CliRunner().invoke(app, ["validate", str(folder), "--format", "json",
                                      "--lang", language])
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def english(locale_submission: Path) -> dict:
    return _json_report(locale_submission, "en")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_fix_and_notice_is_in_the_language(
        locale_submission: Path, english: dict, language: str) -> None:
    report = _json_report(locale_submission, language)
    found = pd.DataFrame(report["findings"])
    expected = pd.DataFrame(english["findings"])
    # The same findings, in the same order: only their wording changes.
    assert found[KEY].equals(expected[KEY])
    assert len(found) > 500 and found["check"].nunique() >= 12
    same = found[found["message"] == expected["message"]]
    assert same.empty, f"{language}: messages left in English: {same[[*KEY, 'message']]}"
    assert len(report["notices"]) == len(english["notices"]) >= 2
    assert [n for n in report["notices"] if n in english["notices"]] == []
    fixes = {r["check"]: r["fix"] for r in english["summary"]}
    assert [r["check"] for r in report["summary"] if r["fix"] == fixes[r["check"]]] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_text_report_speaks_the_language(locale_submission: Path, language: str) -> None:
    _ = translator(language)
    result = CliRunner().invoke(app, ["validate", str(locale_submission / "homicide.csv"),
                                      "--lang", language, "--max-per-check", "2"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 1
    for heading in ("Summary by check, by ESS validation level",
                    "Occurrences (file:row column 'value': what is wrong)"):
        assert _(heading) != heading and _(heading) in result.stdout
    assert "NOT VALID" not in result.stdout and "Note:" not in result.stdout


def test_the_language_comes_from_the_locale(locale_submission: Path) -> None:
    """No --lang: the environment's language, as gettext programs read it."""
    result = CliRunner().invoke(app, ["validate", str(locale_submission / "homicide.csv")],
                                env={"LANGUAGE": "", "LC_ALL": "pt_BR.UTF-8", "COLUMNS": "200"})
    assert translator("pt")("Summary by check, by ESS validation level") in result.stdout


def test_an_unknown_language_is_refused_clearly() -> None:
    result = run_hemisec("validate", "datapackage.json", "--lang", "de")
    assert result.returncode == 2
    assert "--lang de: use one of en, es, fr, pt" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_html_report_marks_messages_worded_in_another_language(
        locale_submission: Path, tmp_path: Path) -> None:
    from hemisec.checks.validate import validate
    from hemisec.publish import validation_report

    with speaking("es"):
        report = validate([locale_submission / "homicide.csv"])
    validation_report.write_html(report, tmp_path / "es.html", "es")
    validation_report.write_html(report, tmp_path / "en.html", "en")
    spanish = (tmp_path / "es.html").read_text(encoding="utf-8")
    assert 'lang="es"' not in spanish.split("<body", 1)[1]  # all of it is the page's language
    assert 'lang="en"' not in spanish.split("<body", 1)[1]
    assert '<td lang="es">' in (tmp_path / "en.html").read_text(encoding="utf-8")


def test_the_build_speaks_the_language_and_its_database_stays_english(
        submission, tmp_path: Path) -> None:
    folder = submission({"homicide": ["COL,2020,0101,_T,_T,12000,A,Ministry of Defence,",
                                      "COL,2021,0101,_T,_T,40000,A,Ministry of Defence,"]})
    out = tmp_path / "es" / "hemisec.duckdb"
    result = run_hemisec("build", "--data", str(folder), "--out", str(out), "--lang", "es")
    assert result.returncode == 0, result.stdout + result.stderr
    _ = translator("es")
    assert _("validate") in result.stdout and _("transforms") in result.stdout
    with duckdb.connect(str(out), read_only=True) as con:
        messages = [m for (m,) in con.execute(
            "SELECT message FROM validation_findings WHERE \"check\" = 'year-on-year-change'"
        ).fetchall()]
    assert messages == ["40000 in 2021 after 12000 in 2020 (+233%)"]


def test_a_failed_build_words_its_findings_in_the_language(submission, tmp_path: Path) -> None:
    folder = submission({"homicide": ["COL,2020,0101,_T,_T,-5,A,Ministry of Defence,"]})
    out = tmp_path / "hemisec.duckdb"
    result = run_hemisec("build", "--data", str(folder), "--out", str(out), "--lang", "fr")
    assert result.returncode == 1 and not out.exists()
    with speaking("fr"):
        from hemisec.translate import say

        expected = say("{value} must be at least {minimum}", value="'-5'", minimum="0")
    assert "".join(expected.split()) in "".join(result.stdout.split())


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_error_that_stops_validation_is_in_the_language(tmp_path: Path,
                                                           language: str) -> None:
    missing = tmp_path / "envio"
    result = run_hemisec("validate", str(missing), "--lang", language)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    with speaking(language):
        from hemisec.translate import say

        expected = say("{file}: no such file or folder", file=missing)
    assert expected != f"{missing}: no such file or folder"
    assert "".join(expected.split()) in "".join(result.stderr.split())


@pytest.mark.parametrize(("language", "rate"), [("es", "151,0"), ("fr", "151,0"),
                                                ("pt", "151,0"), ("en", "151.0")])
def test_a_number_a_check_computed_has_the_languages_decimal_mark(
        submission, language: str, rate: str) -> None:
    """The rate a message states is written as the reader writes numbers; the cells it
    quotes stay as the file has them."""
    from hemisec.checks.validate import validate

    folder = submission({"population": ["MEX,2020,_T,100000,x"],
                         "homicide": ["MEX,2020,0101,_T,_T,151,A,Ministry of Security,"]})
    with speaking(language):
        findings = validate([folder]).findings
    found = findings[findings["check"] == "homicide-rate-implausible"]
    assert found["value"].tolist() == ["151"]
    assert f" {rate} " in found["message"].iloc[0]
