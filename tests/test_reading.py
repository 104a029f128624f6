"""Reading submissions as national offices make them: dialects, workbooks, damaged files."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from rich.console import Console

from hemisec.build.database import build
from hemisec.checks.validate import Report, validate
from hemisec.errors import UsageError
from hemisec.paths import REPO_ROOT
from hemisec.read.dialect import ReadOptions
from tests.conftest import HEADERS, run_hemisec
from tests.submissions import (
    NOTE,
    colombia,
    write_delimited,
    write_workbook,
    write_workbooks,
)

FINDING_KEY = ["check", "resource", "row", "field", "value"]


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return colombia()


@pytest.fixture(scope="module")
def baseline(tables, tmp_path_factory) -> Report:
    """The plain UTF-8, comma-separated CSV every other dialect must read the same as."""
    report = validate([write_delimited(tmp_path_factory.mktemp("plain"), tables)])
    assert report.errors == 0
    return report


def assert_same_as_baseline(report: Report, baseline: Report) -> None:
    assert report.errors == 0, report.findings.head(10).to_string()
    assert (report.findings[FINDING_KEY].reset_index(drop=True)
            .equals(baseline.findings[FINDING_KEY].reset_index(drop=True)))
    assert set(report.loaded) == set(baseline.loaded)
    for name, table in baseline.loaded.items():
        pd.testing.assert_frame_equal(report.loaded[name].typed, table.typed, obj=name)
        text = report.loaded[name].text.copy()  # as written: numbers keep their decimal mark
        for spec_field in table.spec.fields:
            if spec_field.type == "number":
                text[spec_field.name] = text[spec_field.name].str.replace(",", ".")
        pd.testing.assert_frame_equal(text, table.text, obj=name)


DIALECTS = {
    "excel-es-csv-utf8 (;, BOM, decimal comma)":
        {"delimiter": ";", "encoding": "utf-8-sig", "decimal": ","},
    "excel-es-csv (;, Windows-1252, CRLF)":
        {"delimiter": ";", "encoding": "cp1252", "decimal": ",", "line_end": "\r\n"},
    "excel-en-csv (Windows-1252, CRLF)": {"encoding": "cp1252", "line_end": "\r\n"},
    "unicode-text (UTF-16, tab, .txt)":
        {"delimiter": "\t", "encoding": "utf-16", "line_end": "\r\n", "suffix": ".txt"},
    "unicode-text-es (UTF-16, tab, decimal comma)":
        {"delimiter": "\t", "encoding": "utf-16", "decimal": ",", "line_end": "\r\n",
         "suffix": ".txt"},
    "utf8-bom-crlf": {"encoding": "utf-8-sig", "line_end": "\r\n"},
    "old-mac-cr": {"line_end": "\r"},
    "trailing-empties (Excel padding)": {"trailing": 3},
    "trailing-empties-semicolon": {"delimiter": ";", "decimal": ",", "trailing": 2},
    "upper-case-names": {"name": str.upper},
}


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_each_dialect_reads_as_the_plain_csv(dialect, tables, baseline, tmp_path) -> None:
    folder = write_delimited(tmp_path / "sub", tables, **DIALECTS[dialect])
    report = validate([folder])
    assert_same_as_baseline(report, baseline)
    assert report.loaded["homicide"].text.at[2, "note"] == NOTE
    assert report.loaded["published_indicators"].typed.at[2, "value"] == 25.5


def test_dialect_is_said_once_per_file_in_text_and_json(tables, tmp_path) -> None:
    folder = write_delimited(tmp_path / "sub", {"homicide": tables["homicide"]},
                             delimiter=";", encoding="cp1252", line_end="\r\n")
    report = validate([folder])
    notices = [n for n in report.notices if "homicide.csv" in n]
    assert len(notices) == 1
    assert "Windows-1252, semicolon-separated, decimal comma, CRLF line ends" in notices[0]
    assert "guessed" in notices[0] and "--encoding" in notices[0]
    (table,) = report.to_dict()["tables"]
    assert table["dialect"] == {"encoding": "Windows-1252", "delimiter": ";", "decimal": ",",
                                "line_ends": "CRLF", "guessed": ["encoding"]}
    result = run_hemisec("validate", str(folder))
    assert result.stdout.count("semicolon-separated") == 2  # the table's line and the note


def test_options_override_detection(tables, tmp_path) -> None:
    folder = write_delimited(tmp_path / "sub", {"homicide": tables["homicide"]},
                             encoding="cp1252")
    # Read as Latin-1 on request: the same letters, and nothing guessed.
    report = validate([folder], options=ReadOptions(encoding="latin-1"))
    assert report.errors == 0 and report.loaded["homicide"].text.at[2, "note"] == NOTE
    assert not [n for n in report.notices if "guessed" in n]
    # A wrong delimiter given on purpose is obeyed, and the header then does not match.
    wrong = validate([folder], options=ReadOptions(delimiter=";"))
    assert "missing-column" in set(wrong.findings["check"])


def test_one_workbook_with_a_sheet_per_table(tables, baseline, tmp_path) -> None:
    path = write_workbook(tmp_path / "submission.xlsx", tables)
    report = validate([path])
    assert_same_as_baseline(report, baseline)
    assert report.loaded["homicide"].file.endswith("submission.xlsx!homicide")


def test_a_workbook_per_table(tables, baseline, tmp_path) -> None:
    report = validate([write_workbooks(tmp_path / "sub", tables)])
    assert_same_as_baseline(report, baseline)
    assert report.loaded["prison"].file.endswith("prison.xlsx!Hoja1")


def test_csv_and_workbooks_mixed(tables, baseline, tmp_path) -> None:
    folder = write_delimited(tmp_path / "sub", {k: v for k, v in tables.items()
                                                if k != "prison"})
    write_workbooks(folder, {"prison": tables["prison"]})
    assert_same_as_baseline(validate([folder]), baseline)


def test_findings_in_a_workbook_name_the_sheet_row_and_column(tables, tmp_path) -> None:
    homicide = tables["homicide"].copy()
    homicide.loc[4, "victims"] = "muchos"
    path = write_workbook(tmp_path / "submission.xlsx", {"homicide": homicide})
    (finding,) = [f for f in validate([path]).to_dict()["findings"]
                  if f["severity"] == "error"]
    assert (finding["check"], finding["row"], finding["field"], finding["value"]) == (
        "type-error", 6, "victims", "muchos")
    assert finding["file"].endswith("submission.xlsx!homicide")


def test_workbook_numbers_read_as_the_text_the_user_saw(tmp_path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "homicide"
    sheet.append(HEADERS["homicide"].split(","))
    sheet.append(["COL", 2020.0, "0101", "_T", "_T", 12000, "A", "Policía", None])
    sheet.append(["COL", 2021, 101, "_T", "_T", 12100.0, "A", "Policía", None])
    sheet.append(["COL", 2022, 101, "_T", "_T", 12200, "A", "Policía", None])
    sheet["C4"].number_format = "0000"  # shown as 0101 in Excel
    workbook.save(tmp_path / "homicide.xlsx")
    report = validate([tmp_path / "homicide.xlsx"])
    text = report.loaded["homicide"].text
    assert text.loc[2, "year"] == "2020" and text.loc[3, "victims"] == "12100"
    assert text.loc[4, "iccs_code"] == "0101"
    (finding,) = [f for f in report.to_dict()["findings"] if f["severity"] == "error"]
    assert (finding["check"], finding["row"], finding["value"]) == (
        "code-not-in-list", 3, "101")
    assert "leading zero" in finding["message"] and "'0101'" in finding["message"]


def _with_cached_values(path: Path, values: dict[str, str]) -> None:
    """Give formula cells the value Excel would have saved (openpyxl writes none)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode()
                for ref, value in values.items():
                    start = text.index(f'<c r="{ref}"')
                    end = text.index("</c>", start)
                    text = text[:end].replace("<v></v>", "").replace("<v />", "") + \
                        f"<v>{value}</v>" + text[end:]
                data = text.encode()
            target.writestr(item, data)
    path.write_bytes(buffer.getvalue())


def test_formula_cells_are_read_as_saved_values_and_warned(tables, tmp_path) -> None:
    path = write_workbook(tmp_path / "submission.xlsx", {"homicide": tables["homicide"]})
    workbook = openpyxl.load_workbook(path)
    victims = int(tables["homicide"].loc[1, "victims"])  # the sheet's row 3
    workbook["homicide"]["F3"] = f"={victims - 7}+7"
    workbook.save(path)
    _with_cached_values(path, {"F3": str(victims)})
    report = validate([path])
    (finding,) = [f for f in report.to_dict()["findings"] if f["check"] == "formula-cell"]
    assert (finding["check"], finding["severity"], finding["row"], finding["field"]) == (
        "formula-cell", "warning", 3, "victims")
    assert f"={victims - 7}+7" in finding["message"]
    assert report.loaded["homicide"].typed.at[3, "victims"] == victims


def test_wide_layout_is_one_finding_that_says_how(tmp_path) -> None:
    years = [str(y) for y in range(2000, 2024)]
    (tmp_path / "homicide.csv").write_text(
        "iso3,iccs_code,sex,mechanism," + ",".join(years) + "\n"
        "COL,0101,_T,_T," + ",".join(["100"] * 24) + "\n", encoding="utf-8")
    (finding,) = validate([tmp_path]).to_dict()["findings"]
    assert finding["check"] == "wide-layout" and finding["row"] == 1
    assert "24 columns are years (2000 to 2023)" in finding["message"]
    assert "'victims'" in finding["message"]


@pytest.mark.parametrize("cell, delimiter, field", [
    ('"9,494"', ",", "victims"), ("9.494", ",", "victims"), ("9 494", ",", "victims"),
    ("9\u00a0494", ";", "victims"), ("9.494", ";", "victims"),
])
def test_thousands_separators_are_never_read_as_another_number(cell, delimiter, field,
                                                               tmp_path) -> None:
    header = HEADERS["homicide"].replace(",", delimiter)
    row = delimiter.join(["COL", "2020", "0101", "_T", "_T", cell, "A", "Policía", ""])
    (tmp_path / "homicide.csv").write_text(f"{header}\n{row}\n", encoding="utf-8")
    (finding,) = validate([tmp_path]).to_dict()["findings"]
    assert (finding["check"], finding["field"]) == ("type-error", field)
    assert "thousands separator" in finding["message"] and "9494" in finding["message"]


def test_decimal_comma_file_does_not_read_a_point_as_decimal(tmp_path) -> None:
    header = HEADERS["published_indicators"].replace(",", ";")
    (tmp_path / "published_indicators.csv").write_text(
        f"{header}\nCOL;2020;homicide_rate;25.5;Ministerio;\nCOL;2021;homicide_rate;1.234,5;"
        "Ministerio;\nCOL;2022;homicide_rate;24,5;Ministerio;\n", encoding="utf-8")
    report = validate([tmp_path])
    bad = report.findings[report.findings["check"] == "type-error"]
    assert bad["row"].tolist() == [2, 3]
    assert "decimal comma" in bad["message"].iloc[0]
    assert report.loaded["published_indicators"].typed.at[4, "value"] == 24.5


def test_folder_rules_case_unknown_files_empty_tables(tables, tmp_path) -> None:
    folder = write_delimited(tmp_path / "sub", {"homicide": tables["homicide"]},
                             name=str.upper)
    write_workbooks(folder, {"prison": tables["prison"]})
    (folder / "notas.csv").write_text("una nota\n", encoding="utf-8")
    (folder / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (folder / "population.csv").write_text(HEADERS["population"] + "\n", encoding="utf-8")
    report = validate([folder])
    assert set(report.loaded) == {"homicide", "prison", "population"}
    skipped = [n for n in report.notices if n.startswith("Skipped")]
    assert len(skipped) == 1 and "notas.csv" in skipped[0] and "old.xls" in skipped[0]
    empty = report.findings[report.findings["check"] == "table-empty"]
    assert empty["resource"].tolist() == ["population"]
    assert (empty["severity"] == "warning").all()


def test_a_file_named_explicitly_must_be_a_table(tmp_path) -> None:
    (tmp_path / "notas.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(UsageError, match="not a table of the package"):
        validate([tmp_path / "notas.csv"])
    (tmp_path / "old.xls").write_bytes(b"x")
    with pytest.raises(UsageError, match=r"\.xls workbooks cannot be read"):
        validate([tmp_path / "old.xls"])


def test_damaged_workbook_is_a_finding(tmp_path) -> None:
    (tmp_path / "homicide.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    (finding,) = validate([tmp_path]).to_dict()["findings"]
    assert finding["check"] == "file-unreadable" and "homicide.xlsx" in finding["file"]


def test_a_comma_in_source_under_semicolons_and_extra_cells_do_not_crash(tmp_path) -> None:
    header = HEADERS["homicide"].replace(",", ";")
    (tmp_path / "homicide.csv").write_text(
        f"{header}\nCOL;2020;0101;_T;_T;10;A;Policía, Dirección;\n"
        "COL;2021;0101;_T;_T;10;A;Policía;;sobra\n", encoding="utf-8")
    findings = validate([tmp_path]).to_dict()["findings"]
    assert [(f["check"], f["row"], f["value"]) for f in findings] == [
        ("extra-cell", 3, "sobra")]


@pytest.mark.parametrize("kind", ["xlsx", "folder"])
def test_build_from_a_workbook_loads_what_validate_read(kind, tables, tmp_path) -> None:
    data = (write_workbook(tmp_path / "submission.xlsx", tables) if kind == "xlsx"
            else write_delimited(tmp_path / "sub", tables, delimiter=";", encoding="cp1252",
                                 decimal=","))
    out = tmp_path / "out" / "hemisec.duckdb"
    build(data, out, console=Console(file=io.StringIO()))
    report = validate([data])
    with duckdb.connect(str(out), read_only=True) as con:
        for name in ("homicide", "prison", "published_indicators"):
            columns = ", ".join(report.loaded[name].spec.field_names)
            loaded = con.execute(f"SELECT {columns} FROM {name}").df()
            expected = report.loaded[name].typed.reset_index(drop=True)
            assert len(loaded) == len(expected)
            assert (loaded.astype("string").fillna("<NA>").sort_values(list(loaded.columns))
                    .reset_index(drop=True)
                    .equals(expected.astype("string").fillna("<NA>")
                            .sort_values(list(loaded.columns)).reset_index(drop=True))), name
        notes = con.execute("SELECT DISTINCT note FROM homicide WHERE note IS NOT NULL")
        assert notes.fetchall() == [(NOTE,)]


def test_cli_build_and_mapping_read_submissions_the_same_way(tables, tmp_path) -> None:
    broken = write_delimited(tmp_path / "broken", {"homicide": tables["homicide"]},
                             delimiter=";")
    with (broken / "homicide.csv").open("a", encoding="utf-8") as handle:
        handle.write("COL;2023;0101;_T;_T;5;A;Policía;;sobra\nCOL;2023\n")
    result = run_hemisec("build", "--data", str(broken), "--out", str(tmp_path / "x.duckdb"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "extra-cell" in result.stdout and "missing-cell" in result.stdout
    assert "build stopped" in result.stderr and "unexpected" not in result.stderr
    assert not (tmp_path / "x.duckdb").exists()

    mapping = pd.read_csv(REPO_ROOT / "data" / "reference" / "iccs_correspondence.csv",
                          dtype=str, keep_default_na=False)
    workbook = write_workbook(tmp_path / "mapeo.xlsx", {
        "iccs_correspondence": mapping[mapping["iso3"] == "COL"],
        "national_offences": tables["national_offences"]})
    result = run_hemisec("mapping", "check", "COL", "--data", str(workbook), "--format",
                         "json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["national_categories"] == int((mapping["iso3"] == "COL").sum())
    assert report["unmapped"] == []

    result = run_hemisec("validate", str(broken), "--delimiter", "tab", "--encoding", "nope")
    assert result.returncode == 2 and "not a text encoding" in result.stderr


@pytest.mark.parametrize("path, message", [
    (["a.csv", "b.csv"], "multipart path"), ("https://example.org/homicide.csv", "remote"),
    ("../outside/homicide.csv", "outside the descriptor"), (7, "path of a file beside"),
])
def test_submitted_descriptor_paths_are_files_beside_it(path, message, tmp_path) -> None:
    descriptor = tmp_path / "datapackage.json"
    descriptor.write_text(json.dumps({"resources": [
        {"name": "homicide", "path": path, "schema": "https://example.org/schema.json"}]}),
        encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        validate([descriptor])


def test_submitted_descriptor_is_read_without_fetching_its_schema(tables, tmp_path) -> None:
    folder = write_delimited(tmp_path / "sub", {"homicide": tables["homicide"]})
    (folder / "datapackage.json").write_text(json.dumps({
        "profile": "https://example.org/profile.json",
        "resources": [{"name": "homicide", "path": "homicide.csv",
                       "schema": "https://example.org/schema.json"}]}), encoding="utf-8")
    report = validate([folder / "datapackage.json"])  # no network here: it would fail
    assert report.errors == 0 and report.loaded["homicide"].rows == len(tables["homicide"])
