"""Render a validation report: text for people, JSON for machines."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TextIO

from hemisec.checks.validate import Report
from hemisec.errors import printable
from hemisec.findings import LEVELS

if TYPE_CHECKING:  # rich is imported by the text report only
    from rich.console import Console


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)


def _dumps(value: object, indent: int) -> str:
    """`value` as `json.dumps(indent=2)` writes it, each line after the first indented by
    `indent` more spaces."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return text.replace("\n", "\n" + " " * indent)


#: JSON text of a string, as json.dumps(ensure_ascii=False) writes it (in C).
_string = json.encoder.encode_basestring


def _scalar(value: object) -> str:
    if isinstance(value, str):
        return _string(value)
    return json.dumps(value)  # numbers, booleans, null: as json writes them


def flat_record(record: dict[str, object], indent: int) -> str:
    """A finding (a flat dict of text, numbers and nulls) exactly as `_dumps` writes it:
    json's indenting encoder is pure Python, which took a quarter of a second for ten
    thousand findings; its strings are encoded in C here."""
    pad = " " * (indent + 2)
    items = ",\n".join(f"{pad}{_string(key)}: {_scalar(value)}"
                       for key, value in record.items())
    return "{\n" + items + "\n" + " " * indent + "}" if record else "{}"


def write_json(report: Report, out: TextIO) -> None:
    """The JSON report, written as the findings are fetched, a chunk at a time, so a
    report of millions of findings never sits in memory whole. The same document as
    `render_json`."""
    out.write("{\n")
    for key, value in report.header().items():
        out.write(f'  "{key}": {_dumps(value, 2)},\n')
    out.write('  "findings": [')
    for number, record in enumerate(report.iter_records(report.max_findings)):
        out.write(("," if number else "") + "\n    " + flat_record(record, 4))
    out.write("\n  ]" if report.listed else "]")
    for key, value in report.trailer().items():
        out.write(f',\n  "{key}": {_dumps(value, 2)}')
    out.write("\n}\n")


def render_text(report: Report, console: Console, max_per_check: int = 20) -> None:
    """A summary by check, then the occurrences, readable on an 80-column terminal, in
    the run's language (the findings were worded in it).

    `max_per_check` caps the occurrences listed per check (0 = all); the counts in the
    summary always cover every finding.
    """
    from rich.table import Table
    from rich.text import Text

    from hemisec.translate import say, say_number, translated

    severities = {"error": say("error"), "warning": say("warning")}
    rows = sum(int(t["rows"]) for t in report.tables)
    console.print(Text(say("hemisec validate: {tables} table(s), {rows:,} rows",
                           tables=len(report.tables), rows=rows), style="bold"))
    width = max((len(str(t["resource"])) for t in report.tables), default=0)
    for table in report.tables:
        rows = say("{rows:,} rows", rows=int(table["rows"]))
        console.print(Text(f"  {table['resource']:<{width}} {printable(table['file'])} "
                           f"({rows}; {table['format']})", overflow="fold"))
    for notice in report.notices:
        console.print(Text(say("Note: {notice}", notice=printable(notice)), style="yellow"))

    counts = {"errors": report.errors, "warnings": report.warnings}
    verdict = (say("VALID: {errors:,} error(s), {warnings:,} warning(s)", **counts)
               if report.valid else
               say("NOT VALID: {errors:,} error(s), {warnings:,} warning(s)", **counts))
    style = "bold green" if report.valid else "bold red"
    console.print(Text("\n" + verdict, style=style))
    if report.total == 0:
        return

    summary = Table(title=say("Summary by check, by ESS validation level"),
                    title_justify="left", expand=True, show_lines=False, pad_edge=False)
    summary.add_column(say("level"), justify="right", no_wrap=True)
    summary.add_column(say("check"), no_wrap=True)
    summary.add_column(say("severity"), no_wrap=True)
    summary.add_column(say("count"), justify="right", no_wrap=True)
    summary.add_column(say("what to do"), ratio=1)
    records = report.summary_records()
    levels = sorted({rec["level"] for rec in records})
    for level in levels:
        for rec in (r for r in records if r["level"] == level):
            summary.add_row(str(level), rec["check"], severities[rec["severity"]],
                            say_number(rec["count"]), rec["fix"])
        summary.add_section()
    console.print(summary)
    console.print(Text(say("Levels: {levels}.", levels="; ".join(
        f"{level} {translated(LEVELS[level])}" for level in levels)), style="dim"))

    console.print(Text("\n" + say("Occurrences (file:row column 'value': what is wrong)"),
                       style="bold"))
    # Only the findings listed are fetched from the workspace: max_per_check of each check.
    by_check = {check: (severity, count) for severity, check, count in report.check_counts}
    shown: dict[str, list[dict[str, object]]] = {}
    for record in report.iter_records(per_check=max_per_check or None):  # bounded
        shown.setdefault(str(record["check"]), []).append(record)
    for check, records in shown.items():  # in the order the report meets them
        severity, total = by_check[check]
        console.print(Text(f"\n{severities[severity]} {check} ({say_number(total)})",
                           style="red" if severity == "error" else "yellow"))
        for rec in records:
            where = str(rec["file"]) + (f":{rec['row']}" if rec["row"] is not None else "")
            column = f" {rec['field']}" if rec["field"] else ""
            console.print(Text(printable(f"  {where}{column}: {rec['message']}"),
                               overflow="fold"))
        hidden = total - len(records)
        if hidden > 0:
            console.print(say("  ... and {count:,} more (--max-per-check 0 lists all)",
                              count=hidden))
