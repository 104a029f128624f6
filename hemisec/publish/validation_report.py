"""The validation report a statistician sends to a supervisor: one self-contained HTML
page to read or print, and a workbook to sort, filter and annotate.

The page opens with the verdict and the notices, then the summary by check (every finding
counted, grouped by ESS validation level), then the findings by table and check, at most
`PER_CHECK` of each, since a submission can have millions. The workbook lists every
finding (all that `--max-findings` lets through, as the JSON report does), streamed from
the validation's workspace to the file, so neither is ever whole in memory.

Both are written in the reader's language: the texts below are msgids, marked with `_`
and translated where used; the checks' titles and fixes are translated from their
templates. The findings' messages and the notices were worded in the language of the
validation run; where that is not the page's, the page says so with `lang`.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from hemisec.checks.validate import Report
from hemisec.findings import CHECKS, FINDING_COLUMNS, LEVELS
from hemisec.package import SYNTHETIC_MARKER
from hemisec.publish.exports import row_height, sheet_text, wrapped_lines
from hemisec.sql import quote_identifier, quote_literal
from hemisec.translate import translator

TEMPLATES = Path(__file__).parent / "templates"
#: Findings the page lists for each table and check; the counts always cover them all.
PER_CHECK = 200
#: Characters of a cell the page shows; a longer cell is cut, saying how long it is.
CELL_CHARS = 300
#: Characters of a message the page shows (a message quotes its cell, which may be long).
MESSAGE_CHARS = 1000
#: Rows of an Excel sheet, header included; more findings go on to a further sheet.
SHEET_ROWS = 1_048_576
#: Control characters shown as \xNN on the page (a line break and a tab stay as they are).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _(text: str) -> str:
    """Marks a text for the catalogues (extracted as msgid); translated where it is used."""
    return text


TEXTS = {
    "title": _("Validation report"),
    "demo": _("Synthetic demo data."),
    "errors": _("Errors"),
    "warnings": _("Warnings"),
    "notes": _("Notes"),
    "contents": _("Contents"),
    "files": _("Files read"),
    "no_tables": _("No table was read."),
    "table": _("Table"),
    "file": _("File"),
    "rows": _("Rows"),
    "format": _("Format"),
    "summary": _("Summary by check"),
    "summary_intro": _("Every finding is counted, by ESS validation level: what a check "
                       "compares a figure with. Errors must be corrected; each warning asks "
                       "you to confirm or correct a figure."),
    "level": _("Level"),
    "check": _("Check"),
    "severity": _("Severity"),
    "count": _("Count"),
    "fix": _("What to do"),
    "findings": _("Findings"),
    "findings_intro": _("Each finding by table and check: the file, the row as the "
                        "spreadsheet numbers it (the header is row 1), the column, the cell "
                        "as written and what is wrong."),
    "row": _("Row"),
    "column": _("Column"),
    "value": _("Cell as written"),
    "message": _("What is wrong"),
    "empty": _("(empty)"),
    "nothing": _("Nothing to report: every check passed."),
}
VALID, NOT_VALID = _("VALID"), _("NOT VALID")
SEVERITIES = {"error": _("error"), "warning": _("warning")}
MEANING_CLEAN = _("No errors and no warnings: the submission passed every check.")
MEANING_WARNINGS = _("No errors: the submission can be sent. Look at each warning and "
                     "confirm or correct its figure.")
MEANING_ERRORS = _("Correct the errors, then validate again before sending the submission. "
                   "Look at each warning too.")
META = _("Validated on {date} with hemisec {version}.")
FOOTER = _("Written by hemisec {version} on {date}. The xlsx report (hemisec validate "
           "--format xlsx) lists every finding, with a column for comments.")
MORE = _("{more} more of this check in this table are not listed here: the xlsx report "
         "(hemisec validate --format xlsx) lists them all.")
LISTED = _("This page lists {listed} of the {total} findings (at most {per_check} of each "
           "check in each table); the counts cover them all.")
CUT = _("({count} characters in all)")
#: The workbook.
SUMMARY_SHEET, FINDINGS_SHEET = _("Summary"), _("Findings")
LISTED_XLSX = _("Findings listed")
LISTED_XLSX_VALUE = _("{listed} of {total} (--max-findings {cap})")
VALIDATED = _("Validated on")
COMMENT = _("Comment")
FINDINGS_HINT = _("Every finding is a row of the sheet '{sheet}', with a column for your "
                  "comments.")
FINDING_HEADINGS = [_("Severity"), _("Level"), _("Check"), _("Table"), _("File"), _("Row"),
                    _("Column"), _("Value"), _("Message"), _("What to do"), COMMENT]
SUMMARY_HEADINGS = [_("Level"), _("Check"), _("Title"), _("Severity"), _("Count"),
                    _("What to do")]
LEVELS_HEADING = _("ESS validation levels")


# ----------------------------------------------------------------------------- shared


def _now(generated: datetime | None) -> tuple[str, str]:
    """When the report was written, as ISO 8601 and as a reader sees it (local time with
    its offset from UTC, so that a supervisor elsewhere reads the same moment)."""
    moment = (generated or datetime.now()).astimezone()
    iso = moment.isoformat(timespec="minutes")
    return iso, f"{moment:%Y-%m-%d %H:%M} (UTC{iso[-6:]})"


def _version() -> str:
    from hemisec import __version__

    return __version__


def _number(language: str) -> Callable[[int], str]:
    from babel.numbers import format_decimal

    return lambda value: format_decimal(int(value), locale=language)


def _anchor(*parts: object) -> str:
    return "-".join(re.sub(r"[^A-Za-z0-9_-]", "-", str(p)) for p in parts)


@contextmanager
def _replacing(out: Path) -> Iterator[Path]:
    """A path beside `out`, put in its place once written: a failed run never leaves half
    a report where the last one was. (Made by name, not with mkstemp, so that the report
    gets the permissions of any file the user writes.)"""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.partial")
    try:
        yield partial
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def _group_counts(report: Report) -> pd.DataFrame:
    """Findings per table and check, and where each group first appears in the report."""
    if report.findings_table is None or report.workspace is None:
        return pd.DataFrame({"resource": [], "check": [], "count": [], "first": []})
    table = report.workspace.qualified(report.findings_table)
    return report.workspace.con.execute(
        f'SELECT resource, "check", count(*) AS count, min(position) AS first FROM {table} '
        'GROUP BY ALL ORDER BY first').df()


def _listed(report: Report, per_check: int) -> pd.DataFrame:
    """The findings the page lists: the first `per_check` of each table and check, and,
    under `--max-findings`, only as many as it allows, the groups taking turns (so that
    every kind of problem is still shown). Only these leave the workspace."""
    if report.findings_table is None or report.workspace is None:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in FINDING_COLUMNS})
    table = report.workspace.qualified(report.findings_table)
    columns = ", ".join(quote_identifier(c) for c in FINDING_COLUMNS)
    cap = ("" if report.max_findings is None else
           f"QUALIFY row_number() OVER (ORDER BY turn, position) <= {int(report.max_findings)}")
    frame = report.workspace.con.execute(
        f"SELECT {columns} FROM (SELECT *, row_number() OVER (PARTITION BY resource, \"check\" "
        f"ORDER BY position) AS turn FROM {table}) WHERE turn <= {int(per_check)} {cap} "
        "ORDER BY position").df()
    frame["row"] = frame["row"].astype("Int64")  # DuckDB gives floats when some are NULL
    return frame.astype("object").where(frame.notna(), None)


# ----------------------------------------------------------------------------- HTML


def _visible(texts: pd.Series) -> pd.Series:
    """Texts with their control characters written as \\xNN (a line break and a tab stay):
    a page cannot show them, and a cell's \\x01 is part of what is wrong with it."""
    return texts.astype("string").str.replace(
        _CONTROL, lambda m: f"\\x{ord(m.group()):02x}", regex=True)


def _shown_cells(listed: pd.DataFrame, cut_text: str,
                 number: Callable[[int], str]) -> pd.DataFrame:
    """The listed findings as the page shows them: control characters as \\xNN, a long
    cell cut (saying how long it was)."""
    value = _visible(listed["value"])
    length = value.str.len()
    long = (length > CELL_CHARS).fillna(False).astype(bool)
    value = value.where(~long, value.str.slice(0, CELL_CHARS) + "…")
    cut = [cut_text.format(count=number(n)) if is_long else None  # the listed cells
           for n, is_long in zip(length.fillna(0), long, strict=True)]
    texts = {c: _visible(listed[c]) for c in ("file", "field", "message")}
    texts["message"] = texts["message"].where(
        ~(texts["message"].str.len() > MESSAGE_CHARS).fillna(False).astype(bool),
        texts["message"].str.slice(0, MESSAGE_CHARS) + "…")
    texts = {c: v.astype("object").where(v.notna(), None) for c, v in texts.items()}
    return listed.assign(value=value.astype("object").where(value.notna(), None), cut=cut,
                         **texts)


def _summary_levels(report: Report, counts: pd.DataFrame, t: Callable[[str], str],
                    number: Callable[[int], str], language: str) -> list[dict[str, Any]]:
    """The summary by check, grouped by ESS validation level, each check linked to its
    first findings."""
    first = {check: _anchor("f", resource, check) for resource, check in
             counts.drop_duplicates("check")[["resource", "check"]].itertuples(index=False)}
    summary = report.summary()
    levels = []
    for level in sorted(int(n) for n in summary["level"].unique()):  # at most six
        description = t(LEVELS[level])
        checks = [{
            "check": rec["check"], "title": CHECKS[rec["check"]].title_in(t),
            "severity": rec["severity"], "severity_label": t(SEVERITIES[rec["severity"]]),
            "count": number(rec["count"]), "fix": CHECKS[rec["check"]].fix_in(t),
            "anchor": first[rec["check"]],
        } for rec in summary[summary["level"] == level].to_dict(orient="records")]
        levels.append({"level": level, "description": description, "checks": checks,
                       "english": Markup(' lang="en"') if language != "en" and
                       description == LEVELS[level] else Markup("")})
    return levels


def _finding_groups(report: Report, counts: pd.DataFrame, per_check: int,
                    t: Callable[[str], str],
                    number: Callable[[int], str]) -> tuple[list[dict[str, Any]], int]:
    """The findings listed, by table (in the order the report meets them) and check
    (errors first, then by level), with how many more each group has; and how many are
    listed in all."""
    listed = _shown_cells(_listed(report, per_check), t(CUT), number)
    shown = dict(list(listed.groupby(["resource", "check"], sort=False)))
    counts = counts.assign(
        rank=counts["check"].map(lambda c: CHECKS[c].severity != "error"),
        level=counts["check"].map(lambda c: CHECKS[c].level),
        order=counts.groupby("resource")["first"].transform("min"))
    groups = []
    for resource, checks in counts.sort_values(["order", "rank", "level", "first"]).groupby(
            "resource", sort=False):
        entries = []
        for rec in checks.to_dict(orient="records"):  # one per table and check
            check = CHECKS[rec["check"]]
            rows = shown.get((resource, check.id))
            rows = [] if rows is None else rows.to_dict(orient="records")
            more = int(rec["count"]) - len(rows)
            entries.append({
                "check": check.id, "title": check.title_in(t), "severity": check.severity,
                "severity_label": t(SEVERITIES[check.severity]),
                "count": number(rec["count"]), "fix": check.fix_in(t), "rows": rows,
                "anchor": _anchor("f", resource, check.id),
                "more": t(MORE).format(more=number(more)) if more > 0 else None})
        groups.append({"resource": resource, "anchor": _anchor("t", resource),
                       "checks": entries})
    return groups, len(listed)


def render_html(report: Report, language: str, *, per_check: int = PER_CHECK,
                generated: datetime | None = None) -> str:
    """The report as one HTML page: its style inlined, no script, nothing to fetch."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    t = translator(language)
    number = _number(language)
    # Findings and notices are worded when the checks run: marked where their language is
    # not the page's (a report validated in one language, written in another).
    worded = (Markup(' lang="{}"').format(report.language) if report.language != language
              else Markup(""))
    iso, when = _now(generated)
    version = _version()
    date = Markup('<time datetime="{}">{}</time>').format(iso, when)
    counts = _group_counts(report)
    groups, listed = _finding_groups(report, counts, per_check, t, number)
    listed_note = None
    if listed < report.total:
        listed_note = t(LISTED).format(listed=number(listed), total=number(report.total),
                                       per_check=number(per_check))
    if report.valid:
        meaning = t(MEANING_WARNINGS) if report.warnings else t(MEANING_CLEAN)
    else:
        meaning = t(MEANING_ERRORS)
    demo = [n for n in report.notices if SYNTHETIC_MARKER in n]
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return environment.get_template("validation.html").render(
        language=language, worded=worded, version=version,
        css=Markup((TEMPLATES / "validation.css").read_text(encoding="utf-8")),
        t={key: t(text) for key, text in TEXTS.items()},
        verdict={"valid": report.valid, "word": t(VALID if report.valid else NOT_VALID),
                 "errors": number(report.errors), "warnings": number(report.warnings),
                 "meaning": meaning},
        meta=escape(t(META)).format(date=date, version=version),
        footer=escape(t(FOOTER)).format(date=date, version=version),
        demo_notices=demo, notices=[n for n in report.notices if n not in demo],
        tables=[{**table, "rows": number(int(table["rows"]))} for table in report.tables],
        levels=_summary_levels(report, counts, t, number, language), groups=groups,
        listed_note=listed_note)


def write_html(report: Report, out: Path, language: str, *, per_check: int = PER_CHECK,
               generated: datetime | None = None) -> None:
    """Write the HTML report to `out` (replacing it only once written whole)."""
    page = render_html(report, language, per_check=per_check, generated=generated)
    with _replacing(out) as partial:
        partial.write_text(page, encoding="utf-8")


# ----------------------------------------------------------------------------- XLSX


def _sheet_name(name: str) -> str:
    """A translated sheet name as Excel accepts it (31 characters, none of []:*?/\\)."""
    return re.sub(r"[\[\]:*?/\\]", " ", name)[:31].strip("' ") or "Sheet"


def _summary_sheet(workbook: Any, report: Report, t: Callable[[str], str],
                   generated: datetime | None, findings_sheet: str) -> None:
    """The verdict, the counts, the notices, the files and the summary by check."""
    sheet = workbook.add_worksheet(_sheet_name(t(SUMMARY_SHEET)))
    widths = (16, 34, 46, 11, 10, 100)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    wrap = {"text_wrap": True, "valign": "top"}
    verdict = {"bold": True, "font_size": 14,
               "font_color": "#1B6E34" if report.valid else "#B3261E"}
    styles = {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "verdict": workbook.add_format(verdict),
        "label": workbook.add_format({"bold": True, "valign": "top"}),
        "demo": workbook.add_format({"bold": True, "font_color": "#B3261E", **wrap}),
        "heading": workbook.add_format({"bold": True, "bg_color": "#DDE3EA", "bottom": 1,
                                        **wrap}),
        "text": workbook.add_format(wrap),
        "number": workbook.add_format({"valign": "top", "num_format": "#,##0"}),
    }
    row = 0
    wrapping = ("demo", "heading", "text")  # the styles that wrap their text

    def line(*cells: object, style: str = "text", label: bool = False) -> None:
        """One row of cells; with `label`, the first is a bold label of the rest."""
        nonlocal row
        lines = 1
        for column, value in enumerate(cells):
            if isinstance(value, int):
                sheet.write_number(row, column, value, styles["number"])
            elif value is not None:
                text = sheet_text(value)
                sheet.write_string(row, column, text,
                                   styles["label" if label and column == 0 else style])
                if style in wrapping and not (label and column == 0):
                    lines = max(lines, wrapped_lines(text, widths[column]))
        if lines > 1:  # as high as its wrapped text, which would else cover the next row
            sheet.set_row(row, row_height(lines))
        row += 1

    line(t(TEXTS["title"]), style="title")
    line(t(VALID if report.valid else NOT_VALID), style="verdict")
    line(t(TEXTS["errors"]), report.errors, label=True)
    line(t(TEXTS["warnings"]), report.warnings, label=True)
    if report.listed < report.total:
        line(t(LISTED_XLSX), t(LISTED_XLSX_VALUE).format(
            listed=report.listed, total=report.total, cap=report.max_findings), label=True)
    line(t(VALIDATED), _now(generated)[1], label=True)
    line("hemisec", _version(), label=True)
    line(t(FINDINGS_HINT).format(sheet=findings_sheet))
    row += 1
    if report.notices:
        line(t(TEXTS["notes"]), style="label")
        for notice in report.notices:  # a notice reads across the sheet
            style = styles["demo" if SYNTHETIC_MARKER in notice else "text"]
            text = sheet_text(notice)
            sheet.set_row(row, row_height(max(2, wrapped_lines(text, sum(widths)))))
            sheet.merge_range(row, 0, row, 5, text, style)
            row += 1
        row += 1
    line(t(TEXTS["files"]), style="label")
    line(t(TEXTS["table"]), t(TEXTS["file"]), t(TEXTS["format"]), t(TEXTS["rows"]),
         style="heading")
    for table in report.tables:
        line(table["resource"], table["file"], table["format"], int(table["rows"]))
    row += 1
    line(t(TEXTS["summary"]), style="label")
    line(*map(t, SUMMARY_HEADINGS), style="heading")
    summary = report.summary().sort_values("level", kind="stable")
    for rec in summary.to_dict(orient="records"):  # one per check
        line(int(rec["level"]), rec["check"], CHECKS[rec["check"]].title_in(t),
             t(SEVERITIES[rec["severity"]]), int(rec["count"]), CHECKS[rec["check"]].fix_in(t))
    row += 1
    line(t(LEVELS_HEADING), style="label")
    for level, description in LEVELS.items():
        line(level, t(description))


def _findings_sheets(workbook: Any, report: Report, t: Callable[[str], str],
                     name: str) -> list[Any]:
    """Every finding listed, a row each: further sheets when they are more than a sheet
    holds. XlsxWriter writes each sheet's header and styles; DuckDB its rows (returned,
    for hemisec.publish.sheet_rows to add), worded and neutralised in SQL."""
    from hemisec.publish.exports import sheet_text_sql
    from hemisec.publish.sheet_rows import sheet_rows

    bold = workbook.add_format({"bold": True, "bg_color": "#DDE3EA", "bottom": 1,
                                "valign": "top"})
    top = workbook.add_format({"valign": "top"})
    wrapped = workbook.add_format({"valign": "top", "text_wrap": True})
    comment = workbook.add_format({"valign": "top", "text_wrap": True, "bg_color": "#FFF8D6",
                                   "border": 1, "border_color": "#D9CF9B"})
    widths = (9, 6, 28, 16, 26, 7, 16, 22, 60, 40, 36)
    headings = [t(h) for h in FINDING_HEADINGS]
    last = len(headings) - 1
    # The cells of a column carry its style; XlsxWriter numbers a style when a cell it
    # writes uses it, and these cells are written by DuckDB.
    styles = [(wrapped if column == 8 else top)._get_xf_index() for column in range(last)]

    def new_sheet(number: int) -> Any:
        sheet = workbook.add_worksheet(_sheet_name(name if number == 1 else f"{name} {number}"))
        for column, width in enumerate(widths):
            style = (wrapped if column == 8 else comment if column == last else top)
            sheet.set_column(column, column, width, style)
        sheet.freeze_panes(1, 0)
        for column, heading in enumerate(headings):
            sheet.write_string(0, column, sheet_text(heading), bold)
        return sheet

    listing = report.listing_query(report.max_findings)
    if listing is None:  # nothing to list: the header alone
        new_sheet(1).autofilter(0, 0, 1, last)
        return []

    def case(column: str, values: dict[str, object]) -> str:
        return (f"CASE {column} " + " ".join(
            f"WHEN {quote_literal(k)} THEN {v if isinstance(v, int) else quote_literal(str(v))}"
            for k, v in values.items()) + " END")

    def safe(column: str) -> str:
        return sheet_text_sql(quote_identifier(column))

    check, row = quote_identifier("check"), quote_identifier("row")
    severities = {k: t(v) for k, v in SEVERITIES.items()}
    levels = {c.id: c.level for c in CHECKS.values()}
    fixes = {c.id: c.fix_in(t) for c in CHECKS.values()}
    worded = (
        f"SELECT {case('severity', severities)} AS severity, {case(check, levels)} AS level, "
        f"{check}, {safe('resource')} AS resource, {safe('file')} AS file, {row}, "
        f"{safe('field')} AS field, {safe('value')} AS value, {safe('message')} AS message, "
        f"{case(check, fixes)} AS fix, _order_position, "
        f"row_number() OVER (ORDER BY _order_position) AS _order_number FROM ({listing})")
    per_sheet = SHEET_ROWS - 1
    sheets = []
    for number in range(1, max(1, -(-report.listed // per_sheet)) + 1):
        sheet = new_sheet(number)
        part = (f"SELECT * FROM ({worded}) WHERE _order_number BETWEEN "
                f"{(number - 1) * per_sheet + 1} AND {number * per_sheet}")
        rows = sheet_rows(report.workspace.con, part, ["_order_position"], sheet.index, None,
                          styles)
        sheet.autofilter(0, 0, max(rows.rows, 1), last)
        sheets.append(rows)
    return sheets


def write_xlsx(report: Report, out: Path, language: str, *,
               generated: datetime | None = None) -> None:
    """Write the workbook to `out`: a Summary sheet, and a Findings sheet of every finding
    (with an empty comment column for the supervisor), its header frozen and filtered.
    XlsxWriter writes the Summary and the headers, DuckDB the findings' rows, streamed
    into the file (hemisec.publish.sheet_rows); texts are written as text, never as
    formulas or links, and a cell that a spreadsheet would run is neutralised."""
    import io

    from xlsxwriter import Workbook

    from hemisec.publish.sheet_rows import write_with_rows

    t = translator(language)
    findings = _sheet_name(t(FINDINGS_SHEET))
    with _replacing(out) as partial:
        drafted = io.BytesIO()
        workbook = Workbook(drafted, {
            "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "nan_inf_to_errors": True})
        try:
            workbook.set_properties({"title": t(TEXTS["title"]), "author": "hemisec",
                                     "comments": f"hemisec {_version()}"})
            _summary_sheet(workbook, report, t, generated, findings)
            sheets = _findings_sheets(workbook, report, t, findings)
        finally:
            workbook.close()
        if sheets:
            write_with_rows(report.workspace.con, drafted, partial, sheets)
        else:
            partial.write_bytes(drafted.getvalue())
