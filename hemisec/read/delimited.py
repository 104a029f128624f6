"""Delimited text files (CSV, TSV, Excel's "Unicode text") as raw tables."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hemisec.read.dialect import ReadOptions, UndecodableFile, decode, detect
from hemisec.read.raw import MAX_COLUMNS, RawTable, UnreadableFile, frame_from_rows

#: Larger cells are refused: no table of the package needs them, and they are how a
#: damaged or hostile file exhausts memory.
MAX_CELL_CHARACTERS = 100_000


def read_delimited(path: Path, columns: list[str], options: ReadOptions) -> RawTable:
    """Read `path`, whose header should name `columns`, detecting what `options` leaves
    open. Raises UnreadableFile with the row where reading stopped."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"the file cannot be read ({exc.strerror})") from None
    if not data.strip():
        raise UnreadableFile("the file is empty: it has no header line")
    try:
        text, encoding, guessed = decode(data, options.encoding)
    except UndecodableFile as exc:
        raise UnreadableFile(str(exc)) from None
    dialect = detect(text, encoding, guessed, columns, options)
    csv.field_size_limit(MAX_CELL_CHARACTERS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:
        detail = str(exc)
        if "field larger than field limit" in detail:
            detail = f"a cell is longer than {MAX_CELL_CHARACTERS:,} characters"
        elif "NUL" in detail:
            detail = "it holds a NUL byte (is it a binary file, or another encoding?)"
        raise UnreadableFile(f"not a readable table: {detail}", row=reader.line_num) from None
    widths = list(map(len, rows))
    if widths and max(widths) > MAX_COLUMNS:
        row = widths.index(max(widths)) + 1
        raise UnreadableFile(f"row {row} has {max(widths):,} cells; no table of the package has "
                             f"more than {MAX_COLUMNS:,} columns", row=row)
    header = rows[0] if rows else []
    return RawTable(header, frame_from_rows(rows[1:], first_row=2), dialect)
