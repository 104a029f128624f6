"""The code lists and the countries in four languages: every row has its labels, the
schemas say where they come from, and the template, the report site and `hemisec mapping
check` show them in the reader's language, English where a table has none."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from frictionless import Package

from hemisec.package import DataPackage
from hemisec.paths import REPO_ROOT
from hemisec.publish import site
from hemisec.publish.labels import english_column, in_language, label_column
from hemisec.publish.template import _labels, write_template
from tests.conftest import run_hemisec
from tests.test_site import _no_charts

CODE_LISTS = {"sex", "mechanism", "marking_status", "firearm_action", "firearm_item",
              "counting_unit", "obs_status", "prison_measure"}
LANGUAGES = ("es", "fr", "pt")


def _filled(values: pd.Series) -> bool:
    return bool((values.notna() & (values.str.strip() != "")).all())


def test_every_code_and_country_has_a_label_in_each_language(package: DataPackage) -> None:
    code_lists = {n for n in package.reference_tables if package.tables[n].is_code_list}
    assert code_lists == CODE_LISTS
    for name in CODE_LISTS:
        frame = package.reference_frames[name]
        for language in LANGUAGES:
            assert _filled(frame[f"label_{language}"]), (name, language)
        total = frame[frame["code"] == "_T"]
        assert all(total[f"label_{lang}"].eq("Total").all() for lang in LANGUAGES), name
    countries = package.reference_frames["countries"]
    assert len(countries) == 35
    for language in LANGUAGES:
        assert _filled(countries[f"name_{language}"]), language
        assert countries[f"name_{language}"].is_unique, language
    names = countries.set_index("iso3")
    assert names.at["BOL", "name_fr"] == "Bolivie (État plurinational de)"
    assert names.at["KNA", "name_pt"] == "São Cristóvão e Névis"


def test_each_label_column_says_where_its_labels_come_from(package: DataPackage) -> None:
    sources = {"label_es": "UN-CTS", "label_fr": "UN-CTS", "label_pt": "Decreto 5.941/2006",
               "name_fr": "UN M49", "name_pt": "Itamaraty"}
    for name in [*CODE_LISTS, "countries"]:
        spec = package.tables[name]
        for column in [c for c in spec.field_names if c[:-3] in ("label", "name")
                       and c[-2:] in LANGUAGES]:
            field = spec.field(column)
            assert field.title and field.description, (name, column)
            if name != "obs_status" and column in sources:
                assert sources[column] in field.description, (name, column)
    for language in LANGUAGES:  # the status labels say they translate SDMX's names
        assert "SDMX" in package.tables["obs_status"].field(f"label_{language}").description


def test_label_column_and_the_fallback_to_english_per_row() -> None:
    codes = pd.DataFrame({"code": ["M", "F"], "label": ["Male", "Female"],
                          "label_fr": ["Hommes", None], "label_es": ["", " "]})
    assert label_column(codes, "label", "fr") == "label_fr"
    assert label_column(list(codes.columns), "label", "fr") == "label_fr"
    assert label_column(codes, "label", "es") == "label"  # present but never filled
    assert label_column(codes, "label", "pt") == "label"  # absent
    assert label_column(codes, "label", "en") == "label"
    assert in_language(codes, "label", "fr").tolist() == ["Hommes", "Female"]
    assert in_language(codes, "label", "es").tolist() == ["Male", "Female"]
    iccs = pd.DataFrame({"code": ["0101", "0102"], "label_en": ["Intentional homicide",
                                                                "Attempted intentional homicide"],
                         "label_es": ["Homicidio intencional", pd.NA]})
    assert english_column(iccs.columns, "label") == "label_en"
    assert in_language(iccs, "label", "es").tolist() == ["Homicidio intencional",
                                                         "Attempted intentional homicide"]
    assert in_language(iccs, "label", "fr").tolist() == iccs["label_en"].tolist()


def test_the_committed_iccs_falls_back_to_english_and_an_imported_one_row_by_row(
        monkeypatch: pytest.MonkeyPatch) -> None:
    package = DataPackage.load()
    committed = package.reference_rows("iccs")
    assert [label for _, label, _ in _labels("iccs", package, "es")] == \
        [row["label_en"] for row in committed]
    imported = [{**row, "label_es": "Homicidio intencional" if row["code"] == "0101"
                 else row.get("label_es")} for row in committed]  # as `import iccs-es` does
    monkeypatch.setattr(package, "reference_rows",
                        lambda name: imported if name == "iccs" else committed)
    labels = {code: label for code, label, _ in _labels("iccs", package, "es")}
    assert labels["0101"] == "Homicidio intencional"
    assert labels["0102"] == "Attempted intentional homicide"


def test_the_french_template_shows_french_labels_and_name(tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(write_template("HTI", tmp_path / "hti.xlsx", "fr"))
    assert "Haïti (HTI)" in workbook.worksheets[0]["A2"].value

    def labels(name: str) -> dict[str, str]:
        rows = workbook[f"list {name}"].iter_rows(min_row=2, values_only=True)
        return {code: label for code, label, *_ in rows}

    assert labels("sex") == {"_T": "Total", "M": "Hommes", "F": "Femmes", "_U": "Sexe inconnu"}
    assert labels("mechanism")["firearm"] == "Arme à feu"
    assert labels("firearm_item")["parts_components"] == "Pièces et éléments"
    assert labels("prison_measure")["official_capacity"] == "Capacité officielle"
    assert labels("obs_status")["E"] == "Valeur estimée"
    assert labels("iccs")["0101"] == "Intentional homicide"  # no French ICCS labels
    prompts = {str(v.sqref)[0]: v.prompt for v in
               workbook["homicide"].data_validations.dataValidation}
    assert prompts["A"] == "HTI = Haïti"
    assert "M = Hommes" in prompts["D"] and "firearm = Arme à feu" in prompts["E"]


def test_the_portuguese_site_shows_portuguese_names(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    with pytest.MonkeyPatch.context() as patch:
        _no_charts(patch)
        site.write_site(demo_db, out, "pt", countries=["GUY"])
    index = (out / "index.html").read_text(encoding="utf-8")
    guyana = (out / "country" / "GUY.html").read_text(encoding="utf-8")
    assert ">Guiana</a>" in index and ">Colômbia</a>" in index
    assert "<h1>Guiana" in guyana
    assert site.Site(site.load(demo_db), "fr").names["BOL"] == "Bolivie (État plurinational de)"
    assert site.Site(site.load(demo_db), "en").names["BOL"] == "Bolivia"


def test_mapping_check_names_the_country_in_the_chosen_language() -> None:
    result = run_hemisec("mapping", "check", "MEX", "--lang", "fr", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["country"] == "Mexique"
    labels = {r["iccs_code"]: r["label"] for r in report["relevant_iccs"]}
    assert labels["0101"] == "Intentional homicide"  # the ICCS has no French labels
    result = run_hemisec("mapping", "check", "BRA", "--lang", "pt", "--format", "json")
    assert json.loads(result.stdout)["country"] == "Brasil"


def test_frictionless_validates_the_package() -> None:
    report = Package(str(REPO_ROOT / "datapackage.json"), basepath=str(REPO_ROOT)).validate()
    assert report.valid, [e.message for t in report.tasks for e in t.errors][:5]
