"""Validate a table, a national submission folder or a datapackage.json.

Finds every problem at once: file-level, structural (pandera, from the Table
Schemas), consistency and plausibility. Raises `UsageError` (hemisec.errors) only
when it cannot run at all (a path that does not exist, a table it does not know).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hemisec.checks import indicators  # noqa: F401  (the build's checks, for reports)
from hemisec.checks.consistency import check_consistency
from hemisec.checks.mapping import check_mapping
from hemisec.checks.plausibility import check_plausibility
from hemisec.checks.structural import DUPLICATE_KEY, MISSING_VALUE, check_structure
from hemisec.findings import CHECKS, FINDING_COLUMNS, concat_findings
from hemisec.package import SYNTHETIC_MARKER, DataPackage
from hemisec.read.dialect import ReadOptions
from hemisec.read.sources import TableSource, resolve_submission
from hemisec.read.tables import MISSING_CELL, LoadedTable, load_table, package_table


@dataclass
class Report:
    findings: pd.DataFrame
    tables: list[dict[str, object]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    #: The tables as read: what the build loads, so it loads exactly what was validated.
    loaded: dict[str, LoadedTable] = field(default_factory=dict, repr=False)

    @property
    def errors(self) -> int:
        return int((self.findings["severity"] == "error").sum())

    @property
    def warnings(self) -> int:
        return int((self.findings["severity"] == "warning").sum())

    @property
    def valid(self) -> bool:
        return self.errors == 0

    def summary(self) -> pd.DataFrame:
        """Occurrences per check, errors first; counts never depend on a display cap."""
        counts = (self.findings.groupby(["severity", "check"], as_index=False)
                  .size().rename(columns={"size": "count"}))
        counts["fix"] = counts["check"].map({c.id: c.fix for c in CHECKS.values()})
        order = counts["severity"].map({"error": 0, "warning": 1})
        return (counts.assign(_order=order)
                .sort_values(["_order", "count", "check"], ascending=[True, False, True])
                .drop(columns="_order").reset_index(drop=True))

    def to_dict(self) -> dict[str, object]:
        findings = self.findings[FINDING_COLUMNS].astype("object")
        findings = findings.where(findings.notna(), None)
        return {
            "valid": self.valid,
            "errors": self.errors,
            "warnings": self.warnings,
            "findings": [
                {**rec, "row": None if rec["row"] is None else int(rec["row"])}
                for rec in findings.to_dict(orient="records")
            ],
            "summary": self.summary().to_dict(orient="records"),
            "tables": self.tables,
            "notices": self.notices,
        }


def _is_synthetic(loaded: LoadedTable) -> bool:
    if "source" not in loaded.text:
        return False
    return bool(loaded.text["source"].str.contains(SYNTHETIC_MARKER, regex=False).any())


def _set_aside(table: LoadedTable, structural: pd.DataFrame) -> None:
    """Blank out cells that broke a structural rule, and drop repeated keys, so the
    consistency and plausibility checks do not report the same problem again."""
    for column, group in structural.groupby("field"):  # a loop over columns, not rows
        if column in table.typed.columns:
            table.typed.loc[pd.Index(group["row"].astype(int)), column] = pd.NA
    repeated = structural.loc[structural["check"] == DUPLICATE_KEY.id, "row"]
    table.typed = table.typed.drop(index=pd.Index(repeated.astype(int)))


def _readable(table: LoadedTable) -> bool:
    """Whether a table was read with every column of its schema (no file-level error)."""
    errors = table.findings[table.findings["severity"] == "error"]
    return not errors["check"].map(lambda c: CHECKS[c].kind == "file").any()


def _once(findings: pd.DataFrame) -> pd.DataFrame:
    """One problem, one finding: a cell breaking one rule in several ways (enum and code
    list), and the empty cells of a row that is short of cells, are reported once."""
    findings = findings.drop_duplicates(["check", "file", "row", "field"], ignore_index=True)
    short = findings.loc[findings["check"] == MISSING_CELL.id, ["file", "row"]]
    in_short_row = pd.MultiIndex.from_frame(findings[["file", "row"]]).isin(
        pd.MultiIndex.from_frame(short))
    return findings[~(in_short_row & (findings["check"] == MISSING_VALUE.id))]


def validate(paths: list[Path], package: DataPackage | None = None,
             options: ReadOptions | None = None) -> Report:
    """Validate the tables found in `paths` (CSV files, workbooks, folders, a
    datapackage.json)."""
    package = package or DataPackage.load()
    submission = resolve_submission(paths, package)
    return validate_sources(submission.sources, package, options, submission.notices)


def validate_sources(sources: dict[str, TableSource], package: DataPackage,
                     options: ReadOptions | None = None,
                     notices: list[str] | None = None) -> Report:
    """Validate the given file or sheet of each table."""
    # Reference tables first: the submission's own, where given, are what its codes point to.
    loaded = {name: load_table(sources[name], package.tables[name], options)
              for name in package.reference_first(list(sources))}
    notices = [*(notices or []), *(n for t in loaded.values() for n in t.notices)]
    references = dict(package.reference_frames)
    for name in [n for n in package.reference_tables if n in loaded]:
        table = loaded[name]
        if not _readable(table):  # its own findings say what is wrong; ours are used
            notices.append(f"{table.file} could not be read with the columns of {name} "
                           f"(see its findings): codes were checked against the package's "
                           f"own {name} table.")
        elif table.rows == 0:  # an unfilled template sheet replaces nothing
            notices.append(f"{table.file} has no rows: the package's own {name} "
                           "table was used instead.")
            del loaded[name]
        else:
            references[name] = table.text

    if "population" in loaded and loaded["population"].rows:  # an empty sheet gives none
        population = loaded["population"].typed
        origin = f"the submitted population table ({loaded['population'].file})"
    else:
        population = package_table(package, "population").typed
        origin = "the package's population table"
        if any(n in loaded for n in ("homicide", "prison")):
            notices.append(
                "No population table was submitted: rates and coverage were checked against "
                + origin + (" (synthetic demo figures)." if package.synthetic else "."))
    if any(_is_synthetic(t) for t in loaded.values()):
        notices.append(
            f"This data is hemisec's synthetic demo (its source says '{SYNTHETIC_MARKER}'): "
            "the figures are invented and must not be cited as statistics.")

    frames = []
    for table in loaded.values():
        structural = check_structure(table, references)
        frames += [table.findings, structural]
        _set_aside(table, structural)
    frames.append(check_consistency(loaded, population, origin))
    frames.append(check_mapping(loaded, references, package))
    published, tolerance = None, None
    if "homicide" in loaded:  # the cross-check compares homicide rates only
        published = (loaded["published_indicators"].typed if "published_indicators" in loaded
                     else package_table(package, "published_indicators").typed)
        catalogue = (references["indicator_catalogue"]
                     .drop_duplicates("indicator").set_index("indicator"))
        tolerance = pd.to_numeric(catalogue["tolerance_pct"], errors="coerce").get(
            "homicide_rate")
    frames.append(check_plausibility(loaded, population, published,
                                     None if pd.isna(tolerance) else float(tolerance)))
    findings = _once(concat_findings(frames))
    findings = findings.sort_values(["file", "row", "check"], kind="stable", ignore_index=True)
    tables = [{"resource": n, "file": t.file, "rows": t.rows, "format": t.describe_format(),
               "dialect": t.dialect.to_dict() if t.dialect else None}
              for n, t in loaded.items()]
    return Report(findings, tables, notices, loaded)
