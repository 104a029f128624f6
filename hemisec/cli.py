"""The `hemisec` command line."""

from __future__ import annotations

import inspect
import json
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from hemisec.paths import DEFAULT_DESCRIPTOR, DEFAULT_OUT, TRANSFORMS
from hemisec.translate import default_language, translator

if TYPE_CHECKING:
    from rich.console import Console


def _console(**options: object) -> Console:
    """A rich console, imported when a command prints with it: a JSON report, the
    benchmark's command, does not."""
    from rich.console import Console

    return Console(**options)


#: The help texts' language: the environment's (as gettext programs do: the help is
#: shown before any option is read).
_translate = translator(default_language())


def _(text: str) -> str:
    """A help text in the user's language, its brackets shown as written: rich would
    read '[default: ...]' as markup and drop it."""
    from rich.markup import escape

    return escape(_translate(text))
F = TypeVar("F", bound=Callable[..., object])

def command(group: typer.Typer, name: str | None = None) -> Callable[[F], F]:
    """Register a command whose help (its docstring) is shown in the user's language."""
    def register(function: F) -> F:
        text = inspect.cleandoc(function.__doc__ or "")
        return group.command(name, help=_(text))(function)
    return register


app = typer.Typer(
    help=_("hemisec: public-security indicators for the 35 OAS member states."),
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

#: Exit statuses of `hemisec validate`.
EXIT_VALID, EXIT_INVALID, EXIT_CANNOT_RUN = 0, 1, 2


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    html = "html"
    xlsx = "xlsx"


def _fail(message: str) -> typer.Exit:
    from rich.markup import escape

    from hemisec.errors import printable

    _console(stderr=True, soft_wrap=True).print(
        f"[bold red]hemisec:[/] {escape(printable(message))}", highlight=False)
    return typer.Exit(EXIT_CANNOT_RUN)


# How delimited files were written, when detection gets it wrong; shared by every command
# that reads a submission.
EncodingOption = Annotated[str | None, typer.Option(
    "--encoding", help=_("Encoding of CSV files, e.g. utf-8, cp1252 (Windows-1252), latin-1, "
                       "utf-16 [default: detected]"), show_default=False)]
DelimiterOption = Annotated[str | None, typer.Option(
    "--delimiter", help=_("Delimiter of CSV files: ',', ';', 'tab' or '|' [default: detected "
                        "from the header]"), show_default=False)]
DecimalOption = Annotated[str | None, typer.Option(
    "--decimal", help=_("Decimal mark of number cells: '.' or ',' [default: ',' in "
                      "';'-separated files, else '.']"), show_default=False)]


LangOption = Annotated[str | None, typer.Option(
    "--lang", help=_("Language of what the command says: en, es, fr or pt [default: from "
                     "the environment's locale, else en]"), show_default=False)]


def _language(lang: str | None) -> str:
    """The language asked for, else the environment's; a clear message for another."""
    from hemisec.translate import LANGUAGES

    language = lang or default_language()
    if language not in LANGUAGES:
        raise _fail(f"--lang {language}: use one of {', '.join(LANGUAGES)}")
    return language


def _read_options(encoding: str | None, delimiter: str | None, decimal: str | None) -> object:
    from hemisec.read.dialect import ReadOptions

    if delimiter in ("tab", "\\t", "TAB"):
        delimiter = "\t"
    try:
        return ReadOptions(encoding, delimiter, decimal)
    except LookupError:
        from hemisec.translate import say

        raise _fail(say("--encoding {encoding}: not a text encoding Python knows (try utf-8, "
                        "cp1252, latin-1 or utf-16)", encoding=encoding)) from None
    except ValueError as exc:
        raise _fail(str(exc)) from None


@command(app)
def validate(
    paths: Annotated[list[Path], typer.Argument(
        help=_("A table's file named after the table (homicide.csv, homicide.xlsx), a workbook "
             "with a sheet per table, a folder of them (a national submission) or a "
             "datapackage.json."), show_default=False)],
    output_format: Annotated[ReportFormat, typer.Option(
        "--format", "-f", help=_("text for people, json for machines, html (one self-contained "
                               "page) or xlsx (a sheet to sort and annotate) to send; html "
                               "and xlsx need --out."))] = ReportFormat.text,
    out: Annotated[Path | None, typer.Option(
        "--out", help=_("File to write the report to (html, xlsx; json and text go to the "
                      "screen without it)."), show_default=False)] = None,
    lang: Annotated[str | None, typer.Option(
        "--lang", help=_("Language of the report (messages, what to do, headings, notes): "
                       "en, es, fr or pt [default: from the environment's locale, else en]"),
        show_default=False)] = None,
    max_per_check: Annotated[int, typer.Option(
        min=0, help=_("Occurrences listed per check in text output (0 = all). "
                    "Counts always cover every finding."))] = 20,
    against: Annotated[Path | None, typer.Option(
        "--against", help=_("Compare every value with the figures already held: a built "
                          "database (.duckdb) or a package or folder [default: the "
                          "package's own data, unless it is the synthetic demo]"),
        show_default=False)] = None,
    max_findings: Annotated[int | None, typer.Option(
        min=0, help=_("List at most this many findings (text and json), each check keeping "
                    "its first ones in turn; the counts per check still cover every "
                    "finding [default: all]"), show_default=False)] = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal: DecimalOption = None,
) -> None:
    """Check tables against the package's schemas and rules; list every problem.

    Exit status: 0 no errors (warnings allowed), 1 errors found, 2 could not run.
    """
    from hemisec.translate import speaking

    language = _language(lang)
    with speaking(language):
        _validate(paths, output_format, out, language, max_per_check, against, max_findings,
                  _read_options(encoding, delimiter, decimal))


def _validate(paths: list[Path], output_format: ReportFormat, out: Path | None, language: str,
              max_per_check: int, against: Path | None, max_findings: int | None,
              options: object) -> None:
    from hemisec.checks.validate import validate as run_validation
    from hemisec.errors import UsageError
    from hemisec.publish.report import render_text, write_json
    from hemisec.translate import say

    if output_format in (ReportFormat.html, ReportFormat.xlsx) and out is None:
        raise _fail(say("--format {format} writes a file: give --out report.{format}",
                        format=output_format.value))
    try:
        report = run_validation(paths, options=options, max_findings=max_findings,
                                against=against)
    except UsageError as exc:
        raise _fail(str(exc)) from None
    if output_format in (ReportFormat.html, ReportFormat.xlsx):
        from hemisec.publish import validation_report

        write = (validation_report.write_html if output_format is ReportFormat.html
                 else validation_report.write_xlsx)
        write(report, out, language)
        # soft_wrap: a long path stays whole, to be copied.
        _console(stderr=True, highlight=False, soft_wrap=True).print(
            say("{file}: {errors:,} error(s), {warnings:,} warning(s)", file=out,
                errors=report.errors, warnings=report.warnings))
    elif output_format is ReportFormat.json:
        if out is not None:
            with out.open("w", encoding="utf-8") as handle:
                write_json(report, handle)
        else:
            write_json(report, sys.stdout)
    else:
        render_text(report, _console(highlight=False), max_per_check=max_per_check)
    raise typer.Exit(EXIT_VALID if report.valid else EXIT_INVALID)


@command(app)
def build(
    data: Annotated[Path, typer.Option(
        help=_("The tables to build from: a datapackage.json, a folder of CSVs or workbooks "
             "named after the tables, or one workbook with a sheet per table (reference "
             "tables it lacks come from the package)."))]
    = DEFAULT_DESCRIPTOR,
    out: Annotated[Path, typer.Option(help=_("The DuckDB file to write."))] = DEFAULT_OUT,
    exports: Annotated[Path | None, typer.Option(
        help=_("Folder for the exports (CSV, XLSX, Parquet, sdmx/, datapackage.json) "
             "[default: the folder of --out]"), show_default=False)] = None,
    csv_bom: Annotated[bool, typer.Option(
        "--csv-bom", help=_("Start the CSV files for people with a UTF-8 byte-order mark, so "
                          "that Excel reads accents right."))] = False,
    transforms: Annotated[Path, typer.Option(
        help=_("Folder of the SQL transforms, run in file-name order."))] = TRANSFORMS,
    force: Annotated[bool, typer.Option(
        "--force", help=_("Rebuild even when no input changed."))] = False,
    accept_inconsistent: Annotated[bool, typer.Option(
        "--accept-inconsistent",
        help=_("Build even when parts do not add up to totals (consistency errors, as public "
             "sources have); they are kept in validation_findings. Other errors still stop "
             "the build."))] = False,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal: DecimalOption = None,
    lang: LangOption = None,
) -> None:
    """Validate the tables and build the DuckDB database of indicators.

    Exit status: 0 built or already up to date, 1 the build failed (the inputs have errors,
    or a step failed; the previous database is left as it was), 2 could not start.
    """
    from hemisec.translate import speaking

    with speaking(_language(lang)):
        _build(data, out, exports, csv_bom, transforms, force, accept_inconsistent,
               _read_options(encoding, delimiter, decimal))


def _build(data: Path, out: Path, exports: Path | None, csv_bom: bool, transforms: Path,
           force: bool, accept_inconsistent: bool, options: object) -> None:
    from rich.markup import escape

    from hemisec.build.database import BuildError, ValidationFailed
    from hemisec.build.database import build as run_build
    from hemisec.errors import UsageError
    from hemisec.publish.exports import ExportOptions
    from hemisec.translate import say

    console = _console(highlight=False)
    try:
        result = run_build(data, out, exports, transforms, force, console, accept_inconsistent,
                           options=options, export_options=ExportOptions(bom=csv_bom))
    except UsageError as exc:
        raise _fail(str(exc)) from None
    except ValidationFailed as exc:
        from hemisec.publish.report import render_text

        render_text(exc.report, console)
        _console(stderr=True).print(
            "[bold red]hemisec: " + escape(say("build stopped:")) + "[/] " + escape(say(
                "the inputs have {errors:,} error(s); {database} was not written.",
                errors=exc.report.errors, database=out)), highlight=False)
        raise typer.Exit(EXIT_INVALID) from None
    except BuildError as exc:
        _console(stderr=True).print(
            "[bold red]hemisec: " + escape(say("build failed:")) + "[/] " + escape(
                f"{exc}\n" + say("{database} was left as it was.", database=out)),
            highlight=False)
        raise typer.Exit(EXIT_INVALID) from None
    except KeyboardInterrupt:
        _console(stderr=True).print(escape("hemisec: " + say(
            "build interrupted; {database} was left as it was.", database=out)))
        raise typer.Exit(130) from None
    if not result.up_to_date:
        _print_build_summary(console, result)


def _print_build_summary(console: Console, result: object) -> None:
    from rich.markup import escape

    from hemisec.translate import say

    counts = result.row_counts
    console.print("\n[bold green]" + escape(say("Built {database}", database=result.out))
                  + "[/] " + escape(say(
                      "in {seconds:.1f} s: {tables} tables, {rows:,} rows; {values:,} indicator "
                      "values, {regional:,} regional aggregates; {errors:,} errors and "
                      "{warnings:,} warnings of validation (table validation_findings).",
                      seconds=result.seconds, tables=len(counts), rows=sum(counts.values()),
                      values=counts.get("indicators", 0),
                      regional=counts.get("regional_indicators", 0), errors=result.errors,
                      warnings=result.warnings)))
    folders = sorted({str(p.parent) for p in result.exports})
    console.print(escape(say("Exports: {count} files in {folders} (described by "
                             "datapackage.json there)", count=len(result.exports),
                             folders=", ".join(folders))))
    if result.data_kind != "real":
        console.print("[yellow]" + escape(say(
            "Data: {kind}. The demo's figures are invented: do not cite them as statistics.",
            kind=result.data_kind)) + "[/]")


@command(app)
def report(
    database: Annotated[Path, typer.Option(help=_("The built database to publish."))]
    = DEFAULT_OUT,
    out: Annotated[Path, typer.Option(
        help=_("Folder to write the site into (index.html first); files hemisec did not "
             "write there are left alone."))] = Path("build/report"),
    lang: Annotated[str | None, typer.Option(
        "--lang", help=_("Language of the pages: en, es, fr or pt [default: from the "
                       "environment's locale, else en]"), show_default=False)] = None,
) -> None:
    """Write the offline report site: an OAS overview, a page per member state and a
    data-quality page, with charts drawn at build time (no network needed to open it)."""
    from hemisec.errors import UsageError
    from hemisec.publish.site import write_site
    from hemisec.translate import say, speaking

    language = _language(lang)
    with speaking(language):
        if not database.is_file():
            raise _fail(say("{database}: no such database; run `make build` first",
                            database=database))
        try:
            pages = write_site(database, out, language)
        except UsageError as exc:
            raise _fail(str(exc)) from None
        _console(highlight=False).print(say(
            "{index}: {count} pages ({language}); open it in a browser, no network needed.",
            index=out / "index.html", count=len(pages), language=language))


@command(app)
def demo(
    out: Annotated[Path, typer.Option(help=_("Folder to write the demo tables into."))]
    = Path("data"),
    seed: Annotated[int, typer.Option(help=_("Random seed; the same seed writes the same files."))]
    = 2015,
    lang: LangOption = None,
) -> None:
    """Write the synthetic demo tables (invented figures, labelled as such)."""
    from rich.markup import escape

    from hemisec import demo as demo_module
    from hemisec.translate import say, speaking

    with speaking(_language(lang)):
        counts = demo_module.write(out, seed)
        console = _console(highlight=False)
        for name, rows in counts.items():
            console.print(say("{file}: {rows:,} rows", file=out / (name + ".csv"), rows=rows))
        console.print("[yellow]" + escape(say(
            "These are SYNTHETIC DEMO figures: invented, not statistics.")) + "[/]")


@command(app)
def docs(
    check: Annotated[bool, typer.Option(
        "--check", help=_("Do not write; exit 1 if README.md is out of date."))] = False,
    readme: Annotated[Path, typer.Option(help=_("The README to update."))] = Path("README.md"),
    database: Annotated[Path | None, typer.Option(
        help=_("A built demo database: also rewrite the example queries' output from it."),
        show_default=False)] = None,
) -> None:
    """Regenerate the README's sections on tables, code lists, checks, indicators and the
    database from the schemas (and the example queries' output, given --database)."""
    from hemisec.publish.docs import update_readme

    if not readme.is_file():
        raise _fail(f"{readme}: no such file")
    if database is not None and not database.is_file():
        raise _fail(f"{database}: no such database; run `make build` first")
    changed = update_readme(readme, write=not check, database=database)
    if check and changed:
        _console(stderr=True).print(f"{readme} is out of date: run `make docs`")
        raise typer.Exit(1)
    _console().print(f"{readme}: " + ("updated" if changed else "up to date"))


@command(app, "import")
def import_(
    source: Annotated[str, typer.Argument(
        help=_("The kind of file: iafq, wb-population, wb-homicide-rate, gsh2019, "
             "gsh2019-population, cts-prisons, iccs-es."), show_default=False)],
    file: Annotated[Path, typer.Argument(help=_("The public file, as published."),
                                         show_default=False)],
    out: Annotated[Path, typer.Option(help=_("Folder to write the package's tables into; "
                                           "tables already there keep their rows."))]
    = Path("build/realdata"),
    lang: LangOption = None,
) -> None:
    """Convert one public file into the package's tables (the 35 OAS member states only).

    Every source row not imported is listed with its reason in OUT/not_imported/SOURCE.csv.
    """
    from hemisec.errors import UsageError
    from hemisec.importers import REPORTS, run_import
    from hemisec.translate import say, speaking

    language = _language(lang)
    console = _console(highlight=False)
    try:
        result, written = run_import(source, file, out)
    except UsageError as exc:
        raise _fail(str(exc)) from None
    with speaking(language):
        for table, frame in result.tables.items():
            console.print(say("{file}: {rows:,} rows from {source} ({total:,} in the table)",
                              file=out / (table + ".csv"), rows=len(frame), source=file.name,
                              total=written[table]))
        reasons = result.not_imported["reason"].value_counts()
        console.print(say("Not imported: {rows:,} source rows, listed with their reason in "
                          "{file} (the reasons are in English, as written there)",
                          rows=len(result.not_imported), file=out / REPORTS / (source + ".csv")))
        for reason, count in reasons.items():
            console.print(f"  {count:>7,}  {reason}")
        for note in result.notes:
            console.print(say("Note: {notice}", notice=note))


@command(app, "import-all")
def import_all(
    folder: Annotated[Path, typer.Argument(help=_("Folder of public files (see SOURCES.md)."),
                                           show_default=False)],
    out: Annotated[Path, typer.Option(
        help=_("Folder to write the tables into. It is replaced as a whole once every file "
             "imported, and only if import-all made it; a failed import leaves it as it was."))]
    = Path("build/realdata"),
    lang: LangOption = None,
) -> None:
    """Import every public file hemisec knows that FOLDER holds, in a fixed order."""
    from hemisec.errors import UsageError
    from hemisec.importers import REPORTS
    from hemisec.importers import import_all as run_all
    from hemisec.translate import say, speaking

    language = _language(lang)
    console = _console(highlight=False)
    try:
        results = run_all(folder, out)
    except UsageError as exc:
        raise _fail(str(exc)) from None
    with speaking(language):
        for name, result, _written in results:
            rows = ", ".join(f"{table} {len(frame):,}" for table, frame in result.tables.items())
            console.print(say("{source}: {rows}; {count:,} source rows not imported ({file})",
                              source=name, rows=rows, count=len(result.not_imported),
                              file=out / REPORTS / (name + ".csv")))
        totals = ", ".join(f"{p.stem} {sum(1 for _ in p.open(encoding='utf-8')) - 1:,}"
                           for p in sorted(out.glob("*.csv")))
        console.print(say("Tables in {folder}: {totals}", folder=out, totals=totals))


mapping_app = typer.Typer(help=_("National offence categories and their ICCS mapping."),
                          no_args_is_help=True)
app.add_typer(mapping_app, name="mapping")


@command(mapping_app, "check")
def mapping_check(
    iso3: Annotated[str, typer.Argument(help=_("The country's ISO3 code, e.g. MEX."),
                                        show_default=False)],
    data: Annotated[Path, typer.Option(
        help=_("A datapackage.json, a workbook, or a folder with iccs_correspondence and/or "
             "national_offences (.csv or .xlsx; the package's own tables fill in what it "
             "lacks)."))]
    = DEFAULT_DESCRIPTOR,
    output_format: Annotated[OutputFormat, typer.Option(
        "--format", "-f", help=_("text for people, json for machines."))] = OutputFormat.text,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal: DecimalOption = None,
    lang: LangOption = None,
) -> None:
    """Report how a country's national offence categories map to the ICCS.

    Lists unmapped and partially mapped national categories, and the ICCS categories the
    package uses that no national category feeds. Exit status: 0 every national category
    is mapped, 1 some are not, 2 could not run.
    """
    from hemisec.checks.mapping import coverage
    from hemisec.errors import UsageError
    from hemisec.package import DataPackage
    from hemisec.read.sources import resolve_submission
    from hemisec.translate import speaking

    with speaking(_language(lang)):
        options = _read_options(encoding, delimiter, decimal)
        package = DataPackage.load()
        try:
            sources = resolve_submission([data], package).sources
            result = coverage(iso3.upper(), sources, package, options)
        except UsageError as exc:
            raise _fail(str(exc)) from None
        if output_format is OutputFormat.json:
            sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        else:
            _print_coverage(_console(highlight=False), result)
    raise typer.Exit(EXIT_INVALID if result["unmapped"] else EXIT_VALID)


def _print_coverage(console: Console, result: dict) -> None:
    from rich.markup import escape

    from hemisec.translate import say

    console.print(f"[bold]{escape(result['country'])} ({result['iso3']})[/]: " + escape(say(
        "{categories} national categories mapped to the ICCS, {full} of them fully.",
        categories=result["national_categories"], full=result["fully_mapped"])))
    console.print("\n[bold]" + escape(say("Unmapped national categories")) + "[/] "
                  f"({len(result['unmapped'])}):")
    for row in result["unmapped"]:
        label = f" '{row['national_label']}'" if row["national_label"] else ""
        console.print(f"  [red]{escape(str(row['national_code']))}[/]{escape(label)}: " + escape(
            say("{rows} row(s) in national_offences have no row in iccs_correspondence",
                rows=row["rows"])))
    console.print("\n[bold]" + escape(say("Partially mapped")) + "[/] "
                  f"({len(result['partial'])}): "
                  + escape(say("counts they feed are not fully comparable")))
    for row in result["partial"]:
        template = (say("{code} '{label}': broader than ICCS {iccs}", code=row["national_code"],
                        label=row["national_label"], iccs=row["iccs_code"])
                    if row["match"] == "broader" else
                    say("{code} '{label}': narrower than ICCS {iccs}", code=row["national_code"],
                        label=row["national_label"], iccs=row["iccs_code"]))
        console.print("  " + escape(template))
    console.print("\n[bold]" + escape(say("ICCS categories the package uses")) + "[/]:")
    for row in result["relevant_iccs"]:
        fed = (escape(", ".join(row["fed_by"])) if row["fed_by"]
               else "[yellow]" + escape(say("no national category")) + "[/]")
        console.print(f"  {row['iccs_code']:<7} {escape(row['label'])} ({row['domain']}): {fed}")


@command(app)
def template(
    iso3: Annotated[str, typer.Argument(help=_("The country's ISO3 code, e.g. COL."),
                                        show_default=False)],
    out: Annotated[Path, typer.Option(help=_("The workbook to write (.xlsx)."))]
    = Path("hemisec-template.xlsx"),
    lang: Annotated[str | None, typer.Option(
        "--lang", help=_("Language of the instructions and labels: en, es, fr or pt "
                       "[default: from the environment's locale, else en]"),
        show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help=_("Replace OUT if it exists."))] = False,
) -> None:
    """Write the Excel template a national office fills in: a sheet per table with the
    country prefilled, dropdowns for codes, and a sheet explaining every column."""
    from hemisec.errors import UsageError
    from hemisec.publish.template import write_template
    from hemisec.translate import say, speaking

    language = _language(lang)
    with speaking(language):
        if out.exists() and not force:  # never overwrite what a user has filled in
            raise _fail(say("{file} exists: give another --out, or --force to replace it",
                            file=out))
        try:
            write_template(iso3.upper(), out, language)
        except UsageError as exc:
            raise _fail(str(exc)) from None
        _console(highlight=False).print(say(
            "{file}: template for {iso3} ({language}). Fill it in, then check it with: "
            "hemisec validate {file}", file=out, iso3=iso3.upper(), language=language))


@command(app)
def version() -> None:
    """Print hemisec's version."""
    from hemisec import __version__

    print(__version__)


def main() -> None:
    """Entry point: a clear one-line message instead of a traceback on unexpected errors."""
    try:
        app()
    except Exception as exc:  # the last line of defence, not flow control
        if os.environ.get("HEMISEC_DEBUG"):
            raise
        _console(stderr=True).print(
            f"[bold red]hemisec: unexpected error:[/] {type(exc).__name__}: {exc}\n"
            "Run again with HEMISEC_DEBUG=1 to see where it happened, and report it.",
            highlight=False)
        sys.exit(EXIT_CANNOT_RUN)
