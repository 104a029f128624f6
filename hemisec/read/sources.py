"""Which file, or which sheet of a workbook, holds which table of a submission.

A user gives files, folders or a datapackage.json. A file is a table when its name,
in any case, is a table's (`HOMICIDE.CSV`, `prison.xlsx`); a workbook's sheets are
tables when they are named after tables. In a folder, files that are no table are
skipped and named in a notice; a file the user named explicitly must be a table.
Raises `UsageError` when nothing can be validated, saying why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from hemisec.errors import UsageError
from hemisec.package import DataPackage
from hemisec.paths import display_path
from hemisec.read.raw import UnreadableFile
from hemisec.read.workbook import WORKBOOK_SUFFIXES, sheet_names
from hemisec.translate import say

#: Delimited text: what Excel saves as "CSV" (.csv) and as "Unicode text" (.txt).
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")


@dataclass(frozen=True)
class TableSource:
    """Where one table is: a delimited file, or a sheet of a workbook."""

    table: str
    path: Path
    sheet: str | None = None

    @property
    def label(self) -> str:
        """How findings name the place: `homicide.csv`, `submission.xlsx!homicide`."""
        return display_path(self.path) + (f"!{self.sheet}" if self.sheet is not None else "")

    @property
    def is_workbook(self) -> bool:
        return self.path.suffix.lower() in WORKBOOK_SUFFIXES


@dataclass
class Submission:
    """The tables found, and what was passed over, for the report's notices."""

    sources: dict[str, TableSource] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    def add(self, source: TableSource) -> None:
        if source.table in self.sources:
            raise UsageError(say("table '{table}' is given twice: {first} and {second}; keep "
                                 "one of them", table=source.table,
                                 first=self.sources[source.table].label, second=source.label))
        self.sources[source.table] = source


def _table_name(stem: str, package: DataPackage) -> str | None:
    lowered = stem.strip().lower()
    return lowered if lowered in package.tables else None


def _workbook_sources(path: Path, package: DataPackage, submission: Submission,
                      explicit: bool) -> int:
    """Add a workbook's tables: its sheets named after tables, or else, when the file is
    named after a table, its first sheet. Returns how many were added."""
    stem_table = _table_name(path.stem, package)
    try:
        sheets = sheet_names(path)
    except UnreadableFile as exc:
        if stem_table is None:
            if explicit:
                raise UsageError(f"{display_path(path)}: {exc}") from None
            submission.notices.append(say("Skipped {file}: {reason}.", file=display_path(path),
                                          reason=exc))
            return 0
        # The table's reader meets the damage again and reports it as a finding.
        submission.add(TableSource(stem_table, path))
        return 1
    tables = [(s, t) for s in sheets if (t := _table_name(s, package)) is not None]
    if not tables and stem_table and sheets:
        tables = [(sheets[0], stem_table)]
    for sheet, table in tables:
        submission.add(TableSource(table, path, sheet))
    others = [s for s in sheets if s not in {sheet for sheet, _ in tables}]
    if tables and others:
        submission.notices.append(say(
            "{file}: sheets not named after a table were not read: {sheets}.",
            file=display_path(path), sheets=", ".join(f"'{s}'" for s in others)))
    if not tables:
        message = say("{file}: no sheet is named after a table of the package (sheets: "
                      "{sheets}); name each sheet after its table: {tables}",
                      file=display_path(path), sheets=", ".join(sheets) or say("none"),
                      tables=", ".join(package.observation_tables))
        if explicit:
            raise UsageError(message)
        submission.notices.append(say("Skipped {reason}.", reason=message))
    return len(tables)


def _add_file(path: Path, package: DataPackage, submission: Submission,
              explicit: bool) -> bool:
    """Add the file's table(s); False when the file is not one the package knows."""
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return _workbook_sources(path, package, submission, explicit) > 0
    if suffix in TEXT_SUFFIXES and (table := _table_name(path.stem, package)):
        submission.add(TableSource(table, path))
        return True
    return False


def _not_a_table(path: Path, package: DataPackage) -> str:
    if path.suffix.lower() in (".xls", ".ods"):
        return say("{file}: {suffix} workbooks cannot be read; save it as Excel Workbook "
                   "(.xlsx) or as CSV", file=display_path(path), suffix=path.suffix)
    if path.suffix.lower() in (*TEXT_SUFFIXES, *WORKBOOK_SUFFIXES):
        return say("{file}: '{name}' is not a table of the package; name the file after one "
                   "of: {tables}", file=display_path(path), name=path.stem,
                   tables=", ".join(package.tables))
    return say("{file}: give a .csv or .xlsx table, a folder of them or a datapackage.json",
               file=display_path(path))


def _add_folder(folder: Path, package: DataPackage, submission: Submission) -> None:
    skipped = []
    found = 0
    for path in sorted(folder.iterdir(), key=lambda p: p.name.lower()):
        if path.is_dir() or path.name.startswith("~$"):  # Excel's lock files
            if path.name.startswith("~$"):
                skipped.append(path.name)
            continue
        before = len(submission.sources)
        if _add_file(path, package, submission, explicit=False):
            found += len(submission.sources) - before
        elif path.suffix.lower() not in WORKBOOK_SUFFIXES:  # workbooks said why already
            skipped.append(path.name)
    if skipped:
        submission.notices.append(say(
            "Skipped in {folder}: {files} (not named after a table; tables are {tables}).",
            folder=display_path(folder), files=", ".join(skipped),
            tables=", ".join(package.tables)))
    if not found:
        raise UsageError(say("{folder}: the folder has no file named after a table (.csv or "
                             ".xlsx named e.g. homicide.csv, or a workbook with a sheet per "
                             "table)", folder=display_path(folder)))


def _add_descriptor(path: Path, package: DataPackage, submission: Submission) -> None:
    """The tables a submitted datapackage.json names. Only each resource's name and
    path are read: the tables are checked against the package's own schemas, so nothing
    the descriptor points to is fetched, and every path must be a file beside it."""
    import json

    try:
        descriptor = json.loads(path.read_text(encoding="utf-8-sig"))
        resources = descriptor["resources"]
        if not isinstance(resources, list):
            raise TypeError("'resources' is not a list")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(say("{file}: not a readable datapackage.json ({reason})", file=path,
                             reason=exc)) from None
    root = path.resolve().parent
    for resource in resources:
        name = resource.get("name") if isinstance(resource, dict) else None
        where = resource.get("path") if isinstance(resource, dict) else None
        if name not in package.tables:
            raise UsageError(say("{file}: resource '{name}' is not a table of the package",
                                 file=path, name=name))
        if isinstance(where, list):
            raise UsageError(say("{file}: resource '{name}' has a multipart path; hemisec reads "
                                 "one file per table: join the parts into one file", file=path,
                                 name=name))
        if not isinstance(where, str) or "://" in where:
            raise UsageError(say("{file}: resource '{name}' must have the path of a file beside "
                                 "the descriptor (hemisec does not fetch remote files)",
                                 file=path, name=name))
        target = (root / where).resolve()
        if not target.is_relative_to(root):
            raise UsageError(say("{file}: resource '{name}' points outside the descriptor's "
                                 "folder ({where})", file=path, name=name, where=where))
        submission.add(TableSource(name, target))


def resolve_submission(paths: list[Path], package: DataPackage) -> Submission:
    """Find the table of every file, folder or datapackage.json in `paths`."""
    submission = Submission()
    for path in paths:
        if not path.exists():
            raise UsageError(say("{file}: no such file or folder", file=path))
        if path.is_dir():
            _add_folder(path, package, submission)
        elif path.suffix.lower() == ".json":
            _add_descriptor(path, package, submission)
        elif not _add_file(path, package, submission, explicit=True):
            raise UsageError(_not_a_table(path, package))
    for source in submission.sources.values():
        if not source.path.is_file():
            raise UsageError(say("{file}: the file for table '{table}' does not exist",
                                 file=display_path(source.path), table=source.table))
        if not os.access(source.path, os.R_OK):
            raise UsageError(say("{file}: the file cannot be read (permissions)",
                                 file=display_path(source.path)))
    return submission
