"""National offence categories mapped to the ICCS: checks and a country's coverage report.

Which columns join a national count to its mapping is read from the composite foreign
key of `national_offences` in its Table Schema; that a national code is mapped once and
to an existing ICCS code are the correspondence table's primary and foreign keys, which
the structural checks enforce.
"""

from __future__ import annotations

from hemisec.errors import UsageError
from hemisec.findings import FindingsTable, register
from hemisec.package import DataPackage
from hemisec.read.dialect import ReadOptions
from hemisec.read.sources import TableSource
from hemisec.read.tables import ROW, LoadedTable, load_table, package_table
from hemisec.sql import quote_identifier, quote_literal
from hemisec.translate import current_language, say, say_sql

OFFENCES = "national_offences"
CORRESPONDENCE = "iccs_correspondence"

UNMAPPED = register(
    "national-code-unmapped", "error", "mapping",
    "A national offence category has no ICCS mapping for its country",
    "Add the national category to iccs_correspondence (iso3, national_code, its label, the "
    "ICCS code, the match), or correct the code in national_offences.", level=2)
NOT_FULL = register(
    "mapping-not-full", "warning", "mapping",
    "A national category is broader or narrower than the ICCS category it maps to",
    "Nothing to fix if the mapping is right: ICCS-coded counts it feeds are flagged as "
    "partially comparable. If a closer ICCS code exists, map to it.", level=1)


def _mapping_key(package: DataPackage) -> tuple[list[str], list[str]]:
    """The national_offences fields and the correspondence fields that join them."""
    fk = next(fk for fk in package.tables[OFFENCES].foreign_keys
              if fk.resource == CORRESPONDENCE)
    return list(fk.fields), list(fk.reference_fields)


def check_mapping(tables: dict[str, LoadedTable], references: dict[str, tuple[str, list[str]]],
                  package: DataPackage, findings: FindingsTable) -> None:
    """National categories without a mapping, and mappings broader or narrower than
    their ICCS category. `references` gives each reference table's workspace table."""
    if OFFENCES in tables:
        table = tables[OFFENCES]
        fields, reference_fields = _mapping_key(package)
        correspondence, columns = references[CORRESPONDENCE]
        if all(table.has(f) for f in [*fields, "iso3"]) and all(
                c in columns for c in reference_fields):
            pairs = " AND ".join(f"m.{quote_identifier(r)} = d.{quote_identifier(f)}"
                                 for f, r in zip(fields, reference_fields, strict=True))
            given = " AND ".join(f"{quote_identifier(f)} IS NOT NULL" for f in fields)
            key = ", ".join(quote_identifier(f) for f in fields)
            # The distinct codes are looked up, a few hundred in a million rows (0.06 s
            # of CPU instead of 0.12 s at a million), and the rows of those not found.
            unmapped = (f"SELECT {key} FROM (SELECT DISTINCT {key} FROM {table.typed_table} "
                        f"WHERE {given}) d WHERE NOT EXISTS (SELECT 1 FROM {correspondence} m "
                        f"WHERE {pairs})")
            same = " AND ".join(f"t.{quote_identifier(f)} = u.{quote_identifier(f)}"
                                for f in fields)
            label = (f"coalesce({quote_literal(' (' + chr(39))} || t.national_label || "
                     f"{quote_literal(chr(39) + ')')}, '')" if table.has("national_label")
                     else "''")
            findings.add_query(
                UNMAPPED, OFFENCES, table.file,
                f"""SELECT t.{ROW} AS row, 'national_code' AS field, t.national_code AS value,
                           {say_sql("{iso3} national category '{code}'{label} has no row "
                                    "in {table}", iso3="t.iso3", code="t.national_code",
                                    label=label, table=quote_literal(CORRESPONDENCE))} AS message
                    FROM {table.typed_table} t SEMI JOIN ({unmapped}) u ON ({same})""")
    if CORRESPONDENCE in tables:
        table = tables[CORRESPONDENCE]
        iccs, columns_of_iccs = references["iccs"]
        if all(table.has(c) for c in ("iso3", "national_label", "match", "iccs_code")):
            label = (f"(SELECT first({_iccs_label(columns_of_iccs)} ORDER BY {ROW}) "
                     f"FROM {iccs} i WHERE i.code = t.iccs_code)")
            values = {"iso3": "t.iso3", "label": "t.national_label", "code": "t.iccs_code",
                      "iccs_label": f"coalesce({label}, {say_sql('unknown code')})"}
            message = ("CASE t.match WHEN 'broader' THEN " + say_sql(
                "{iso3} '{label}' is broader than ICCS {code} ({iccs_label}): counts it feeds "
                "are not fully comparable", **values) + " ELSE " + say_sql(
                "{iso3} '{label}' is narrower than ICCS {code} ({iccs_label}): counts it "
                "feeds are not fully comparable", **values) + " END")
            findings.add_query(
                NOT_FULL, CORRESPONDENCE, table.file,
                f"""SELECT t.{ROW} AS row, 'match' AS field, t.match AS value,
                           {message} AS message
                    FROM {table.typed_table} t WHERE t.match IN ('broader', 'narrower')""")


def _iccs_label(columns: list[str]) -> str:
    """The ICCS label in the run's language where the reference table has one (the
    package's own has no Spanish labels: `hemisec import iccs-es` adds them), else English."""
    column = f"label_{current_language()}"
    if column == "label_en" or column not in columns:
        return "label_en"
    return f"coalesce({quote_identifier(column)}, label_en)"


def coverage(iso3: str, sources: dict[str, TableSource], package: DataPackage,
             options: ReadOptions | None = None) -> dict[str, object]:
    """How completely a country's national categories map to the ICCS: queries over the
    tables read into one workspace, so the report needs neither pandas nor a loop over
    rows."""
    from hemisec.publish.labels import in_language_sql
    from hemisec.read.workspace import Workspace

    language = current_language()
    with Workspace() as ws:
        def read(name: str) -> LoadedTable:
            spec = package.tables[name]
            table = load_table(sources.get(name, TableSource(name, spec.path)), spec, options,
                               ws)
            errors = ws.con.execute(
                f"SELECT message, count(*) OVER () FROM {table.findings_table} "
                "WHERE severity = 'error' ORDER BY seq LIMIT 1").fetchall()
            if errors:  # a table that does not read as its schema cannot be reported on
                message, count = errors[0]
                raise UsageError(say("{file}: {message} ({count:,} problem(s) reading {table}); "
                                     "run `hemisec validate` on it to see them all",
                                     file=table.file, message=message, count=count,
                                     table=name))
            return table

        def rows(query: str, parameters: tuple[object, ...] = ()) -> list[dict[str, object]]:
            result = ws.con.execute(query, list(parameters))
            names = [d[0] for d in result.description]
            return [dict(zip(names, row, strict=True)) for row in result.fetchall()]

        countries = package_table(package, "countries", ws)
        name = in_language_sql(countries.columns, "name", language)
        country = rows(f"SELECT {name} AS name FROM {countries.text_table} WHERE iso3 = ? "
                       f"ORDER BY {ROW} LIMIT 1", (iso3,))
        if not country:
            raise UsageError(say("'{iso3}' is not an OAS member state's ISO3 code (see the "
                                 "countries table)", iso3=iso3))
        mapped = read(CORRESPONDENCE).text_table
        iccs = read("iccs")
        mapping = ws.name("country_mapping")
        ws.con.execute(f"CREATE TEMP TABLE {mapping} AS SELECT * FROM {mapped} WHERE iso3 = ?",
                       [iso3])
        unmapped: list[dict[str, object]] = []
        if OFFENCES in sources:
            offences = read(OFFENCES).text_table
            fields, reference_fields = _mapping_key(package)
            given = " AND ".join(f"o.{quote_identifier(f)} IS NOT NULL" for f in fields)
            pairs = " AND ".join(f"m.{quote_identifier(r)} = o.{quote_identifier(f)}"
                                 for f, r in zip(fields, reference_fields, strict=True))
            # The first label given for the code, as the file lists them.
            unmapped = rows(f"""
                SELECT national_code,
                       first(national_label ORDER BY {ROW})
                           FILTER (WHERE national_label IS NOT NULL) AS national_label,
                       count(*) AS rows
                FROM {offences} o
                WHERE o.iso3 = ? AND {given} AND NOT EXISTS (
                    SELECT 1 FROM {mapping} m WHERE {pairs})
                GROUP BY national_code ORDER BY national_code""", (iso3,))
        totals = ws.con.execute("SELECT count(*), count(*) FILTER (WHERE match = 'full') "
                                f"FROM {mapping}").fetchall()[0]
        partial = rows(f"""SELECT national_code, national_label, iccs_code, match
                           FROM {mapping} WHERE match IS DISTINCT FROM 'full'
                           ORDER BY {ROW}""")
        # A national category feeds its ICCS code and every code above it.
        relevant = rows(f"""
            SELECT i.code AS iccs_code,
                   {in_language_sql(iccs.columns, 'label', language, 'i')} AS label,
                   i.package_domain AS domain,
                   coalesce((SELECT list(m.national_code ORDER BY m.national_code)
                             FROM {mapping} m WHERE starts_with(m.iccs_code, i.code)),
                            []) AS fed_by
            FROM {iccs.text_table} i WHERE i.package_domain IS NOT NULL
            ORDER BY i.{ROW}""")
    return {"iso3": iso3, "country": country[0]["name"], "national_categories": totals[0],
            "fully_mapped": totals[1], "unmapped": unmapped, "partial": partial,
            "relevant_iccs": relevant}
