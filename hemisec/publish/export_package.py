"""The build's exports as a Data Package: Table Schemas derived from the package's own.

Every field of an export is a field of a Table Schema in `schemas/` (or `schemas/build/`),
copied, never retyped: the CSV a researcher downloads says what the database says. The
wide views' indicator columns come from the view itself (its columns and their comments,
which the build generates from the indicator catalogue).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from hemisec.package import DataPackage

#: Which field of which Table Schema describes a key column of a wide view.
WIDE_KEY_FIELDS: dict[str, tuple[str, str]] = {
    "iso3": ("indicators", "iso3"),
    "country": ("countries", "name_en"),
    "subregion": ("countries", "subregion"),
    "year": ("indicators", "year"),
    "grouping": ("regional_indicators", "grouping"),
    "region": ("regional_indicators", "region"),
}
#: The suffix of a regional wide view's coverage column (`homicide_rate_coverage`).
COVERAGE_SUFFIX = "_coverage"
#: Frictionless types of the DuckDB column types the views have.
FRICTIONLESS_TYPES = {"VARCHAR": "string", "BIGINT": "integer", "INTEGER": "integer",
                      "DOUBLE": "number", "BOOLEAN": "boolean"}
#: What every CSV and XLSX resource says about the text cells a spreadsheet would run.
NEUTRALISED = ("Text cells that begin with =, +, -, @, a tab or a carriage return carry a "
               "leading apostrophe (') so that a spreadsheet shows them as text instead of "
               "running them as a formula; the database and indicators.parquet keep them as "
               "they are.")
SYNTHETIC_STATEMENT = ("SYNTHETIC DEMO DATA: every figure was invented by hemisec's seeded "
                       "generator (hemisec demo); they are not any country's statistics. Do not "
                       "cite or publish them.")
MIXED_STATEMENT = ("MIXED DATA: some observation rows are hemisec's synthetic demo (their source "
                   "says SYNTHETIC DEMO) and their figures are invented; do not cite those.")


@cache
def _schema_file(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _schema_as_written(package: DataPackage, table: str) -> dict[str, Any]:
    """The Table Schema of a build table (schemas/build/) or a package table, read once:
    callers copy what they change."""
    if table in package.build_tables:
        return _schema_file(package.build_tables[table].path)
    return _schema_file(package.root / package.tables[table].schema_path)


def table_schema_descriptor(package: DataPackage, table: str) -> dict[str, Any]:
    """The Table Schema of a build table (schemas/build/) or a package table, as written."""
    return copy.deepcopy(_schema_as_written(package, table))


def schema_field(package: DataPackage, table: str, column: str,
                 **changes: Any) -> dict[str, Any]:
    """One field of a table's schema, renamed or amended by `changes`. `unique` is dropped:
    a field unique in its own table (a country's name) repeats in an export's rows."""
    descriptor = copy.deepcopy(next(f for f in _schema_as_written(package, table)["fields"]
                                    if f["name"] == column))
    descriptor.get("constraints", {}).pop("unique", None)
    if not descriptor.get("constraints", True):
        descriptor.pop("constraints")
    return {**descriptor, **changes}


def export_schema(package: DataPackage, table: str, resources: set[str]) -> dict[str, Any]:
    """A table's schema as its export carries it: foreign keys only to resources exported
    beside it (frictionless checks every key it is given)."""
    schema = table_schema_descriptor(package, table)
    schema.pop("title", None)
    schema.pop("description", None)
    keys = [fk for fk in schema.pop("foreignKeys", []) if fk["reference"]["resource"] in resources]
    if keys:
        schema["foreignKeys"] = keys
    return schema


def indicators_schema(package: DataPackage, resources: set[str]) -> dict[str, Any]:
    """The indicators table with the country's English name beside its code."""
    schema = export_schema(package, "indicators", resources)
    position = [f["name"] for f in schema["fields"]].index("iso3") + 1
    schema["fields"].insert(position, schema_field(package, "countries", "name_en",
                                                   name="country"))
    return schema


def wide_schema(con: duckdb.DuckDBPyConnection, package: DataPackage,
                view: str) -> dict[str, Any]:
    """The schema of a wide view, column by column as the view has them: key columns from
    their tables' schemas, an indicator column from the indicators' value field with the
    catalogue's title and unit, a coverage column from regional_indicators'."""
    regional = view.startswith("regional")
    value_table = "regional_indicators" if regional else "indicators"
    catalogue = {indicator: (title, unit) for indicator, title, unit in con.execute(
        "SELECT indicator, title, unit FROM indicator_catalogue").fetchall()}
    fields = []
    for name, data_type, comment in con.execute(
            "SELECT column_name, data_type, comment FROM duckdb_columns() "
            "WHERE table_name = ? ORDER BY column_index", [view]).fetchall():
        if name in WIDE_KEY_FIELDS:
            fields.append(schema_field(package, *WIDE_KEY_FIELDS[name], name=name))
        elif name in catalogue:
            title, unit = catalogue[name]
            field = schema_field(package, value_table, "value", name=name, title=title,
                                 unit=unit, description=comment, constraints={"minimum": 0})
            field.pop("example", None)  # the value field's example is one indicator's
            fields.append(field)
        elif name.removesuffix(COVERAGE_SUFFIX) in catalogue:
            fields.append(schema_field(package, "regional_indicators", "population_coverage",
                                       name=name, description=comment))
        else:  # a column the view gained that nothing here describes: say so
            fields.append({"name": name, "type": FRICTIONLESS_TYPES.get(data_type, "any"),
                           "description": comment or ""})
    keys = [f["name"] for f in fields if f["name"] in WIDE_KEY_FIELDS
            and f["name"] not in ("country", "subregion")]
    return {"fields": fields, "primaryKey": keys, "missingValues": [""]}


def build_facts(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """build_info's build section (data kind, version, when), by name."""
    return dict(con.execute(
        "SELECT name, value FROM build_info WHERE section = 'build'").fetchall())


def data_statement(data_kind: str) -> str | None:
    """What a reader must be told first about the figures, or None for real data."""
    if data_kind == "synthetic demo":
        return SYNTHETIC_STATEMENT
    if "synthetic demo" in data_kind:
        return MIXED_STATEMENT
    return None


def package_licences(package: DataPackage) -> list[dict[str, str]]:
    """The licences datapackage.json gives the package."""
    descriptor = json.loads(package.descriptor_path.read_text(encoding="utf-8"))
    return descriptor.get("licenses", [])


def write_descriptor(con: duckdb.DuckDBPyConnection, package: DataPackage,
                     resources: list[dict[str, Any]], path: Path) -> None:
    """Write datapackage.json for the exports: the resources as given, the package's
    licence, the synthetic-demo statement when it is the demo, created and version from
    build_info, and the sources the figures come from."""
    facts = build_facts(con)
    statement = data_statement(facts.get("data", ""))
    sources = [{"title": title, **({"path": url} if url else {})}
               for title, url in con.execute(
                   "SELECT title, url FROM sources ORDER BY source_id").fetchall()]
    description = " ".join(filter(None, [
        statement,
        f"The files hemisec {facts.get('hemisec_version', '')} wrote beside its database: "
        "indicators by country and year (long and wide), regional aggregates, the sources, "
        "the validation findings, an Excel workbook, Parquet and SDMX-CSV. "
        f"Built from {facts.get('data_path', '')} at {facts.get('built_at', '')}.",
        "The licence is the package's; figures taken from a named source remain under that "
        "source's terms (sources.csv, column licence)."]))
    descriptor = {
        "name": "hemisec-exports",
        "title": f"{package.title} (build exports)",
        "description": description,
        "version": facts.get("package_version") or package.version,
        "created": facts.get("built_at"),
        "licenses": package_licences(package),
        "sources": sources,
        "synthetic": statement is not None,
        "hemisec": {"data": facts.get("data"), "hemisec_version": facts.get("hemisec_version"),
                    "data_path": facts.get("data_path")},
        "resources": [],
    }
    # Written as it is built: frictionless validates it in the tests (test_exports), and
    # importing it here cost the build a third of a second.
    descriptor["resources"] = [copy.deepcopy(resource) for resource in resources]
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
