"""The build's exports: the files written beside the database for people and programs.

The build asks `export_paths` which files to write, has `write_exports` write each to a
temporary path, and puts them in place with the database only when all read back.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from hemisec.build.ddl import quote_identifier, quote_literal
from hemisec.package import DataPackage

#: A text cell starting with one of these is run as a formula by spreadsheets.
FORMULA_START = "^[=+@\t\r-]"


def export_paths(folder: Path) -> list[Path]:
    """Every file the build exports into `folder`."""
    return [folder / "indicators.csv", folder / "indicators.parquet"]


def spreadsheet_safe(package: DataPackage, table: str) -> str:
    """The select list of a CSV export: a text cell a spreadsheet would run as a formula
    (starting with =, +, -, @, tab or carriage return) gets a leading apostrophe, as
    OWASP advises; the database and the Parquet export keep the value as it is."""
    columns = []
    for spec_field in package.build_tables[table].fields:
        name = quote_identifier(spec_field.name)
        if spec_field.type == "string":
            name = (f"CASE WHEN regexp_matches({name}, {quote_literal(FORMULA_START)}) "
                    f"THEN {quote_literal(chr(39))} || {name} ELSE {name} END AS {name}")
        columns.append(name)
    return ", ".join(columns)


def write_exports(con: duckdb.DuckDBPyConnection, package: DataPackage,
                  targets: dict[Path, Path]) -> None:
    """Write each export named by `export_paths` (the keys) to its temporary path (the
    values), from the database being built."""
    by_name = {final.name: temporary for final, temporary in targets.items()}
    order = "ORDER BY iso3, year, indicator, method, source"
    con.execute(f"COPY (SELECT {spreadsheet_safe(package, 'indicators')} FROM "
                f"indicators {order}) TO {quote_literal(str(by_name['indicators.csv']))} "
                "(HEADER)")
    con.execute(f"COPY (SELECT * FROM indicators {order}) TO "
                f"{quote_literal(str(by_name['indicators.parquet']))} (FORMAT parquet)")
