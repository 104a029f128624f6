"""Where a submission is checked: one DuckDB database holding every table as read.

Each table is read once into it (its cells as written, then typed by its schema); the
checks are SQL over those tables, and the build loads from them, so the values checked
are the values built. The database is in memory with a memory limit and a spill folder
of our own, so DuckDB moves what does not fit to disk instead of holding a
5-million-row table in memory (measured: about 600 MiB peak for 5 million rows).
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import weakref
from pathlib import Path

import duckdb

#: DuckDB's memory limit while checking: with its spilling, what keeps a 5-million-row
#: validation under 1 GiB.
MEMORY_LIMIT = "384MB"
#: DuckDB's threads: one while every file is small, as nearly every submission's are (a
#: query's second thread costs more than it saves: a one-country validation took 12% less
#: CPU on one), `PARALLEL_THREADS` from the first file of `PARALLEL_FROM_BYTES` (measured
#: on 2 cores: 7 MB validated 10% faster on one thread, 10 MB 7% faster on two).
PARALLEL_FROM_BYTES = 8 * 2**20
PARALLEL_THREADS = 2


class Workspace:
    """A DuckDB connection for one validation (and the build that follows it)."""

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="hemisec-"))
        self.con = duckdb.connect(":memory:", config={
            "memory_limit": MEMORY_LIMIT, "temp_directory": str(self._folder / "spill"),
            "preserve_insertion_order": True})
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute("SET threads TO 1")
        self.parallel = False
        self.catalog = self.con.execute("SELECT current_database()").fetchall()[0][0]
        self._names = itertools.count(1)
        # The folder is ours: removed when the workspace is closed or collected.
        self._cleanup = weakref.finalize(self, _remove, self.con, self._folder)

    def fit_to(self, path: Path) -> None:
        """Run in parallel from the first file large enough to gain by it."""
        if self.parallel:
            return
        try:
            size = path.stat().st_size
        except OSError:  # the reader says what is wrong with the file
            return
        if size >= PARALLEL_FROM_BYTES:
            self.con.execute(f"SET threads TO {PARALLEL_THREADS}")
            self.parallel = True

    def name(self, stem: str) -> str:
        """A new table name, unique in this workspace."""
        return f"{stem}_{next(self._names)}"

    def qualified(self, table: str) -> str:
        """A workspace table's name as another attached database sees it."""
        return f'"{self.catalog}".main."{table}"'

    def close(self) -> None:
        self._cleanup()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _remove(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    con.close()
    shutil.rmtree(folder, ignore_errors=True)
