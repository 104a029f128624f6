"""DuckDB tables generated from the schemas: types, keys, constraints and comments."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from hemisec.build.ddl import load_tables
from hemisec.package import DataPackage
from hemisec.read.tables import package_table
from hemisec.read.workspace import Workspace


@pytest.fixture(scope="module")
def con(package: DataPackage) -> Iterator[duckdb.DuckDBPyConnection]:
    workspace = Workspace()
    typed = {n: package_table(package, n, workspace).typed_table for n in package.tables}
    load_tables(workspace.con, package, typed)
    yield workspace.con
    workspace.close()


def test_every_row_is_loaded(con, package: DataPackage) -> None:
    for name, spec in package.tables.items():
        lines = spec.path.read_text(encoding="utf-8").count("\n") - 1
        assert con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] == lines, name


def test_types_follow_the_schema_and_codes_keep_zeros(con) -> None:
    types = dict(con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'homicide'"
    ).fetchall())
    assert types["iccs_code"] == "VARCHAR" and types["victims"] == "BIGINT"
    assert con.execute("SELECT count(*) FROM iccs WHERE code = '0101'").fetchone()[0] == 1
    assert con.execute("SELECT min(m49) FROM countries").fetchone()[0] == "028"


def test_comments_come_from_the_schema(con, package: DataPackage) -> None:
    comment = con.execute(
        "SELECT comment FROM duckdb_columns() WHERE table_name = 'homicide' "
        "AND column_name = 'victims'").fetchone()[0]
    field = package.tables["homicide"].field("victims")
    assert comment == f"{field.description} Unit: {field.unit}."
    table_comment = con.execute(
        "SELECT comment FROM duckdb_tables() WHERE table_name = 'homicide'").fetchone()[0]
    assert "SYNTHETIC DEMO" in table_comment


@pytest.mark.parametrize("values, message", [
    ("('MEX', 2030, '0101', '_T', '_T', -1, NULL, 's', NULL)", "CHECK"),
    ("('MEX', 2030, '0104', '_T', '_T', 1, NULL, 's', NULL)", "CHECK"),
    ("(NULL, 2030, '0101', '_T', '_T', 1, NULL, 's', NULL)", "NOT NULL"),
])
def test_database_enforces_the_schema(con, values: str, message: str) -> None:
    # The last value is the build's input_row (the row of the submitted file).
    with pytest.raises(duckdb.ConstraintException, match=message):
        con.execute(f"INSERT INTO homicide VALUES {values[:-1]}, NULL)")


def test_reference_tables_enforce_their_keys(con) -> None:
    """Code lists are small: their keys, and the codes they point to, are constraints."""
    with pytest.raises(duckdb.ConstraintException, match="primary key"):
        con.execute("INSERT INTO iccs VALUES ('0101', 2, '01', 'again', NULL, NULL)")
    with pytest.raises(duckdb.ConstraintException, match="foreign key"):
        con.execute("INSERT INTO iccs_correspondence VALUES "
                    "('XXX', 'N1', 'label', '0101', 'full', 's', NULL)")


def test_observation_tables_name_their_key_instead_of_an_index(con, package: DataPackage
                                                               ) -> None:
    """Observation tables grow with a submission: no key index (which must fit in
    memory), their key said in the comment; the validation checks it."""
    for name in package.observation_tables:
        kinds = {k for (k,) in con.execute(
            "SELECT constraint_type FROM duckdb_constraints() WHERE table_name = ?",
            [name]).fetchall()}
        assert not kinds & {"PRIMARY KEY", "FOREIGN KEY", "UNIQUE"}, name
        comment = con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = ?",
                              [name]).fetchone()[0]
        assert f"One row per {', '.join(package.tables[name].primary_key)}:" in comment, name
    assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'iccs' "
                       "AND constraint_type = 'PRIMARY KEY'").fetchone()[0] == 1
