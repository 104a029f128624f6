"""Delimited text files (CSV, TSV, Excel's "Unicode text") as raw tables."""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from hemisec.read.dialect import Dialect, ReadOptions, UndecodableFile, decode, detect
from hemisec.read.raw import MAX_COLUMNS, RawTable, UnreadableFile, frame_from_rows
from hemisec.sql import text_list
from hemisec.translate import say

#: Larger cells are refused: no table of the package needs them, and they are how a
#: damaged or hostile file exhausts memory.
MAX_CELL_CHARACTERS = 100_000


def read_delimited(path: Path, columns: list[str], options: ReadOptions) -> RawTable:
    """Read `path`, whose header should name `columns`, detecting what `options` leaves
    open. Raises UnreadableFile with the row where reading stopped."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(say("the file cannot be read ({reason})", reason=exc.strerror)
                             ) from None
    if not data.strip():
        raise UnreadableFile(say("the file is empty: it has no header line"))
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
            detail = say("a cell is longer than {count:,} characters", count=MAX_CELL_CHARACTERS)
        elif "NUL" in detail:
            detail = say("it holds a NUL byte (is it a binary file, or another encoding?)")
        raise UnreadableFile(say("not a readable table: {reason}", reason=detail),
                             row=reader.line_num) from None
    widths = list(map(len, rows))
    if widths and max(widths) > MAX_COLUMNS:
        row = widths.index(max(widths)) + 1
        raise UnreadableFile(say("row {row} has {cells:,} cells; no table of the package has "
                                 "more than {columns:,} columns", row=row, cells=max(widths),
                                 columns=MAX_COLUMNS), row=row)
    header = rows[0] if rows else []
    return RawTable(header, frame_from_rows(rows[1:], first_row=2), dialect)


#: Bytes read to detect the dialect and the header of a file DuckDB then scans whole.
SAMPLE_BYTES = 1 << 16
_CHUNK_BYTES = 1 << 20  # a megabyte: larger reads cost page faults, not fewer calls
#: Byte sequences DuckDB's reader would treat differently from Python's csv module: it
#: skips empty lines (which are rows of the file, blank-row findings) and reads NUL.
#: Each is searched by a regular expression of its own, which finds a literal by its
#: first byte at memchr speed: 1.7 to 1.9 times faster than `in` over a whole file (an
#: alternation of the three is slower than either).
_LINES_DUCKDB_SKIPS = tuple(re.compile(s) for s in (b"\n\n", b"\r\r", b"\n\r\n"))


def _has_empty_line(window: bytes) -> bool:
    """Whether the bytes hold an empty line; a file without "\r" (one byte, found
    several times faster than two) needs only the search for "\n\n"."""
    if b"\r" not in window:
        return _LINES_DUCKDB_SKIPS[0].search(window) is not None
    return any(s.search(window) is not None for s in _LINES_DUCKDB_SKIPS)


def _plain_utf8(path: Path, options: ReadOptions) -> bytes | None:
    """The first bytes of `path` when the whole file is one DuckDB's reader reads exactly
    as the csv module does: UTF-8 (BOM or not), no NUL, no empty line. None otherwise:
    the file is read in Python, which says what is wrong with it."""
    if options.encoding is not None and codecs.lookup(options.encoding).name not in (
            "utf-8", "utf-8-sig"):
        return None
    try:
        with path.open("rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
            if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
                    sample[:1] in (b"\n", b"\r")):
                return None
            handle.seek(0)
            tail = b""
            while chunk := handle.read(_CHUNK_BYTES):  # bounded memory, C-speed searches
                window = tail + chunk
                if b"\x00" in window or _has_empty_line(window):
                    return None
                tail = window[-2:]  # a sequence of three bytes may start in it
    except OSError:
        return None
    return sample


@dataclass
class Scan:
    """A plain delimited file DuckDB's CSV reader can read whole, as `read_delimited`
    would: its header (read by Python from the first bytes), its dialect, and the
    arguments of `read_csv` reading its lines, header first, as columns c0, c1... of text."""

    header: list[str]
    dialect: Dialect
    #: `read_csv`'s arguments: the file, as a SQL literal, and the reading options.
    arguments: str

    @property
    def source(self) -> str:
        """The SQL reading the file's cells as written."""
        return f"read_csv({self.arguments})"

    def source_reading_missing(self, missing_values: tuple[str, ...]) -> str:
        """The same read with the cells in `missing_values` (not empty) read as NULL by
        DuckDB's parser (`nullstr`, quoted or not), every other cell, an empty one
        included, as written: cheaper than comparing each cell after the read."""
        return f"read_csv({self.arguments}, nullstr = [{text_list(missing_values)}])"


def plan_scan(path: Path, columns: list[str], options: ReadOptions) -> Scan | None:
    """How DuckDB reads `path`, whose header should name `columns`; None when the file
    is not one it reads exactly as `read_delimited` does (another encoding, empty lines,
    a header beyond the first bytes...), which then reads it."""
    sample = _plain_utf8(path, options)
    if sample is None:
        return None
    try:
        head = codecs.getincrementaldecoder("utf-8-sig")().decode(sample, final=False)
    except UnicodeDecodeError:
        return None
    dialect = detect(head, "utf_8_sig" if sample.startswith(codecs.BOM_UTF8) else "utf_8",
                     False, columns, options)
    rows = csv.reader(io.StringIO(head, newline=""), delimiter=dialect.delimiter)
    try:
        header = next(rows, None)
        # The header ends within the sample: a row follows, or the sample is the file.
        whole = next(rows, None) is not None or len(sample) < SAMPLE_BYTES
    except csv.Error:
        return None
    if not header or not whole or len(header) > MAX_COLUMNS:
        return None
    names = ", ".join(f"'c{p}': 'VARCHAR'" for p in range(len(header)))
    delimiter = dialect.delimiter.replace("'", "''")
    file = str(path).replace("'", "''")
    return Scan(header, dialect, (
        f"'{file}', header = false, auto_detect = false, columns = {{{names}}}, "
        f"delim = '{delimiter}', quote = '\"', escape = '\"', strict_mode = true, "
        # A longer line may hold a cell beyond the limit: Python reads it and says so.
        f"null_padding = false, max_line_size = {MAX_CELL_CHARACTERS}"))


def scan_delimited(scan: Scan, con: duckdb.DuckDBPyConnection, table: str) -> RawTable | None:
    """The scanned file's lines in DuckDB table `table` (the header as row 1, in insertion
    order); None when DuckDB refuses the file (ragged rows, stray quotes...): Python
    then reads it and says what is wrong."""
    try:
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM {scan.source}")
    except duckdb.Error:
        con.execute(f"DROP TABLE IF EXISTS {table}")
        return None
    return RawTable(scan.header, None, scan.dialect, table=table)
