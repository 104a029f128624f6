"""Structural checks generated from the Table Schemas: exact findings on bad tables."""

from __future__ import annotations

from hemisec.checks.validate import validate

S = "Ministry of Security"


def test_each_structural_problem_is_found_with_row_and_column(check_findings) -> None:
    rows = [
        f"MEX,2020,0101,_T,_T,100,A,{S},",       # 2: fine
        f"MEX,2020,0101,_T,_T,90,A,{S},",        # 3: repeats the key of row 2
        f"mex,2021,0101,_T,_T,100,A,{S},",       # 4: lower-case ISO3
        "XXX,1800,0104,Z,gun,-5,Q,,",           # 5: eight problems
        f"MEX,2022,101,_T,_T,1.5,,{S},",         # 6: ICCS code lost its zero; decimal
        f"MEX,2023,0101,_T,_T,..,A,{S},",        # 7: '..' is a missing value
        f"MEX,2019,0101,_T,_T,1 000,A,{S},",     # 8: thousands separator
    ]
    assert check_findings({"homicide": rows}, kind="structure") == sorted([
        ("duplicate-key", "homicide", 3, "iso3, year, iccs_code, sex, mechanism"),
        ("pattern-mismatch", "homicide", 4, "iso3"),
        ("code-not-in-list", "homicide", 4, "iso3"),
        ("code-not-in-list", "homicide", 5, "iso3"),
        ("out-of-range", "homicide", 5, "year"),
        ("code-not-in-list", "homicide", 5, "iccs_code"),
        ("code-not-in-list", "homicide", 5, "sex"),
        ("code-not-in-list", "homicide", 5, "mechanism"),
        ("out-of-range", "homicide", 5, "victims"),
        ("code-not-in-list", "homicide", 5, "obs_status"),
        ("missing-value", "homicide", 5, "source"),
        ("code-not-in-list", "homicide", 6, "iccs_code"),
        ("type-error", "homicide", 6, "victims"),
        ("missing-value", "homicide", 7, "victims"),
        ("type-error", "homicide", 8, "victims"),
    ])


def test_findings_quote_the_value_as_written(submission) -> None:
    report = validate([submission({"homicide": [f"MEX,2020,0101,_T,_T,1.5,A,{S},"]})])
    (finding,) = report.to_dict()["findings"]
    assert finding["value"] == "1.5"
    assert finding["file"].endswith("homicide.csv")
    assert "whole number" in finding["message"]


def test_repeated_key_names_the_first_row(submission) -> None:
    rows = [f"MEX,2020,0101,_T,_T,100,A,{S},", f"CAN,2020,0101,_T,_T,5,A,{S},",
            f"MEX,2020,0101,_T,_T,100,A,{S},"]
    report = validate([submission({"homicide": rows})])
    (finding,) = report.to_dict()["findings"]
    assert finding["check"] == "duplicate-key" and finding["row"] == 4
    assert finding["value"] == "MEX / 2020 / 0101 / _T / _T"
    assert finding["message"].endswith("repeats row 2")


def test_header_problems(check_findings) -> None:
    header = {"prison": "iso3,year,measure,sex,value,value,source,remarks"}
    found = check_findings({"prison": ["MEX,2020,persons_held,_T,100,100,x,"]}, header=header)
    assert found == sorted([
        ("missing-column", "prison", 1, "obs_status"),
        ("missing-column", "prison", 1, "note"),
        ("extra-column", "prison", 1, "remarks"),
        ("duplicate-column", "prison", 1, "value"),
    ])


def test_blank_row_is_one_finding(check_findings) -> None:
    found = check_findings({"population": ["MEX,2020,_T,126000000,x", "", ",,,,",
                                           "CAN,2020,_T,38000000,x"]})
    # No missing-value findings for the empty cells of a blank row.
    assert found == [("blank-row", "population", 3, None), ("blank-row", "population", 4, None)]


def test_file_that_is_not_utf8_is_read_as_windows_1252_and_said(submission) -> None:
    folder = submission({"homicide": []})
    (folder / "homicide.csv").write_bytes(
        "iso3,year,iccs_code,sex,mechanism,victims,obs_status,source,note\n"
        "MEX,2020,0101,_T,_T,5,A,Secretaría,\n".encode("latin-1"))
    report = validate([folder])
    assert report.findings.empty
    assert report.loaded["homicide"].text.at[2, "source"] == "Secretaría"
    (notice,) = [n for n in report.notices if "homicide.csv" in n]
    assert "Windows-1252" in notice and "--encoding" in notice


def test_submitted_reference_table_replaces_the_package_one(check_findings) -> None:
    """A submission's own code lists are what its codes are checked against."""
    found = check_findings({"homicide": [f"MEX,2020,0101,_T,_T,5,A,{S},"],
                            "countries": [
                                "CAN,124,Canada,Canadá,Canada,Canadá,Canada,North America,"
                                "Northern America,"]})
    assert found == [("code-not-in-list", "homicide", 2, "iso3")]


def test_unique_column_in_a_reference_table(check_findings) -> None:
    found = check_findings({"homicide": [f"MEX,2020,0101,_T,_T,5,A,{S},"],
                            "countries": [
                                "MEX,484,Mexico,México,Mexique,México,Mexico,North America,"
                                "Central America,",
                                "CAN,484,Canada,Canadá,Canada,Canadá,Canada,North America,"
                                "Northern America,"]})
    assert found == [("duplicate-value", "countries", 3, "m49")]


def test_ragged_rows_are_findings_on_their_row(submission) -> None:
    folder = submission({"population": ["MEX,2020,_T,126000000,x", "CAN,2020,_T,1,x,extra",
                                        "USA,2020,_T,1"]})
    findings = validate([folder]).to_dict()["findings"]
    assert [(f["check"], f["row"], f["field"], f["value"]) for f in findings] == [
        ("extra-cell", 3, "cell 6", "extra"), ("missing-cell", 4, "source", None)]



def test_a_cell_beyond_the_header_is_named_as_the_user_finds_it() -> None:
    """By its column's letters in a workbook (as Excel shows them), by its number in a
    line of a CSV file."""
    import duckdb

    from hemisec.read.tables import _column_name_sql

    positions = [0, 25, 26, 51, 701, 702, 999]
    names = [duckdb.sql(f"SELECT {_column_name_sql(str(p), workbook)}").fetchall()[0][0]
             for workbook in (True, False) for p in positions]
    assert names == ["column A", "column Z", "column AA", "column AZ", "column ZZ",
                     "column AAA", "column ALL", "cell 1", "cell 26", "cell 27", "cell 52",
                     "cell 702", "cell 703", "cell 1000"]
