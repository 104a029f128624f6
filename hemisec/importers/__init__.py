"""Importers: public files in their published layout -> the package's tables.

Each source module reads one file and returns the rows it could map and, for every row
it could not, the reason. Source categories map onto the package's code lists through
the readable tables in `mappings/`, never through scattered conditions. Only the 35
OAS member states are kept; the rest is reported as out of scope, not dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from hemisec.errors import UsageError
from hemisec.findings import join_columns
from hemisec.importers.provenance import provenance_rows, source_record
from hemisec.package import DataPackage, read_text_csv

MAPPINGS = Path(__file__).parent / "mappings"
#: Columns of the report of rows not imported.
REPORT_COLUMNS = ["source", "file", "line", "key", "value", "reason"]
#: Folder, inside the import folder, of the reports of rows not imported.
REPORTS = "not_imported"


@dataclass
class ImportResult:
    """What one import produced: rows per table, and every source row not imported."""

    source: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    not_imported: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=REPORT_COLUMNS))
    notes: list[str] = field(default_factory=list)
    #: What the `sources` table says of the file: the text its rows carry in `source`,
    #: and the edition and release date the file states.
    citation: str = ""
    edition: str = ""
    release_date: str = ""


@dataclass(frozen=True)
class Source:
    name: str
    description: str
    read: Callable[[Path, DataPackage], ImportResult]


SOURCES: dict[str, Source] = {}


def source(name: str, description: str) -> Callable:
    """Register an importer under the name `hemisec import` takes."""
    def register(function: Callable[[Path, DataPackage], ImportResult]) -> Callable:
        SOURCES[name] = Source(name, description, function)
        return function
    return register


@cache
def mapping_table(name: str) -> pd.DataFrame:
    """A mapping table from `mappings/`, every cell as text ('' when empty)."""
    return pd.read_csv(MAPPINGS / f"{name}.csv", dtype=str, keep_default_na=False)


def apply_mapping(frame: pd.DataFrame, mapping: pd.DataFrame,
                  match: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """Give each source row the mapping row that matches it; return the matched frame
    (with the mapping's target columns) and the reason for each row without a target.

    A mapping cell may hold a pattern with `*`; exact rows win over patterns, and
    patterns with fewer `*` over those with more. The loop runs over the mapping's rows
    (a few dozen), each matched against the whole source column at once.
    """
    stars = mapping[match].apply(lambda column: column.str.count(r"\*")).sum(axis=1)
    chosen = pd.Series(-1, index=frame.index)
    for position in stars.sort_values(kind="stable").index:
        hit = chosen == -1
        for column in match:
            pattern = mapping.at[position, column]
            values = frame[column].astype(str)
            hit &= (values.str.fullmatch(re.escape(pattern).replace(r"\*", ".*"))
                    if "*" in pattern else values == pattern)
        chosen[hit] = position
    targets = mapping.drop(columns=match).reindex(chosen.where(chosen >= 0)).set_axis(
        frame.index)
    reason = targets["reason"].where(chosen >= 0, "no row of the mapping table "
                                     "matches this category")
    reason = reason.where(targets["table"].fillna("") == "", "")
    return pd.concat([frame, targets.drop(columns=["reason"])], axis=1), reason


def report(source_name: str, file: Path, frame: pd.DataFrame, key: list[str],
           value: str, reason: pd.Series) -> pd.DataFrame:
    """Rows not imported, one per source row, with the reason."""
    rows = frame[reason != ""]
    return pd.DataFrame({
        "source": source_name, "file": file.name, "line": rows["_line"],
        "key": join_columns(rows[key], " / "),
        "value": rows[value].astype(str), "reason": reason[reason != ""]})


def keep_oas(frame: pd.DataFrame, package: DataPackage, iso3: str = "iso3") -> pd.Series:
    """Whether each row is about one of the 35 OAS member states."""
    return frame[iso3].isin(package.reference_frames["countries"]["iso3"])


def resolve_duplicates(frame: pd.DataFrame, key: list[str], value: str,
                       priority: str | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """One row per key. A key given by several mapping rows keeps the best priority;
    a key the source gives twice with different values is not imported at all."""
    reason = pd.Series("", index=frame.index)
    if priority is not None:
        best = frame.groupby(key)[priority].transform("min")
        superseded = frame[priority] > best
        reason[superseded] = "superseded by a more direct category for the same key"
        frame = frame[~superseded]
    values = frame.groupby(key)[value].transform("nunique")
    conflicting = values > 1
    reason[frame.index[conflicting]] = ("the source gives this key several different values; "
                                        "none was imported")
    frame = frame[~conflicting]
    repeated = frame.duplicated(key)
    reason[frame.index[repeated]] = "the same value repeats an earlier row of the source"
    return frame[~repeated], reason


def whole_counts(frame: pd.DataFrame, column: str, target: str) -> pd.DataFrame:
    """The source's counts as whole numbers in `target`. A count the source gives with
    decimals (derived from a rate or a percentage) is rounded, marked estimated
    (obs_status E) and keeps the source's figure in its note: never rounded silently."""
    number = pd.to_numeric(frame[column])
    whole = number.round()
    fractional = (number != whole).fillna(False)
    text = whole.astype("Int64").astype(str)
    status = frame["obs_status"] if "obs_status" in frame else pd.Series("", index=frame.index)
    note = frame["note"] if "note" in frame else pd.Series("", index=frame.index)
    return frame.assign(**{
        target: text,
        "obs_status": status.where(~fractional, "E"),
        "note": note.where(~fractional, "the source gives " + frame[column].astype(str).str.strip()
                           + " (not a whole number: derived from a rate or a percentage); "
                           "rounded to " + text),
    })


def finish(frame: pd.DataFrame, table: str, package: DataPackage) -> pd.DataFrame:
    """The rows in the table's column order, every cell as text, sorted by key; with the
    source's line (`_line`) kept aside for the provenance table."""
    spec = package.tables[table]
    names = [*spec.field_names, *(["_line"] if "_line" in frame else [])]
    out = pd.DataFrame({name: frame.get(name, "") for name in names})
    return out.sort_values(list(spec.primary_key), ignore_index=True).astype(str).replace(
        {"nan": "", "<NA>": ""})


def run_import(source_name: str, file: Path, out: Path,
               package: DataPackage | None = None) -> tuple[ImportResult, dict[str, int]]:
    """Import `file` into the tables in folder `out`; return the result and rows written.

    A table already in `out` (from an earlier import) keeps its rows: a new row with a key
    it already has is reported, not written over it.
    """
    from hemisec.importers import cts_prisons, gsh2019, iafq, iccs_es, worldbank  # noqa: F401

    if source_name not in SOURCES:
        raise UsageError(f"unknown source '{source_name}'; use one of: {', '.join(SOURCES)}")
    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    from hemisec.importers.integrity import check_whole

    check_whole(file)
    package = package or DataPackage.load()
    try:
        result = SOURCES[source_name].read(file, package)
    except UsageError:
        raise
    except Exception as exc:  # a damaged or unexpected file: name it, never a traceback
        detail = " ".join(str(exc).split())[:300]
        raise UsageError(f"{file}: could not be imported as {source_name} "
                         f"({type(exc).__name__}: {detail})") from exc
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    reports = [result.not_imported]
    record = source_record(file, result.citation, result.edition, result.release_date)
    provenance = []
    for table, frame in result.tables.items():
        spec = package.tables[table]
        path = out / f"{table}.csv"
        if "_line" in frame:
            provenance.append(provenance_rows(table, frame, package, record["source_id"]))
            frame = frame.drop(columns=["_line"])
        if path.is_file() and table not in package.reference_tables:
            existing = read_text_csv(path).fillna("")
            clash = frame.set_index(list(spec.primary_key)).index.isin(
                existing.set_index(list(spec.primary_key)).index)
            reports.append(pd.DataFrame({
                "source": source_name, "file": file.name, "line": pd.NA,
                "key": join_columns(frame.loc[clash, list(spec.primary_key)], " / "),
                "value": frame.loc[clash, spec.value_field or spec.field_names[-1]],
                "reason": f"{path.name} already has this key from an earlier import; "
                          "kept that row"}))
            if provenance and provenance[-1]["resource"].eq(table).all():
                provenance[-1] = provenance[-1][~clash]
            frame = pd.concat([existing, frame[~clash]], ignore_index=True).sort_values(
                list(spec.primary_key), ignore_index=True)
        frame.to_csv(path, index=False, lineterminator="\n")
        written[table] = len(frame)
    _append(out, "sources", pd.DataFrame([record]), package)
    if provenance:
        _append(out, "provenance", pd.concat(provenance, ignore_index=True), package)
    not_imported = pd.concat([r for r in reports if not r.empty] or [reports[0]],
                             ignore_index=True)
    result.not_imported = not_imported
    (out / REPORTS).mkdir(exist_ok=True)
    not_imported.to_csv(out / REPORTS / f"{source_name}.csv", index=False, lineterminator="\n")
    return result, written


def _append(out: Path, table: str, rows: pd.DataFrame, package: DataPackage) -> None:
    """Add rows to a table every import adds to (sources, provenance); a row with a key
    the table has replaces it (the same file imported again)."""
    spec = package.tables[table]
    path = out / f"{table}.csv"
    key = list(spec.primary_key)
    if path.is_file():
        rows = pd.concat([read_text_csv(path).fillna(""), rows], ignore_index=True)
        rows = rows.drop_duplicates(key, keep="last")
    rows[spec.field_names].sort_values(key).to_csv(path, index=False, lineterminator="\n")


#: The public files `hemisec import-all` looks for, in the order they are imported. Both
#: population series are kept (the population key includes the source); the build
#: divides by one of them per country and sex (hemisec.denominators).
REALDATA_FILES = [
    ("gsh2019", "unodc_gsh2019_country_homicide_wide.csv"),
    ("gsh2019-population", "unodc_gsh2019_master_estimates.csv"),
    ("wb-population", "worldbank_population.csv"),
    ("wb-homicide-rate", "worldbank_homicide_rate_unodc.csv"),
    ("iafq", "unodc_iafq_firearms_trafficking.csv"),
    ("cts-prisons", "unodc_cts_prisons_and_prisoners.xlsx"),
    ("wpb-series", "wpb_prison_population_series_steckermeier_2022.csv"),
    ("iccs-es", "iccs_unodc_inegi_app_crimes.es.json"),
]


#: A folder import-all made holds this file; only such a folder is ever replaced.
IMPORT_MARKER = ".hemisec-import"


def _check_out(folder: Path, out: Path) -> None:
    """Refuse an --out that would replace or hold the sources, the working folder, or a
    folder import-all did not make."""
    source, target, here = folder.resolve(), out.resolve(), Path.cwd().resolve()
    if target == source or source.is_relative_to(target) or target.is_relative_to(source):
        raise UsageError(f"--out {out}: it is, holds or lies inside the folder of public "
                         f"files {folder}; give a folder of its own, e.g. build/realdata")
    if here.is_relative_to(target):
        raise UsageError(f"--out {out}: it is or holds the working folder; give a folder of "
                         "its own, e.g. build/realdata")
    if target.exists() and not (target / IMPORT_MARKER).is_file() and (
            not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"--out {out}: it exists and was not made by hemisec import-all; "
                         "give another folder, or empty it yourself")


def import_all(folder: Path, out: Path,
               package: DataPackage | None = None) -> list[tuple[str, ImportResult, dict]]:
    """Import every known public file found in `folder` into `out`, as a whole: the
    tables are written to a new folder beside `out`, which replaces it only when every
    source imported. A failed import leaves the previous `out` as it was."""
    import os
    import shutil

    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder of public files")
    found = [(name, folder / file) for name, file in REALDATA_FILES if (folder / file).is_file()]
    if not found:
        raise UsageError(f"{folder}: none of the known public files is there "
                         f"({', '.join(f for _, f in REALDATA_FILES)})")
    _check_out(folder, out)
    package = package or DataPackage.load()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.importing-{os.getpid()}")
    retired = out.with_name(f".{out.name}.replaced-{os.getpid()}")
    staging.mkdir()
    try:
        (staging / IMPORT_MARKER).write_text("made by hemisec import-all\n", encoding="utf-8")
        results = []
        for name, path in found:
            try:
                results.append((name, *run_import(name, path, staging, package)))
            except UsageError as exc:  # a damaged public file: named, and out kept
                raise UsageError(f"{exc}; {out} was left as it was") from exc
        if out.exists():
            os.replace(out, retired)
        os.replace(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(retired, ignore_errors=True)  # the previous import, made by import-all
    return results
