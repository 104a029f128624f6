"""The indicators as SDMX-CSV 1.0 and 2.0: which column is which SDMX concept, in one place.

One observation per country, year and indicator: the `best_available` value (computed from
the counts where there is one, else the published series reaching the latest year), so
that a program that aggregates over the key never counts a computed and a published value
of the same country-year twice. The attribute METHOD says which one it is; every value,
published ones included, stays in indicators.csv and indicators.parquet with its method.

SERIES is the SDG series code where the catalogue's indicator is the SDG indicator (and
SEX its disaggregation), else the package's own indicator code; REF_AREA is the country's
M49 code, three digits as the countries table keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import duckdb

from hemisec.build.ddl import quote_identifier, quote_literal
from hemisec.package import DataPackage
from hemisec.publish.export_package import schema_field

AGENCY = "HEMISEC"
DATAFLOW_ID = "DF_INDICATORS"
DATAFLOW_VERSION = "1.0"
#: The dataflow the observations belong to, as SDMX-CSV names it: AGENCY:ID(VERSION).
DATAFLOW = f"{AGENCY}:{DATAFLOW_ID}({DATAFLOW_VERSION})"

#: Catalogue indicators that are an SDG series or one of its sex disaggregations:
#: indicator -> (SERIES, SEX). Any other indicator is its own SERIES with SEX _T.
SDG_SERIES: dict[str, tuple[str, str]] = {
    "homicide_rate": ("VC_IHR_PSRC", "_T"),  # SDG 16.1.1, victims per 100,000 population
    "homicide_rate_male": ("VC_IHR_PSRC", "M"),
    "homicide_rate_female": ("VC_IHR_PSRC", "F"),
    "unsentenced_share": ("VC_PRS_UNSNT", "_T"),  # SDG 16.3.2, % of the prison population
}
#: SEX of an indicator that is not an SDG series: the whole population it describes
#: (female_prison_share is a property of all persons held, so _T).
DEFAULT_SEX = "_T"
#: UNIT_MEASURE (the SDG code list's codes) by the catalogue's multiplier.
UNIT_MEASURE: dict[int, str] = {100_000: "PER_100000_POP", 100: "PT", 1: "NUMBER"}

Role = Literal["dimension", "time", "measure", "attribute"]


@dataclass(frozen=True)
class Concept:
    """One SDMX-CSV column: its concept, role, SQL (over best_available AS b, countries AS
    c and the series map AS s) and the Table Schema field that describes it, if any."""

    id: str
    role: Role
    expression: str
    field: tuple[str, str] | None = None
    description: str = ""


#: The mapping: every SDMX-CSV column after the structure columns, in file order
#: (dimensions, time, measure, attributes).
CONCEPTS: tuple[Concept, ...] = (
    Concept("FREQ", "dimension", "'A'",
            description="Frequency of the observations: A (annual)."),
    Concept("SERIES", "dimension", "s.series",
            description="The SDG series code where the indicator is an SDG series "
                        "(VC_IHR_PSRC: intentional homicide rate, SDG 16.1.1; VC_PRS_UNSNT: "
                        "unsentenced detainees as % of the prison population, SDG 16.3.2), "
                        "else the package's own indicator code (see indicator_catalogue)."),
    Concept("REF_AREA", "dimension", "c.m49", ("countries", "m49")),
    Concept("SEX", "dimension", "s.sex",
            description="Sex the value refers to (SDMX CL_SEX): _T all persons, M male, F "
                        "female; the sex-specific homicide rates are VC_IHR_PSRC by sex."),
    Concept("TIME_PERIOD", "time", "b.year", ("indicators", "year")),
    Concept("OBS_VALUE", "measure", "b.value", ("indicators", "value")),
    Concept("UNIT_MEASURE", "attribute", "s.unit_measure",
            description="Unit of the value (SDG CL_UNIT_MEASURE): PER_100000_POP per 100,000 "
                        "population, PT percent, NUMBER a count."),
    Concept("UNIT_MULT", "attribute", "0",
            description="Power of ten the value is to be multiplied by: 0, the value is as "
                        "written."),
    Concept("OBS_STATUS", "attribute", "b.obs_status", ("indicators", "obs_status")),
    Concept("METHOD", "attribute", "b.method", ("indicators", "method")),
    Concept("SOURCE_DETAIL", "attribute", "b.source", ("indicators", "source")),
    Concept("SOURCE_ID", "attribute", "b.source_id", ("indicators", "numerator_source_id")),
    Concept("FLAGS", "attribute", "b.flags", ("indicators", "flags")),
    Concept("FLAG_NOTE", "attribute", "b.flag_note", ("indicators", "flag_note")),
    Concept("COMMENT_OBS", "attribute", "b.comparability_note",
            ("indicators", "comparability_note")),
)
#: The structure columns each SDMX-CSV version opens with, and their value in every row.
STRUCTURE_COLUMNS: dict[int, tuple[tuple[str, str, str], ...]] = {
    1: (("DATAFLOW", DATAFLOW, "The dataflow: agency, id and version."),),
    2: (("STRUCTURE", "dataflow", "The kind of structure STRUCTURE_ID names."),
        ("STRUCTURE_ID", DATAFLOW, "The dataflow: agency, id and version."),
        ("ACTION", "I", "I (information): the observations as they stand.")),
}
VERSIONS = tuple(STRUCTURE_COLUMNS)


def _values(rows: list[tuple[Any, ...]]) -> str:
    return ", ".join("(" + ", ".join(quote_literal(str(v)) if isinstance(v, str) else str(v)
                                     for v in row) + ")" for row in rows)


def series_map_sql() -> str:
    """Each catalogue indicator's SERIES, SEX and UNIT_MEASURE, as a query. A multiplier
    without a UNIT_MEASURE stops the build: the mapping above needs a decision."""
    sdg = _values([(i, series, sex) for i, (series, sex) in SDG_SERIES.items()])
    units = _values(list(UNIT_MEASURE.items()))
    missing = quote_literal("hemisec.publish.sdmx.UNIT_MEASURE has no code for the "
                            "multiplier of indicator ")
    return (f"SELECT k.indicator, coalesce(sdg.series, k.indicator) AS series, "
            f"coalesce(sdg.sex, {quote_literal(DEFAULT_SEX)}) AS sex, "
            f"CASE WHEN u.unit_measure IS NULL THEN error({missing} || k.indicator) "
            f"ELSE u.unit_measure END AS unit_measure "
            f"FROM indicator_catalogue AS k "
            f"LEFT JOIN (VALUES {sdg}) AS sdg(indicator, series, sex) USING (indicator) "
            f"LEFT JOIN (VALUES {units}) AS u(multiplier, unit_measure) USING (multiplier)")


def series_map(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str]]:
    """(indicator, SERIES, SEX, UNIT_MEASURE) for every catalogue indicator."""
    return con.execute(f"SELECT * FROM ({series_map_sql()}) ORDER BY indicator").fetchall()


#: The columns that identify an observation, and the order the files are sorted in.
KEY: tuple[str, ...] = tuple(c.id for c in CONCEPTS if c.role in ("dimension", "time"))


def sdmx_source(version: int) -> str:
    """The SDMX-CSV rows of `version` (1 or 2), columns named as CONCEPTS (unsorted: the
    writer sorts by KEY)."""
    structure = [f"{quote_literal(value)} AS {name}"
                 for name, value, _ in STRUCTURE_COLUMNS[version]]
    columns = [f"{c.expression} AS {quote_identifier(c.id)}" for c in CONCEPTS]
    return (f"SELECT {', '.join([*structure, *columns])}\n"
            f"FROM best_available AS b\nJOIN countries AS c USING (iso3)\n"
            f"JOIN ({series_map_sql()}) AS s USING (indicator)")


def sdmx_schema(con: duckdb.DuckDBPyConnection, package: DataPackage,
                version: int) -> dict[str, Any]:
    """The Table Schema of an SDMX-CSV file: a concept described by a package field is that
    field renamed; the others are described here, with the codes they can take."""
    mapped = series_map(con)
    codes = {"FREQ": ["A"], "SERIES": sorted({m[1] for m in mapped}),
             "SEX": sorted({m[2] for m in mapped}), "UNIT_MEASURE": sorted(UNIT_MEASURE.values())}
    fields = [{"name": name, "type": "string", "description": description,
               "constraints": {"required": True, "enum": [value]}}
              for name, value, description in STRUCTURE_COLUMNS[version]]
    for concept in CONCEPTS:
        if concept.field:
            table, name = concept.field
            field = schema_field(package, table, name, name=concept.id)
            field["title"] = f"{concept.id} ({field.get('title', name)})"
        else:
            field = {"name": concept.id, "title": concept.id,
                     "type": "integer" if concept.id == "UNIT_MULT" else "string",
                     "description": concept.description,
                     "constraints": {"required": True,
                                     "enum": codes.get(concept.id, [0])}}
        fields.append(field)
    return {"fields": fields, "primaryKey": list(KEY), "missingValues": [""]}
