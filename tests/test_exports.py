"""The build's exports: every file is a resource of their datapackage.json and valid
against it, text a spreadsheet would run is neutralised in every CSV and XLSX (never in
Parquet, never a number), the workbook's README sheet, the country name, the BOM option."""

from __future__ import annotations

import codecs
import io
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from frictionless import Package
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from hemisec.build.database import build
from hemisec.package import DataPackage
from hemisec.publish.exports import (
    DESCRIPTOR,
    EXPORT_FILES,
    FORMULA_CHARACTERS,
    SDMX_FILES,
    TABLES,
    WORKBOOK,
    ExportOptions,
    export_paths,
    spreadsheet_safe_query,
    spreadsheet_safe_sql,
    spreadsheet_safe_text,
    write_exports,
)
from tests.submissions import colombia, write_delimited
from tests.workbooks import rows_too_short

FRICTIONLESS = Path(sys.executable).with_name("frictionless")
#: Text that spreadsheets run, put into a small build's sources and notes.
HYPERLINK = '=HYPERLINK("http://example.org","click")'
COMMAND = "-2+3+cmd|' /C calc'!A0"
AT_FORMULA = "@SUM(1+1)*cmd|' /C calc'!A0"


def _files(folder: Path) -> set[str]:
    """The exports in a build folder: every file but the database itself."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and not p.name.startswith(("hemisec", "."))}


def _descriptor(folder: Path) -> dict:
    return json.loads((folder / DESCRIPTOR).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def formula_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Colombia's demo rows with sources and a note that spreadsheets would run."""
    tables = colombia()
    tables["homicide"]["source"] = HYPERLINK
    tables["homicide"].loc[:3, "note"] = AT_FORMULA  # the row's note follows "numerator: "
    tables["published_indicators"]["source"] = AT_FORMULA
    tables["population"]["source"] = COMMAND
    folder = tmp_path_factory.mktemp("formulas")
    out = folder / "out" / "hemisec.duckdb"
    build(write_delimited(folder / "submission", tables), out,
          console=Console(file=io.StringIO()))
    return out


def _text_cells_of_csv(path: Path) -> pd.Series:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return pd.Series(frame.to_numpy().ravel())


def test_every_export_is_a_resource_and_every_resource_is_exported(demo_db: Path) -> None:
    folder = demo_db.parent
    listed = {r["path"] for r in _descriptor(folder)["resources"]}
    assert {p.relative_to(folder).as_posix() for p in export_paths(folder)} == set(EXPORT_FILES)
    assert _files(folder) == set(EXPORT_FILES) == listed | {DESCRIPTOR}


def test_the_demo_exports_validate_with_frictionless(demo_db: Path) -> None:
    """Every resource but the workbook's sheets, which hold the rows of the CSV files beside
    them (the same query) and are validated whole on the small build below: frictionless
    reads XLSX cell by cell, seconds for the demo's 9,000 rows."""
    package = Package(str(demo_db.parent / DESCRIPTOR))
    checked = [r for r in package.resources if r.format != "xlsx"]
    assert len(checked) == len(package.resources) - 2
    for resource in checked:
        report = resource.validate()
        assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])[:5]


def test_the_exports_say_what_the_build_is(demo_db: Path, package: DataPackage) -> None:
    descriptor = _descriptor(demo_db.parent)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        facts = dict(con.execute("SELECT name, value FROM build_info WHERE section = 'build'")
                     .fetchall())
    assert descriptor["version"] == facts["package_version"] == package.version
    assert descriptor["created"] == facts["built_at"]
    assert descriptor["synthetic"] is True
    assert descriptor["description"].startswith("SYNTHETIC DEMO DATA")
    assert [lic["name"] for lic in descriptor["licenses"]] == ["CC-BY-4.0"]
    schemas = {r["name"]: r["schema"] for r in descriptor["resources"] if "schema" in r}
    # Fields are the package's: the descriptions of schemas/build/indicators.schema.json.
    source = package.build_tables["indicators"]
    fields = {f["name"]: f for f in schemas["indicators"]["fields"]}
    assert all(fields[f.name]["description"] == f.description for f in source.fields)
    assert schemas["indicators_xlsx"] == schemas["indicators"]


def test_indicators_csv_names_the_country(demo_db: Path) -> None:
    frame = pd.read_csv(demo_db.parent / "indicators.csv", dtype=str, keep_default_na=False)
    assert list(frame.columns[:2]) == ["iso3", "country"]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        names = dict(con.execute("SELECT iso3, name_en FROM countries").fetchall())
        rows = con.execute("SELECT count(*) FROM indicators").fetchone()[0]
    assert len(frame) == rows and (frame["country"] == frame["iso3"].map(names)).all()
    assert names["BOL"] in set(frame["country"])


def test_the_workbook_opens_with_a_readme_that_says_synthetic(demo_db: Path,
                                                             package: DataPackage) -> None:
    workbook = openpyxl.load_workbook(demo_db.parent / WORKBOOK, read_only=True)
    assert workbook.sheetnames == ["README", "indicators", "indicators_wide"]
    text = [str(v) for row in workbook["README"].iter_rows(values_only=True)
            for v in row if v is not None]
    workbook.close()
    assert any(t.startswith("SYNTHETIC DEMO DATA") for t in text[:3])
    assert "Creative Commons Attribution 4.0 (https://creativecommons.org/licenses/by/4.0/)." \
        in " ".join(text)
    descriptions = {f.description for f in package.build_tables["indicators"].fields}
    assert descriptions <= set(text)  # every column, as its Table Schema describes it
    assert "hemisec-synthetic-demo" in text  # the sources


def test_the_readme_rows_are_tall_enough_for_their_text(demo_db: Path) -> None:
    """LibreOffice showed the README's title, statement and descriptions running under
    the next row: every row is as high as its text wraps into."""
    sheet = openpyxl.load_workbook(demo_db.parent / WORKBOOK)["README"]
    short, wrapping = rows_too_short(sheet)
    assert short == [] and wrapping > 20  # the descriptions wrap: rows that need it
    assert any(r.min_col == 2 and r.max_col == 6 for r in sheet.merged_cells.ranges)


def test_formula_text_is_neutralised_in_every_csv_and_sheet(formula_build: Path) -> None:
    folder = formula_build.parent
    csvs = [t.path for t in TABLES] + list(SDMX_FILES.values())
    for name in csvs:
        cells = _text_cells_of_csv(folder / name)
        assert not cells.str[:1].isin(FORMULA_CHARACTERS).any(), name
    indicators = (folder / "indicators.csv").read_text(encoding="utf-8")
    assert f'"\'{HYPERLINK.replace(chr(34), chr(34) * 2)}"' in indicators
    assert f"'{COMMAND}" in indicators and f"'{AT_FORMULA}" in indicators
    assert f"numerator: {AT_FORMULA}" in indicators  # not at the start: left as it is
    sdmx = (folder / SDMX_FILES[1]).read_text(encoding="utf-8")
    assert "'=HYPERLINK" in sdmx and ",=HYPERLINK" not in sdmx
    sources = (folder / "sources.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in sources

    workbook = openpyxl.load_workbook(folder / WORKBOOK)
    for name in ("indicators", "indicators_wide"):
        sheet = workbook[name]
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}" \
                                        f"{sheet.max_row}"
        cells = [c for row in sheet.iter_rows() for c in row]
        assert not any(c.data_type == "f" for c in cells), name
        assert not any(isinstance(c.value, str) and c.value[:1] in FORMULA_CHARACTERS
                       for c in cells), name
    values = {c.value for row in workbook["indicators"].iter_rows() for c in row}
    assert {f"'{HYPERLINK}", f"'{COMMAND}"} <= values
    # Its prison and firearms rows are still the demo's: the README says the data is mixed.
    assert str(workbook["README"]["A2"].value).startswith("MIXED DATA")

    # The database and the Parquet file keep the text as the source wrote it.
    with duckdb.connect() as con:
        kept = {r[0] for r in con.execute("SELECT DISTINCT source FROM read_parquet(?)",
                                          [str(folder / "indicators.parquet")]).fetchall()}
    assert HYPERLINK in kept


def test_neutralised_exports_still_validate_with_frictionless(formula_build: Path) -> None:
    """The whole descriptor, the workbook's sheets included, with the command line."""
    result = subprocess.run([str(FRICTIONLESS), "validate", str(formula_build.parent / DESCRIPTOR)],
                            capture_output=True, text=True, cwd=formula_build.parent.parent,
                            check=False)
    assert result.returncode == 0, result.stdout[-3000:]


def test_the_bom_option_marks_the_csv_files_for_people(formula_build: Path,
                                                       tmp_path: Path) -> None:
    folder = tmp_path / "with-bom"
    targets = {final: final.with_name(final.name + ".tmp") for final in export_paths(folder)}
    for temporary in targets.values():
        temporary.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(formula_build), read_only=True) as con:
        write_exports(con, DataPackage.load(), targets, ExportOptions(bom=True))
    for final, temporary in targets.items():
        temporary.rename(final)
    for table in TABLES:
        assert (folder / table.path).read_bytes().startswith(codecs.BOM_UTF8), table.path
        assert not (formula_build.parent / table.path).read_bytes().startswith(codecs.BOM_UTF8)
    for path in SDMX_FILES.values():  # for programs: never a BOM
        assert (folder / path).read_bytes().startswith(b"DATAFLOW" if "1" in path
                                                      else b"STRUCTURE")
    package = Package(str(folder / DESCRIPTOR))
    for table in TABLES:  # frictionless reads the marked files against the same schemas
        assert package.get_resource(table.resource).validate().valid, table.path
    assert "byte-order mark" in package.get_resource("indicators").description


def test_numbers_are_never_neutralised_and_text_always_is() -> None:
    schema = {"fields": [{"name": "note", "type": "string"},
                         {"name": "value", "type": "number"}]}
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('-5', -5.0), ('=1+2', -0.5), "
                    "('plain', 3.0), (NULL, NULL)) AS v(note, value)")
        rows = con.execute(spreadsheet_safe_query("t", schema)).fetchall()
    assert sorted(rows, key=str) == sorted(
        [("'-5", -5.0), ("'=1+2", -0.5), ("plain", 3.0), (None, None)], key=str)


FORMULA_LIKE = st.tuples(st.sampled_from(FORMULA_CHARACTERS), st.text()).map("".join)
SQL = duckdb.connect()


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), FORMULA_LIKE))
def test_neutralisation_of_any_text(text: str) -> None:
    safe = spreadsheet_safe_text(text)
    if text[:1] in FORMULA_CHARACTERS:
        assert safe == "'" + text  # always the apostrophe, and the text after it intact
    else:
        assert safe == text  # nothing else changes
    assert safe[:1] not in FORMULA_CHARACTERS or safe == ""
    sql = SQL.execute(f"SELECT {spreadsheet_safe_sql('$1::VARCHAR')}", [text]).fetchone()[0]
    assert sql == safe  # the SQL the exports run does exactly the same


@pytest.mark.realdata
def test_the_real_exports_validate_and_say_they_are_real(real_db: Path) -> None:
    folder = real_db.parent
    descriptor = _descriptor(folder)
    assert descriptor["synthetic"] is False and "SYNTHETIC" not in descriptor["description"]
    assert _files(folder) == set(EXPORT_FILES)
    package = Package(str(folder / DESCRIPTOR))
    for resource in package.resources:
        if resource.format != "xlsx":  # the sheets: the CSV's rows, see the demo test
            report = resource.validate()
            assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])[:5]
    workbook = openpyxl.load_workbook(folder / WORKBOOK, read_only=True)
    first = [row[0] if row else None
             for row in workbook["README"].iter_rows(max_row=3, values_only=True)]
    workbook.close()
    assert not any("SYNTHETIC" in str(v) for v in first)
