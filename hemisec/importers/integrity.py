"""Is a public file whole? Its sha256 against the one SOURCES.md beside it records, and
for delimited text, a last line with as many cells as the header.

A download cut short still parses; without this, it imports fewer rows without a word.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from hemisec.errors import UsageError
from hemisec.paths import file_sha256

SOURCES_FILE = "SOURCES.md"
_SHA256 = re.compile(r"\b[0-9a-f]{64}\b")
_NAME = re.compile(r"`([^`]+)`")


def sources_table(folder: Path) -> list[list[str]]:
    """The cells of each file row of the table in SOURCES.md in `folder` (rows whose first
    cell names a file in backticks); [] without one."""
    sources = folder / SOURCES_FILE
    if not sources.is_file():
        return []
    rows = ([c.strip() for c in line.strip().strip("|").split("|")]
            for line in sources.read_text(encoding="utf-8").splitlines())
    return [cells for cells in rows if len(cells) >= 2 and cells[0].startswith("`")]


def recorded_checksums(folder: Path) -> dict[str, str]:
    """sha256 by file name, from the table of SOURCES.md in `folder` ({} without one).
    A row naming two files (`x.rda` / `x.csv`) gives each the checksum its extension
    labels (`rda ...; csv ...`)."""
    checksums: dict[str, str] = {}
    for cells in sources_table(folder):
        names, last = _NAME.findall(cells[0]), cells[-1]
        hashes = _SHA256.findall(last)
        if len(names) == 1 and len(hashes) == 1:
            checksums[names[0]] = hashes[0]
            continue
        for name in names:
            label = re.escape(Path(name).suffix.lstrip("."))
            labelled = re.search(rf"\b{label}\s+([0-9a-f]{{64}})", last)
            if labelled:
                checksums[name] = labelled[1]
    return checksums



def _last_line_complete(path: Path) -> None:
    with path.open("rb") as handle:
        header = handle.readline()
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 65536))
        tail = handle.read()
    lines = [line for line in tail.splitlines() if line.strip()]
    if not header.strip() or len(lines) < 1:
        raise UsageError(f"{path}: the file is empty")
    encoding = "utf-8"
    try:
        header_text, last_text = header.decode(encoding), lines[-1].decode(encoding)
    except UnicodeDecodeError:
        header_text, last_text = header.decode("cp1252"), lines[-1].decode("cp1252")
    width = len(next(csv.reader(io.StringIO(header_text))))
    cells = len(next(csv.reader(io.StringIO(last_text)), []))
    if cells < width:
        raise UsageError(f"{path}: its last line has {cells} cells where the header has "
                         f"{width}: the file looks cut off (an interrupted download?); "
                         "fetch it again")


def check_whole(path: Path) -> None:
    """Raise UsageError, naming the file, when it is not the file SOURCES.md describes or
    looks cut off."""
    if path.stat().st_size == 0:
        raise UsageError(f"{path}: the file is empty")
    expected = recorded_checksums(path.parent).get(path.name)
    if expected is not None and file_sha256(path) != expected:
        raise UsageError(f"{path}: its sha256 is not the one {SOURCES_FILE} records "
                         f"({expected[:12]}...): the file is truncated or changed; fetch it "
                         f"again, or record the new release in {SOURCES_FILE}")
    if path.suffix.lower() == ".csv":
        _last_line_complete(path)
