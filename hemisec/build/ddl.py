"""DuckDB tables generated from the Table Schemas: types, keys, constraints, comments.

No DDL is written by hand: every column's type, NOT NULL, CHECK, primary key, foreign
key and COMMENT comes from the schema, so the database says what the package says.

The observation tables, which grow with a submission (millions of rows of national
offences or municipal counts), declare no primary or foreign key in the database: DuckDB
keeps each such key as an index that must fit in memory and is written into the file
(measured at 5 million rows: 2.1 GiB peak and a 537 MB database, against 0.5 GiB
and 139 MB without them; under the workspace's memory limit the load failed). Their keys
and codes are checked by the validation every build runs on exactly the rows it loads
(duplicate-key, code-not-in-list, national-code-unmapped), and each table's comment
names its key. Reference tables and the build's own tables, small by design, keep theirs.
"""

from __future__ import annotations

import duckdb

from hemisec.package import DataPackage, FieldSpec, TableSpec
from hemisec.sql import quote_identifier, quote_literal

#: The column the build adds to every observation table: the row of the file it came from.
INPUT_ROW = "input_row"
INPUT_ROW_COMMENT = ("The row of the submitted file (or sheet) this row was read from, header "
                     "= 1, as validation_findings cites it.")
DUCKDB_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE",
                "boolean": "BOOLEAN"}


def _column_sql(field: FieldSpec) -> str:
    name = quote_identifier(field.name)
    parts = [name, DUCKDB_TYPES[field.type]]
    if field.required:
        parts.append("NOT NULL")
    checks = []
    if field.minimum is not None:
        checks.append(f"{name} >= {field.minimum:g}")
    if field.maximum is not None:
        checks.append(f"{name} <= {field.maximum:g}")
    if field.pattern is not None:
        checks.append(f"regexp_full_match({name}, {quote_literal(field.pattern)})")
    if field.enum is not None:
        checks.append(f"{name} IN ({', '.join(quote_literal(e) for e in field.enum)})")
    if checks:
        parts.append(f"CHECK ({' AND '.join(checks)})")
    return " ".join(parts)


def declares_keys(spec: TableSpec, package: DataPackage) -> bool:
    """Whether the table's primary and foreign keys are declared in the database: not
    for the observation tables, whose size has no bound (see the module's docstring)."""
    return spec.name not in package.observation_tables


def _key_sql(spec: TableSpec, package: DataPackage) -> list[str]:
    """The PRIMARY KEY and FOREIGN KEY clauses of a table. A key pointing into the same
    table (the ICCS hierarchy) is left out: DuckDB does not enforce self-references; the
    checks do."""
    lines = []
    if spec.primary_key:
        lines.append(f"PRIMARY KEY ({', '.join(map(quote_identifier, spec.primary_key))})")
    for fk in spec.foreign_keys:
        if fk.resource and fk.resource != spec.name:
            target = quote_identifier(package.tables[fk.resource].name)
            lines.append(f"FOREIGN KEY ({', '.join(map(quote_identifier, fk.fields))}) "
                         f"REFERENCES {target} "
                         f"({', '.join(map(quote_identifier, fk.reference_fields))})")
    return lines


def create_table_sql(spec: TableSpec, package: DataPackage) -> str:
    """CREATE TABLE for one resource: its columns, and its keys where it declares them."""
    lines = [_column_sql(f) for f in spec.fields]
    if declares_keys(spec, package):
        lines += _key_sql(spec, package)
    body = ",\n    ".join(lines)
    return f"CREATE TABLE {quote_identifier(spec.name)} (\n    {body}\n);"


def comment_sql(spec: TableSpec, package: DataPackage) -> list[str]:
    """COMMENT ON the table and each column, from the schema's descriptions and units; a
    table that declares no key in the database names it in its comment."""
    table = quote_identifier(spec.name)
    description = spec.description
    if spec.primary_key and not declares_keys(spec, package):
        description += (f" One row per {', '.join(spec.primary_key)}: this key and the codes' "
                        "reference tables are checked by the validation every build runs, not "
                        "declared as constraints (indexes that grow with the table).")
    statements = [f"COMMENT ON TABLE {table} IS {quote_literal(description)};"]
    for field in spec.fields:
        text = field.description + (f" Unit: {field.unit}." if field.unit else "")
        statements.append(f"COMMENT ON COLUMN {table}.{quote_identifier(field.name)} IS "
                          f"{quote_literal(text)};")
    return statements


def create_table(con: duckdb.DuckDBPyConnection, spec: TableSpec, package: DataPackage) -> None:
    """Create one table, empty, with its comments."""
    con.execute(create_table_sql(spec, package))
    for statement in comment_sql(spec, package):
        con.execute(statement)


def load_tables(con: duckdb.DuckDBPyConnection, package: DataPackage,
                tables: dict[str, str | None]) -> dict[str, int]:
    """Create each table from its schema and insert, column by name, the workspace's
    typed table read for it (None: the table is created empty); return the rows loaded.

    The typed tables are what the validator parsed and checked (hemisec.read.tables),
    so the database holds exactly the values that were checked: codes keep their
    leading zeros, and no cell is typed twice by two readers.
    """
    counts = {}
    for name in package.reference_first(list(tables)):
        spec = package.tables[name]
        create_table(con, spec, package)
        table = quote_identifier(name)
        columns = ", ".join(quote_identifier(n) for n in spec.field_names)
        if name in package.observation_tables:
            # The row of the submitted file, as validation_findings cites it: the link
            # from a finding to the values computed from the row.
            con.execute(f"ALTER TABLE {table} ADD COLUMN {INPUT_ROW} BIGINT")
            con.execute(f"COMMENT ON COLUMN {table}.{INPUT_ROW} IS "
                        f"{quote_literal(INPUT_ROW_COMMENT)}")
            columns += f", _row AS {INPUT_ROW}"
        source = tables[name]
        if source is not None:
            con.execute(f"INSERT INTO {table} BY NAME SELECT {columns} FROM {source} "
                        "ORDER BY _row")
        counts[name] = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    return counts
