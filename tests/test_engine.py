"""The validation engine: both ways of reading a CSV file find the same problems, a
capped report keeps its counts, the JSON report streams the same document, the command
line starts without the heavy libraries, and a submission larger than the memory limit
builds."""

from __future__ import annotations

import ast
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

import hemisec.read.tables as tables
from hemisec.checks.validate import validate
from hemisec.package import DataPackage
from hemisec.publish.report import flat_record, render_json, write_json
from hemisec.read.sources import TableSource
from hemisec.read.workspace import Workspace
from tests.injected import write_injected

COLUMNS = ["iso3", "year", "iccs_code", "sex", "mechanism", "victims", "obs_status", "source",
           "note"]
SPEC = DataPackage.load().tables["homicide"]


def _python_reader_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read every CSV file through Python's csv module, as odd files are."""
    monkeypatch.setattr(tables, "plan_scan", lambda *args, **kwargs: None)


def _raw_cells_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scan every plain CSV file into a table of raw cells before typing it, as files
    with blank rows or other header names are."""
    monkeypatch.setattr(tables, "read_typed_directly", lambda *args, **kwargs: None)


def _loaded_three_ways(path: Path, spec, workspace: Workspace,
                       monkeypatch: pytest.MonkeyPatch) -> list[tables.LoadedTable]:
    """The file read as it is, through the raw cells and through Python's reader."""
    loaded = [tables.load_table(TableSource(spec.name, path), spec, workspace=workspace)]
    for route in (_raw_cells_first, _python_reader_only):
        with monkeypatch.context() as patched:
            route(patched)
            loaded.append(tables.load_table(TableSource(spec.name, path), spec,
                                            workspace=workspace))
    return loaded


def _assert_read_alike(loaded: list[tables.LoadedTable]) -> None:
    first, *others = loaded
    for other in others:
        assert first.findings.equals(other.findings), (first.findings, other.findings)
        assert first.text.equals(other.text) and first.typed.equals(other.typed)
        assert (first.dialect, first.columns, first.rows, first.notices) == (
            other.dialect, other.columns, other.rows, other.notices)


def _findings(report) -> list[dict]:
    return json.loads(render_json(report))["findings"]


@pytest.fixture(scope="module")
def injected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_injected(tmp_path_factory.mktemp("injected") / "submission", 0.03, seed=7)


def test_duckdb_and_python_readers_find_the_same(injected: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Every demo table with 3% of its cells broken: DuckDB's CSV reader straight into
    the typed table (plain files naming the schema's columns), DuckDB's through a table
    of raw cells (plain files with blank rows...) and Python's (the others) give the same
    findings, in the same order."""
    direct = []
    read_directly = tables.read_typed_directly
    monkeypatch.setattr(tables, "read_typed_directly",
                        lambda *a, **k: direct.append(read_directly(*a, **k)) or direct[-1])
    fast = validate([injected])
    assert sum(d is not None for d in direct) >= 5 and fast.errors > 1_000
    assert fast.warnings > 500
    monkeypatch.undo()
    for route in (_raw_cells_first, _python_reader_only):
        with monkeypatch.context() as patched:
            route(patched)
            slow = validate([injected])
        assert _findings(fast) == _findings(slow)
        assert fast.tables == slow.tables and fast.notices == slow.notices
        for name in fast.loaded:
            assert fast.loaded[name].typed.equals(slow.loaded[name].typed), name


cell = st.text(alphabet=st.sampled_from(list('aZñ09 .,;"\'-_\n\r')), max_size=6)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cell, min_size=9, max_size=9), min_size=1, max_size=6),
       delimiter=st.sampled_from([",", ";"]), line_end=st.sampled_from(["\n", "\r\n"]))
def test_readers_agree_on_any_cells(rows: list[list[str]], delimiter: str, line_end: str,
                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    workspace: Workspace) -> None:
    """Quoted delimiters, line breaks and quotes inside cells: whatever the cells, the
    three ways of reading give the same table as read (cells as written, typed values,
    dialect, file-level findings and notices), which is all the checks see; the test
    above compares whole reports of the three on the injected demo."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=line_end).writerows(
        [COLUMNS, *rows])
    path = tmp_path / "homicide.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    _assert_read_alike(_loaded_three_ways(path, SPEC, workspace, monkeypatch))


@pytest.mark.parametrize("lines", [
    # Excel's semicolon CSV of a decimal-comma locale: 12,5 is twelve and a half.
    ["iso3;year;indicator;value;source;note", "COL;2020;VC_IHR_PSRC;12,5;UNODC;",
     "COL;2021;VC_IHR_PSRC;1.234;UNODC;", "COL;2022;VC_IHR_PSRC;..;UNODC;"],
    # A row of missing values only is a blank row; trailing empty rows are dropped.
    ["iso3,year,indicator,value,source,note", "COL,2020,VC_IHR_PSRC,12.5,UNODC,",
     "..,..,..,..,..,..", "COL,2021,VC_IHR_PSRC,13,UNODC,", ",,,,,", ",,,,,"],
    # Header names in another case or order, a column missing, one not in the schema.
    ["Year,iso3,indicator,value,extra", "2020,COL,VC_IHR_PSRC,1,x"],
    ["year,iso3,indicator,value", "2020,COL,VC_IHR_PSRC,1"],
])
def test_every_way_of_reading_gives_the_same_table(lines: list[str], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   workspace: Workspace) -> None:
    spec = DataPackage.load().tables["published_indicators"]
    path = tmp_path / "published_indicators.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = _loaded_three_ways(path, spec, workspace, monkeypatch)
    _assert_read_alike(loaded)
    if ";" in lines[0]:  # the other mark is not read as a decimal mark
        values = loaded[0].typed["value"]
        assert values.iloc[0] == 12.5 and values.iloc[1:].isna().all()


def test_a_capped_report_keeps_every_count(injected: Path) -> None:
    full = validate([injected])
    capped = validate([injected], max_findings=25)
    document = json.loads(render_json(capped))
    assert len(document["findings"]) == 25 and document["findings_truncated"]
    assert document["errors"] == full.errors and document["warnings"] == full.warnings
    assert {s["check"]: s["count"] for s in document["summary"]} == {
        s["check"]: s["count"] for s in json.loads(render_json(full))["summary"]}
    # The checks take turns: with 25 places and fewer checks, every check is shown.
    checks = {s["check"] for s in document["summary"]}
    assert len(checks) <= 25 and {f["check"] for f in document["findings"]} == checks
    # Those listed are each check's first findings, in report order.
    listed = document["findings"]
    assert listed == [f for f in _findings(full) if f in listed]


def test_the_streamed_json_is_the_same_document(injected: Path) -> None:
    report = validate([injected])
    out = io.StringIO()
    write_json(report, out)
    assert json.loads(out.getvalue()) == json.loads(render_json(report))
    empty = validate([Path("datapackage.json")], max_findings=0)
    out = io.StringIO()
    write_json(empty, out)
    assert json.loads(out.getvalue())["findings"] == []


@given(st.dictionaries(st.text(), st.one_of(st.none(), st.text(), st.integers(),
                                           st.floats(), st.booleans()), max_size=10),
       st.integers(min_value=0, max_value=8))
def test_a_finding_is_written_as_json_writes_it(record: dict, indent: int) -> None:
    """Findings are written by a faster path than json's indenting encoder, to the byte."""
    expected = json.dumps(record, ensure_ascii=False, indent=2).replace("\n", "\n" + " " * indent)
    assert flat_record(record, indent) == expected


def _run_and_list_imports(argv: list[str], modules: tuple[str, ...]) -> tuple[str, list[str]]:
    """Run the command line with `argv` in a fresh interpreter: what it printed, and
    which of `modules` it imported."""
    code = ("import sys; from hemisec.cli import app\n"
            f"try:\n    app({argv!r})\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in {modules!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    *printed, imported = result.stdout.strip().splitlines()
    return "\n".join(printed), ast.literal_eval(imported)


def test_help_imports_no_heavy_library() -> None:
    """`hemisec --help` is dominated by its own work: pandas, DuckDB, openpyxl and
    frictionless are imported by the commands that use them, not at start."""
    _, imported = _run_and_list_imports(
        ["--help"], ("pandas", "duckdb", "openpyxl", "frictionless", "pandera", "numpy"))
    assert imported == []


def test_a_no_op_build_imports_no_heavy_library(demo_db: Path) -> None:
    """The no-op check reads the fingerprint and the exports' checksums: nothing of the
    validation (pandas) or of the exports' libraries is imported for it."""
    printed, imported = _run_and_list_imports(
        ["build", "--out", str(demo_db)],
        ("pandas", "openpyxl", "frictionless", "xlsxwriter", "altair"))
    assert "is up to date" in " ".join(printed.split())
    assert imported == []


def test_a_csv_submission_validates_without_pandas(tmp_path: Path) -> None:
    """A national office's CSV files are read, checked and reported in DuckDB: the text
    and JSON reports of one country's submission import neither pandas nor numpy, whose
    import alone took a third of a second; the JSON report not rich's console either."""
    from hemisec.paths import REPO_ROOT

    for name in ("homicide", "prison", "population"):
        lines = (REPO_ROOT / "data" / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        kept = [lines[0], *(line for line in lines[1:] if line.startswith("COL,"))]
        (tmp_path / f"{name}.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    for output in ("text", "json"):
        printed, imported = _run_and_list_imports(
            ["validate", str(tmp_path), "--format", output],
            ("pandas", "numpy", "openpyxl", "frictionless",
             *(("rich.console",) if output == "json" else ())))
        assert "parts-short-of-total" in printed  # it did validate, and found these
        assert imported == []


def test_a_mapping_check_imports_no_pandas() -> None:
    """`hemisec mapping check` reports from queries over the tables as read: pandas,
    whose import was half of the command's time, is not imported for it."""
    printed, imported = _run_and_list_imports(
        ["mapping", "check", "MEX", "--format", "json"],
        ("pandas", "numpy", "openpyxl", "frictionless"))
    assert json.loads(printed)["iso3"] == "MEX"
    assert imported == []


def test_a_template_imports_no_pandas(tmp_path: Path) -> None:
    """`hemisec template` looks the codes up in the reference tables as text: pandas, whose
    import was a third of the command's time, is not imported for it (openpyxl imports
    numpy where it finds it)."""
    out = tmp_path / "col.xlsx"
    _, imported = _run_and_list_imports(["template", "COL", "--out", str(out)], ("pandas",))
    assert out.is_file() and imported == []


def test_a_submission_beyond_the_memory_limit_builds(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """An observation table grows with a submission: the build loads and rolls it up within
    the memory validation works in, DuckDB spilling what does not fit. What cannot spill
    had made it fail (at 400,000 rows under 160 MB, as at 5 million under the real limit):
    the table's keys kept as DuckDB indexes, and the national codes of each ICCS count
    gathered by an ordered aggregate."""
    import duckdb

    import hemisec.read.workspace as workspace
    from benchmarks.bench_validate import write_package
    from hemisec.build.database import build

    monkeypatch.setattr(workspace, "MEMORY_LIMIT", "160MB")
    write_package(tmp_path, 400_000, 0.0)
    out = tmp_path / "out" / "hemisec.duckdb"
    result = build(tmp_path / "datapackage.json", out, console=Console(file=io.StringIO()))
    assert result.row_counts["national_offences"] == 400_000
    with duckdb.connect(str(out), read_only=True) as con:
        # Each ICCS count lists the national codes it adds up, sorted, all of them.
        listed, expected = con.execute("""
            SELECT c.national_codes, (SELECT string_agg(national_code, ', '
                                                        ORDER BY national_code)
                                      FROM national_offences n
                                      WHERE n.iso3 = c.iso3 AND n.year = c.year)
            FROM iccs_counts c WHERE c.iso3 = 'ARG' AND c.year = 1990
              AND c.iccs_code = '0101'""").fetchone()
    assert listed == expected and listed.count(", ") > 100
