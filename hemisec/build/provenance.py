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
