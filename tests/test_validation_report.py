"""The validation report a statistician sends to a supervisor (`hemisec validate --format
html|xlsx --out FILE`): the page as the supervisor sees it in Chromium (the verdict, the
summary, every listed finding, cells escaped, nothing fetched), the workbook read back
equal to the JSON report, the reader's language, and the command line."""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from markupsafe import escape

from hemisec.checks.validate import Report, validate
from hemisec.findings import CHECKS
from hemisec.publish import validation_report
from hemisec.publish.exports import spreadsheet_safe_text
from hemisec.publish.report import render_json
from hemisec.publish.screenshots import (
    MAX_BYTES,
    README_SCALE,
    Browser,
    demo_submission,
    find_chromium,
    validation_screenshot,
)
from tests.conftest import run_hemisec
from tests.workbooks import rows_too_short

CHROMIUM = find_chromium()
IN_CI = bool(os.environ.get("CI"))
#: Cells a national office could send, each of them a finding, by row of the demo rows
#: (0-based): markup, a formula, a script with quotes, a line break and a control character.
TRICKY = {12: ("victims", "<b>x</b>"), 13: ("victims", "=1+1"),
          15: ("sex", "<script>alert(\"x\")</script>\n'q' \x01")}
#: Findings the page lists per table and check in these tests (the demo rows give 22
#: parts-short-of-total warnings, so some are left out).
PER_CHECK = 5
#: Elements and attributes that would fetch something.
LOADING = re.compile(r"<(?:script|link|img|iframe|embed|object|source|video|audio)\b|"
                     r"\s(?:src|srcset|poster|data)\s*=", re.I)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's demo submission (three errors) with three tricky cells more."""
    folder = demo_submission(tmp_path_factory.mktemp("report") / "envio")
    rows = pd.read_csv(folder / "homicide.csv", dtype=str, keep_default_na=False)
    for index, (column, value) in TRICKY.items():
        rows.loc[index, column] = value
    rows.to_csv(folder / "homicide.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def report(folder: Path) -> Report:
    return validate([folder])


@pytest.fixture(scope="module")
def as_json(report: Report) -> dict:
    return json.loads(render_json(report))


@pytest.fixture(scope="module")
def page(report: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("page") / "report.html"
    validation_report.write_html(report, out, "en", per_check=PER_CHECK)
    return out


def _listed(findings: list[dict], per_check: int) -> pd.DataFrame:
    """The findings the page should list: the first `per_check` of each table and check."""
    frame = pd.DataFrame(findings).astype("object")
    return frame.groupby(["resource", "check"], sort=False).head(per_check)


def _visible(text: object) -> str:
    """A finding's text as the page shows it: control characters as \\xNN."""
    if text is None:
        return ""
    return re.sub("[\x00-\x08\x0b-\x1f\x7f-\x9f]", lambda m: f"\\x{ord(m.group()):02x}",
                  str(text))


def _rows_on_page(document: str) -> dict[tuple[str, str], list[tuple[str, ...]]]:
    """The findings a page shows, by table and check, in the page's order: (file, row,
    column, cell, message) as text."""
    shown = {}
    for group in document.split('<div class="group">')[1:]:
        resource, check = re.match(r'\s*<h4 id="f-([a-z_]+)-([a-z-]+)">', group).groups()
        rows = []
        for row in re.findall(r'<tr class="finding">(.*?)</tr>', group, re.S):
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            rows.append(tuple(html.unescape(re.sub(r"<[^>]+>", "", c)) for c in cells))
        shown[resource, check] = rows
    return shown


def _expected_rows(findings: list[dict],
                   per_check: int) -> dict[tuple[str, str], list[tuple[str, ...]]]:
    """What the page should list: the first `per_check` of each table and check, in the
    order of the report."""
    expected: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    for f in _listed(findings, per_check).to_dict(orient="records"):
        expected.setdefault((f["resource"], f["check"]), []).append((
            _visible(f["file"]), "" if f["row"] is None else str(f["row"]),
            _visible(f["field"]), "(empty)" if f["value"] == "" else _visible(f["value"]),
            _visible(f["message"])))
    return expected


# ----------------------------------------------------------------------------- the page


def test_the_page_opens_with_the_verdict_and_stands_alone(page: Path, as_json: dict) -> None:
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert as_json["errors"] == 6 and as_json["warnings"] >= 22
    verdict = text[text.index('<header class="verdict invalid">'):text.index("</header>")]
    assert '<span class="word">NOT VALID</span>' in verdict
    assert "<dd>6</dd>" in verdict and f"<dd>{as_json['warnings']}</dd>" in verdict
    assert re.search(r'Validated on <time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d[+-]\d\d:\d\d">',
                     verdict)
    # The synthetic-demo notice is the page's banner; the other notices follow the verdict.
    assert text.index('<p class="banner" role="note"><strong>Synthetic demo data.</strong>') \
        < text.index("<header")
    notes = text[text.index('<section class="notes"'):text.index("</section>")]
    assert [f"<li>{escape(n)}</li>" in notes for n in as_json["notices"]].count(False) == 1
    assert "envio/homicide.csv" in text and escape(as_json["tables"][0]["format"]) in text
    # Nothing to fetch, no script; every link is to a place on the page.
    assert LOADING.findall(text) == []
    links = re.findall(r'href="([^"]*)"', text)
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    assert links and all(link.startswith("#") and link[1:] in ids for link in links), links


def test_cells_are_shown_as_written_and_never_run(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "<b>x</b>" not in text and "<script>" not in text
    assert '<span class="cell">&lt;b&gt;x&lt;/b&gt;</span>' in text
    assert '<span class="cell">=1+1</span>' in text
    assert ('<span class="cell">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;\n&#39;q&#39; '
            "\\x01</span>") in text


def test_the_summary_counts_every_finding_by_level(page: Path, as_json: dict) -> None:
    text = page.read_text(encoding="utf-8")
    summary = text[text.index('<h2 id="summary">'):text.index('<h2 id="findings">')]
    headings = re.findall(r'<h3 id="level-(\d)">Level \d: ', summary)
    assert headings == sorted({str(s["level"]) for s in as_json["summary"]})
    for entry in as_json["summary"]:
        row = re.search(rf'<code>{entry["check"]}</code>.*?</tr>', summary, re.S).group()
        assert f'<td class="num">{entry["count"]}</td>' in row
        assert f'<span class="badge {entry["severity"]}">' in row
        assert str(escape(CHECKS[entry["check"]].fix)) in row


def test_the_page_lists_a_bounded_number_of_each_check(page: Path, as_json: dict) -> None:
    text = page.read_text(encoding="utf-8")
    assert _rows_on_page(text) == _expected_rows(as_json["findings"], PER_CHECK)
    short = sum(f["check"] == "parts-short-of-total" for f in as_json["findings"])
    assert (f"{short - PER_CHECK} more of this check in this table are not listed here"
            in text)
    fixes = re.findall(r'<p class="fix"><strong>What to do:</strong> <span>(.*?)</span>', text)
    assert sorted(fixes) == sorted(str(escape(CHECKS[s["check"]].fix))
                                   for s in as_json["summary"])  # once per check


def test_max_findings_caps_the_page_each_check_taking_turns(report: Report,
                                                            tmp_path: Path) -> None:
    capped = dataclasses.replace(report, max_findings=3)
    out = tmp_path / "capped.html"
    validation_report.write_html(capped, out, "en")
    text = out.read_text(encoding="utf-8")
    assert sum(map(len, _rows_on_page(text).values())) == 3
    assert f"This page lists 3 of the {report.total} findings" in text
    listed = re.findall(r'<h4 id="f-homicide-([a-z-]+)">', text)
    assert len(listed) == len(report.counts)  # every check is still named, with its count


def test_a_clean_submission_says_valid(submission, tmp_path: Path) -> None:
    folder = submission({"homicide": ["COL,2020,0101,_T,_T,100,A,Ministry of Defence,"]})
    out = tmp_path / "clean.html"
    validation_report.write_html(validate([folder]), out, "en")
    text = out.read_text(encoding="utf-8")
    assert '<header class="verdict valid">' in text and '<span class="word">VALID</span>' in text
    assert "No errors and no warnings" in text and "Nothing to report" in text
    assert 'class="banner"' not in text  # not the demo


def test_the_language_is_the_readers(report: Report, tmp_path: Path) -> None:
    out = tmp_path / "informe.html"
    validation_report.write_html(report, out, "es")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>\n<html lang=\"es\">")
    # The checks' titles and fixes are in the reader's language; their messages and the
    # notices are English for now, and the page says so.
    assert "<li lang=\"en\">" in text and '<span class="title">Un valor no es del tipo' in text
    assert re.search(r'<td lang="en">&#39;-12&#39;[^<]*</td></tr>', text)
    validation_report.write_xlsx(report, tmp_path / "informe.xlsx", "es")
    assert len(openpyxl.load_workbook(tmp_path / "informe.xlsx").sheetnames) == 2


@pytest.mark.skipif(CHROMIUM is None and not IN_CI,
                    reason="Chromium is not installed (make chromium); CI requires it")
def test_the_page_as_a_supervisor_sees_it(page: Path, as_json: dict, tmp_path: Path) -> None:
    assert CHROMIUM is not None, "CI is set but Chromium is missing: run `make chromium`"
    picture = tmp_path / "validation-report.png"
    with Browser(CHROMIUM, scale=README_SCALE) as browser:
        view = browser.view(page, tmp_path / "report.png")
        readme = validation_screenshot(picture, browser)
    assert view.console == [] and readme.console == [], (view.console, readme.console)
    dom = view.dom
    assert '<span class="word">NOT VALID</span>' in dom and "Summary by check" in dom
    assert "<script" not in dom and LOADING.findall(dom) == []
    # Every listed finding is drawn, its cell as written.
    assert _rows_on_page(dom) == _expected_rows(as_json["findings"], PER_CHECK)
    assert "<b>x</b>" not in dom and "&lt;b&gt;x&lt;/b&gt;" in dom
    # The README's picture: the demo's three errors, small enough for the README.
    assert "<dd>3</dd>" in readme.dom and "envio_COL/homicide.csv" in readme.dom
    assert 30_000 < picture.stat().st_size < MAX_BYTES


# ----------------------------------------------------------------------------- the workbook


def _expected_sheet(findings: list[dict]) -> list[tuple]:
    """The JSON findings as the Findings sheet holds them: texts neutralised, with the
    check's level and fix, and an empty comment."""
    def text(value: object) -> object:
        return None if value is None else spreadsheet_safe_text(
            re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", str(value)))

    return [(f["severity"], CHECKS[f["check"]].level, f["check"], text(f["resource"]),
             text(f["file"]), f["row"], text(f["field"]), text(f["value"]), text(f["message"]),
             CHECKS[f["check"]].fix, None) for f in findings]


def _summary_counts(sheet: object) -> dict[str, int]:
    rows = list(sheet.iter_rows(values_only=True))
    start = rows.index(("Level", "Check", "Title", "Severity", "Count", "What to do")) + 1
    counts = {}
    for row in rows[start:]:
        if row[0] is None:
            break
        counts[row[1]] = row[4]
    return counts


def test_the_workbook_equals_the_json_report(report: Report, as_json: dict,
                                             tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    validation_report.write_xlsx(report, out, "en")
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["Summary", "Findings"]
    findings = workbook["Findings"]
    rows = list(findings.iter_rows(values_only=True))
    assert rows[0] == ("Severity", "Level", "Check", "Table", "File", "Row", "Column", "Value",
                       "Message", "What to do", "Comment")
    assert rows[1:] == _expected_sheet(as_json["findings"])
    assert findings.freeze_panes == "A2" and findings.auto_filter.ref == f"A1:K{len(rows)}"
    # A cell a spreadsheet would run is text, never a formula.
    assert "'=1+1" in [row[7] for row in rows]
    cells = [c for sheet in workbook for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    summary = workbook["Summary"]
    assert summary["A2"].value == "NOT VALID"
    assert (summary["B3"].value, summary["B4"].value) == (as_json["errors"], as_json["warnings"])
    assert _summary_counts(summary) == {s["check"]: s["count"] for s in as_json["summary"]}
    # No text runs under the next row (LibreOffice showed the checks' titles doing so).
    assert rows_too_short(summary)[0] == []


def test_findings_go_on_to_further_sheets(report: Report, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """More findings than a sheet's rows (Excel's 1,048,576) go on to Findings 2, ..."""
    monkeypatch.setattr(validation_report, "SHEET_ROWS", 11)
    capped = dataclasses.replace(report, max_findings=25)
    out = tmp_path / "capped.xlsx"
    validation_report.write_xlsx(capped, out, "en")
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["Summary", "Findings", "Findings 2", "Findings 3"]
    rows = []
    for name in workbook.sheetnames[1:]:
        sheet = list(workbook[name].iter_rows(values_only=True))
        assert sheet[0][0] == "Severity" and len(sheet) <= 11
        rows += sheet[1:]
    assert rows == _expected_sheet(json.loads(render_json(capped))["findings"])
    summary = list(workbook["Summary"].iter_rows(values_only=True))
    assert ("Findings listed", f"25 of {report.total} (--max-findings 25)") in [
        row[:2] for row in summary]


# ----------------------------------------------------------------------------- the command


def test_the_command_writes_the_report(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "sent" / "report.html"
    result = run_hemisec("validate", str(folder), "--format", "html", "--out", str(out))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{out}: 6 error(s)" in " ".join(result.stderr.split())  # the path kept whole
    assert '<span class="word">NOT VALID</span>' in out.read_text(encoding="utf-8")
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]  # no partial file left
    missing = run_hemisec("validate", str(folder), "--format", "html")
    assert missing.returncode == 2
    assert "--format html writes a file: give --out" in missing.stdout + missing.stderr
