"""Every observation row points to its source: the `sources` table's id, and for
imported rows the line of the public file (from the `provenance` table).

A row is matched by its primary key to a provenance row, else by its `source` text to a
source's citation. A source text that matches nothing (a submission typed by hand) is
registered as a source of its own, with the submitted file it came in and its sha256,
so that no value is left without one.
"""

from __future__ import annotations

import duckdb

from hemisec.build.ddl import quote_identifier, quote_literal
from hemisec.errors import UsageError
from hemisec.package import DataPackage

SOURCE_COLUMNS = {
    "source_id": "The source of the row (see the sources table).",
    "source_line": "For imported rows, the line of the public file (sources.file) the value "
                   "was read from, as provenance records it; empty for rows typed by hand.",
}


def row_key_sql(package: DataPackage, table: str, alias: str) -> str:
    """The row's primary key as the provenance table writes it (values joined ' / ')."""
    columns = ", ".join(f"CAST({alias}.{quote_identifier(k)} AS VARCHAR)"
                        for k in package.tables[table].primary_key)
    return f"concat_ws(' / ', {columns})"


def link_sources(con: duckdb.DuckDBPyConnection, package: DataPackage,
                 files: dict[str, tuple[str, str]]) -> None:
    """Add source_id and source_line to every observation table and fill them.
    `files` gives, per table, the name and sha256 of the file it was read from."""
    for name in package.observation_tables:
        table = quote_identifier(name)
        for column, comment in SOURCE_COLUMNS.items():
            con.execute(f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR")
            con.execute(f"COMMENT ON COLUMN {table}.{column} IS {quote_literal(comment)}")
        con.execute(f"""
            UPDATE {table} AS o SET source_id = p.source_id, source_line = p.source_line
            FROM provenance AS p
            WHERE p.resource = {quote_literal(name)}
              AND p.row_key = {row_key_sql(package, name, 'o')}""")
        con.execute(f"""
            UPDATE {table} AS o SET source_id = s.source_id
            FROM sources AS s
            WHERE o.source_id IS NULL AND s.citation = o.source""")
    unmatched = " UNION ALL ".join(
        f"SELECT DISTINCT source, {quote_literal(name)} AS resource FROM {quote_identifier(name)} "
        "WHERE source_id IS NULL" for name in package.observation_tables)
    con.execute("CREATE TEMP TABLE submitted_files (resource VARCHAR, file VARCHAR, "
                "sha256 VARCHAR)")
    con.executemany("INSERT INTO submitted_files VALUES (?, ?, ?)",
                    [(name, file, sha) for name, (file, sha) in files.items()])
    con.execute(f"""
        CREATE TEMP TABLE submitted_sources AS
        SELECT 'submitted-' || row_number() OVER (ORDER BY f.file, u.source) AS source_id,
               u.source, u.resource, f.file, f.sha256
        FROM ({unmatched}) AS u
        LEFT JOIN submitted_files AS f USING (resource)""")
    con.execute("""
        INSERT INTO sources (source_id, title, publisher, file, sha256, citation)
        SELECT source_id, source, 'as the submission names it', file, sha256, source
        FROM submitted_sources""")
    for name in package.observation_tables:
        con.execute(f"""
            UPDATE {quote_identifier(name)} AS o SET source_id = s.source_id
            FROM submitted_sources AS s
            WHERE o.source_id IS NULL AND s.source = o.source
              AND s.resource = {quote_literal(name)}""")
    con.execute("DROP TABLE submitted_sources")
    con.execute("DROP TABLE submitted_files")


def apply_corrections(con: duckdb.DuckDBPyConnection, package: DataPackage) -> int:
    """Apply the corrections table: each corrected cell where it still holds the value
    as published; record in the table how many rows each correction changed."""
    con.execute("ALTER TABLE corrections ADD COLUMN rows_corrected BIGINT DEFAULT 0")
    con.execute("COMMENT ON COLUMN corrections.rows_corrected IS "
                f"{quote_literal(ROWS_CORRECTED_COMMENT)}")
    # A handful of corrections, each one UPDATE: a loop over metadata, not over data rows.
    corrections = con.execute(
        "SELECT correction_id, resource, row_key, field, as_published, corrected "
        "FROM corrections").fetchall()
    changed = 0
    for correction_id, resource, row_key, column, published, corrected in corrections:
        if resource not in package.tables or column not in package.tables[resource].field_names:
            raise UsageError(f"corrections: {correction_id} names {resource}.{column}, "
                             "which the package does not have")
        table = quote_identifier(resource)
        count = con.execute(
            f"UPDATE {table} AS o SET {quote_identifier(column)} = ? "
            f"WHERE {row_key_sql(package, resource, 'o')} = ? "
            f"AND CAST(o.{quote_identifier(column)} AS VARCHAR) = ?",
            [corrected, row_key, published]).fetchone()[0]
        con.execute("UPDATE corrections SET rows_corrected = ? WHERE correction_id = ?",
                    [count, correction_id])
        changed += count
    return changed


ROWS_CORRECTED_COMMENT = ("How many rows of this build the correction changed: 0 when the "
                          "data did not hold the defective value (a source already corrected, "
                          "or a table without the row).")
