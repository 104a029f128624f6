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


def finish(frame: pd.DataFrame, table: str, package: DataPackage) -> pd.DataFrame:
    """The rows in the table's column order, every cell as text, sorted by key."""
    spec = package.tables[table]
    out = pd.DataFrame({name: frame.get(name, "") for name in spec.field_names})
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
    for table, frame in result.tables.items():
        spec = package.tables[table]
        path = out / f"{table}.csv"
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
            frame = pd.concat([existing, frame[~clash]], ignore_index=True).sort_values(
                list(spec.primary_key), ignore_index=True)
        frame.to_csv(path, index=False, lineterminator="\n")
        written[table] = len(frame)
    not_imported = pd.concat([r for r in reports if not r.empty] or [reports[0]],
                             ignore_index=True)
    result.not_imported = not_imported
    (out / REPORTS).mkdir(exist_ok=True)
    not_imported.to_csv(out / REPORTS / f"{source_name}.csv", index=False, lineterminator="\n")
    return result, written


#: The public files `hemisec import-all` looks for, in the order they are imported: the
#: study's population before the World Bank's, so UNODC's own denominators are kept for
#: 1990-2017 and the World Bank's fill the other years.
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
