"""The Excel template: made from the schemas, filled in, validated and built."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from babel.messages.extract import extract_from_file
from rich.console import Console

from hemisec.build.database import build
from hemisec.checks.validate import validate
from hemisec.package import DataPackage
from hemisec.paths import REPO_ROOT
from hemisec.publish import template as template_module
from hemisec.publish.template import TEMPLATE_ROWS, TEMPLATE_TABLES, write_template
from hemisec.translate import LANGUAGES, catalogue_path, translator
from tests.conftest import run_hemisec
from tests.submissions import colombia, fill_sheet, write_delimited


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    """The template for Colombia, filled programmatically with Colombia's demo rows."""
    tables = {k: v for k, v in colombia().items() if k in TEMPLATE_TABLES}
    mapping = pd.read_csv(REPO_ROOT / "data" / "reference" / "iccs_correspondence.csv",
                          dtype=str, keep_default_na=False)
    tables["iccs_correspondence"] = mapping[mapping["iso3"] == "COL"].reset_index(drop=True)
    path = write_template("COL", tmp_path_factory.mktemp("template") / "col.xlsx")
    workbook = openpyxl.load_workbook(path)
    for name, frame in tables.items():
        fill_sheet(workbook[name], frame)
    workbook.save(path)
    return path, tables


def test_filled_template_validates_as_the_csv(filled, tmp_path) -> None:
    path, tables = filled
    report = validate([path])
    baseline = validate([write_delimited(tmp_path / "csv", tables)])
    assert report.errors == 0 and baseline.errors == 0
    key = ["check", "resource", "row", "field", "value"]
    assert report.findings[key].reset_index(drop=True).equals(
        baseline.findings[key].reset_index(drop=True))
    for name in TEMPLATE_TABLES:
        pd.testing.assert_frame_equal(report.loaded[name].typed, baseline.loaded[name].typed)
    unused = [n for n in report.notices if "unused template row" in n]
    assert len(unused) == len(TEMPLATE_TABLES)
    assert f"{TEMPLATE_ROWS - len(tables['population']):,} unused" in " ".join(unused)
    assert not [n for n in report.notices if "not read" in n]  # the template's own sheets


def test_filled_template_builds(filled, tmp_path) -> None:
    path, tables = filled
    out = tmp_path / "hemisec.duckdb"
    build(path, out, console=Console(file=io.StringIO()))
    with duckdb.connect(str(out), read_only=True) as con:
        for name in ("homicide", "prison", "population", "national_offences"):
            (rows,) = con.execute(f"SELECT count(*) FROM {name}").fetchone()
            assert rows == len(tables[name]), name
        (computed,) = con.execute("SELECT count(*) FROM indicators WHERE iso3 = 'COL' "
                                  "AND indicator = 'homicide_rate'").fetchone()
        assert computed == len(tables["population"]) // 3  # one per year


def test_template_sheets_follow_the_schemas(package: DataPackage, tmp_path) -> None:
    workbook = openpyxl.load_workbook(write_template("MEX", tmp_path / "mex.xlsx"))
    for name in TEMPLATE_TABLES:
        spec = package.tables[name]
        sheet = workbook[name]
        assert [c.value for c in sheet[1]] == spec.field_names
        assert sheet.freeze_panes == "A2" and sheet.protection.sheet
        assert sheet.cell(2, 1).value == "MEX" and sheet.cell(TEMPLATE_ROWS + 1, 1).value == "MEX"
        validations = {str(v.sqref).split(":")[0][:-1]: v for v in
                       sheet.data_validations.dataValidation}
        for position, field in enumerate(spec.fields, start=1):
            letter = openpyxl.utils.get_column_letter(position)
            coded = any(fk.field == field.name and fk.resource in package.reference_tables
                        for fk in spec.foreign_keys) or field.enum is not None
            if coded:
                assert validations[letter].type == "list", (name, field.name)
                assert validations[letter].prompt, (name, field.name)
            elif field.type == "integer":
                assert validations[letter].type == "whole", (name, field.name)
                assert float(validations[letter].formula1) == (field.minimum or 0)
            if field.type == "string":
                assert sheet.column_dimensions[letter].number_format == "@"
    columns = workbook["Columns"]
    assert columns.max_row - 1 == sum(len(package.tables[n].fields) for n in TEMPLATE_TABLES)
    sex = [[c.value for c in row] for row in workbook["list sex"].iter_rows(min_row=2)]
    assert [r[0] for r in sex] == package.reference_frames["sex"]["code"].tolist()
    assert workbook["_hemisec"].sheet_state == "hidden"


def _msgids() -> set[str]:
    """What the template translates: its marked texts and the titles of its columns."""
    marked = {message for _, message, _, _ in extract_from_file(
        "python", template_module.__file__, keywords={"_": None})}
    package = DataPackage.load()
    titles = {f.title for n in TEMPLATE_TABLES for f in package.tables[n].fields}
    return marked | titles


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_template_text_has_a_translation(language) -> None:
    from babel.messages.pofile import read_po

    with catalogue_path(language).open("rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    assert _msgids() - translated == set()
    t = translator(language)
    assert t("Columns") != "Columns" and t("Year") != "Year"


@pytest.mark.parametrize("language, title", [
    ("es", "Plantilla de envío de datos de hemisec"),
    ("fr", "Modèle de transmission de données hemisec"),
    ("pt", "Modelo de envio de dados do hemisec"),
])
def test_template_in_another_language(language, title, tmp_path) -> None:
    result = run_hemisec("template", "BRA", "--lang", language, "--out",
                         str(tmp_path / "bra.xlsx"))
    assert result.returncode == 0, result.stderr
    workbook = openpyxl.load_workbook(tmp_path / "bra.xlsx")
    first = workbook.worksheets[0]
    assert first["A1"].value == title and "BRA" in first["A2"].value
    assert workbook.sheetnames[1:7] == list(TEMPLATE_TABLES)  # table sheets keep their names


def test_template_command_never_overwrites_and_checks_the_country(tmp_path) -> None:
    out = tmp_path / "col.xlsx"
    out.write_bytes(b"the user's own work")
    result = run_hemisec("template", "COL", "--out", str(out))
    assert result.returncode == 2 and "exists" in result.stderr
    assert out.read_bytes() == b"the user's own work"
    result = run_hemisec("template", "XXX", "--out", str(tmp_path / "x.xlsx"))
    assert result.returncode == 2 and "not an OAS member state" in result.stderr
    assert "Traceback" not in result.stderr


def test_unfilled_template_is_valid_and_reports_only_its_sheets(tmp_path) -> None:
    report = validate([write_template("COL", tmp_path / "col.xlsx")])
    assert report.valid
    assert set(report.findings["check"]) == {"table-empty"}
    assert all("col.xlsx!" in t["file"] for t in report.tables)  # not the package's files
    assert any("iccs_correspondence has no rows" in n or "package's own iccs_correspondence"
               in n for n in report.notices)


def test_prompts_fit_excel_and_never_end_cut(tmp_path) -> None:
    workbook = openpyxl.load_workbook(write_template("COL", tmp_path / "col.xlsx"))
    for name in TEMPLATE_TABLES:
        for validation in workbook[name].data_validations.dataValidation:
            assert len(validation.prompt or "") <= template_module.PROMPT_LIMIT
    mapping = {str(v.sqref)[0]: v for v in
               workbook["iccs_correspondence"].data_validations.dataValidation}
    assert "'list iccs'" in mapping["D"].prompt and "91" in mapping["D"].prompt
    assert "broader" in mapping["E"].prompt and "ICCS" in mapping["E"].prompt
    year = next(v for v in workbook["homicide"].data_validations.dataValidation
                if str(v.sqref).startswith("B"))
    assert "1950" in year.prompt and "2030" in year.prompt
