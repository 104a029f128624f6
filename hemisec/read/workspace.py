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


class Workspace:
    """A DuckDB connection for one validation (and the build that follows it)."""

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="hemisec-"))
        self.con = duckdb.connect(":memory:", config={
            "memory_limit": MEMORY_LIMIT, "temp_directory": str(self._folder / "spill"),
            "preserve_insertion_order": True})
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute("SET threads TO 2")
        self.catalog = self.con.execute("SELECT current_database()").fetchall()[0][0]
        self._names = itertools.count(1)
        # The folder is ours: removed when the workspace is closed or collected.
        self._cleanup = weakref.finalize(self, _remove, self.con, self._folder)

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
