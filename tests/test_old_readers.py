"""Researchers on the DuckDB 1.x line (CLI, Python, R) can open the database."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.conftest import OLD_DUCKDB, read_with_old_duckdb


def test_the_duckdb_1x_client_reads_every_table_of_the_demo_build(demo_db: Path,
                                                                  old_duckdb: Path) -> None:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        counts = {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
        (storage,) = con.execute("SELECT value FROM build_info WHERE name = "
                                 "'storage_version'").fetchone()
    assert read_with_old_duckdb(old_duckdb, demo_db) == counts, OLD_DUCKDB
    assert storage == "v1.0.0"
