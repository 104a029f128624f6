"""Where imported rows come from: a `sources` row per public file, from the SOURCES.md
beside it and the file itself, and a `provenance` row per imported row (its line)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from hemisec.findings import join_columns
from hemisec.importers.integrity import sources_table
from hemisec.package import DataPackage
from hemisec.paths import file_sha256

_REPOSITORY = re.compile(r"^([\w.-]+/[\w.-]+), `([^`]+)`(?:.*?\b([0-9a-f]{40})\b)?")
_RETRIEVED = re.compile(r"(?:retrieved|collected)[^0-9]*(\d{4}-\d{2}-\d{2}|[\d-]+ \w+ \d{4})",
                        re.IGNORECASE)


def _sources_row(folder: Path, name: str) -> list[str]:
    """The cells of SOURCES.md's table row for file `name` ([] when it has none)."""
    return next((cells for cells in sources_table(folder) if f"`{name}`" in cells[0]), [])


def _plain(text: str) -> str:
    return " ".join(text.replace("`", "").split())


def source_record(path: Path, citation: str, edition: str = "",
                  release_date: str = "") -> dict[str, str]:
    """The sources-table row of one public file. SOURCES.md's columns are: file, what it
    is, publisher, taken from, rows, coverage, licence, sha256."""
    cells = _sources_row(path.parent, path.name)
    what = _plain(cells[1]) if len(cells) > 1 else path.name
    taken_from = _plain(cells[3]) if len(cells) > 3 else ""
    url = ""
    if len(cells) > 3 and (match := _REPOSITORY.match(cells[3])):
        repository, file_path, commit = match.groups()
        url = f"https://github.com/{repository}/blob/{commit or 'HEAD'}/{file_path}"
    retrieved = _RETRIEVED.search(cells[3] if len(cells) > 3 else "")
    return {
        "source_id": path.stem,
        "title": re.split(r"(?<=[a-z)])[.:] ", what, maxsplit=1)[0][:300],
        "publisher": _plain(cells[2]) if len(cells) > 2 else "",
        "edition": edition,
        "release_date": release_date,
        "url": url,
        "licence": _plain(cells[6]) if len(cells) > 6 else "",
        "taken_from": taken_from,
        "retrieved": retrieved[1] if retrieved else "",
        "file": path.name,
        "sha256": file_sha256(path),
        "citation": citation,
    }


def provenance_rows(table: str, frame: pd.DataFrame, package: DataPackage,
                    source_id: str) -> pd.DataFrame:
    """One provenance row per row of `frame` (which still has the source's `_line`)."""
    key = list(package.tables[table].primary_key)
    return pd.DataFrame({
        "resource": table, "row_key": join_columns(frame[key], " / "),
        "source_id": source_id, "source_line": frame["_line"].astype(str)})
