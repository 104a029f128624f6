"""National offence categories mapped to the ICCS: checks and a country's coverage report.

Which columns join a national count to its mapping is read from the composite foreign
key of `national_offences` in its Table Schema; that a national code is mapped once and
to an existing ICCS code are the correspondence table's primary and foreign keys, which
the structural checks enforce.
"""

from __future__ import annotations

import pandas as pd

from hemisec.errors import UsageError
from hemisec.findings import concat_findings, empty_findings, make_findings, register
from hemisec.package import DataPackage
from hemisec.read.dialect import ReadOptions
from hemisec.read.sources import TableSource
from hemisec.read.tables import LoadedTable, line_numbers, load_table

OFFENCES = "national_offences"
CORRESPONDENCE = "iccs_correspondence"

UNMAPPED = register(
    "national-code-unmapped", "error", "mapping",
    "A national offence category has no ICCS mapping for its country",
    "Add the national category to iccs_correspondence (iso3, national_code, its label, the "
    "ICCS code, the match), or correct the code in national_offences.")
NOT_FULL = register(
    "mapping-not-full", "warning", "mapping",
    "A national category is broader or narrower than the ICCS category it maps to",
    "Nothing to fix if the mapping is right: ICCS-coded counts it feeds are flagged as "
    "partially comparable. If a closer ICCS code exists, map to it.")


def _mapping_key(package: DataPackage) -> tuple[list[str], list[str]]:
    """The national_offences fields and the correspondence fields that join them."""
    fk = next(fk for fk in package.tables[OFFENCES].foreign_keys
              if fk.resource == CORRESPONDENCE)
    return list(fk.fields), list(fk.reference_fields)


def _unmapped_rows(offences: pd.DataFrame, correspondence: pd.DataFrame,
                   package: DataPackage) -> pd.Series:
    """Rows of national_offences whose (iso3, national_code) has no mapping."""
    fields, reference_fields = _mapping_key(package)
    keys = offences[fields]
    known = pd.MultiIndex.from_frame(correspondence[reference_fields].dropna())
    return keys.notna().all(axis=1) & ~pd.MultiIndex.from_frame(keys).isin(known)


def check_mapping(tables: dict[str, LoadedTable], references: dict[str, pd.DataFrame],
                  package: DataPackage) -> pd.DataFrame:
    frames = []
    if OFFENCES in tables:
        table = tables[OFFENCES]
        text = table.text.reindex(columns=table.spec.field_names).astype("str")  # absent: NA
        bad = text[_unmapped_rows(text, references[CORRESPONDENCE], package)]
        label = (" ('" + bad["national_label"] + "')").fillna("")
        frames.append(make_findings(
            UNMAPPED, resource=OFFENCES, file=table.file, row=line_numbers(bad.index),
            field="national_code", value=bad["national_code"],
            message=bad["iso3"] + " national category '" + bad["national_code"] + "'" + label
            + " has no row in " + CORRESPONDENCE))
    if CORRESPONDENCE in tables:
        table = tables[CORRESPONDENCE]
        text = table.text.reindex(columns=table.spec.field_names).astype("str")
        partial = text[text["match"].isin(["broader", "narrower"])]
        iccs_labels = references["iccs"].drop_duplicates("code").set_index("code")["label_en"]
        frames.append(make_findings(
            NOT_FULL, resource=CORRESPONDENCE, file=table.file,
            row=line_numbers(partial.index), field="match", value=partial["match"],
            message=partial["iso3"] + " '" + partial["national_label"] + "' is "
            + partial["match"] + " than ICCS " + partial["iccs_code"] + " ("
            + partial["iccs_code"].map(iccs_labels).fillna("unknown code")
            + "): counts it feeds are not fully comparable"))
    return concat_findings(frames) if frames else empty_findings()


def coverage(iso3: str, sources: dict[str, TableSource], package: DataPackage,
             options: ReadOptions | None = None) -> dict[str, object]:
    """How completely a country's national categories map to the ICCS."""
    countries = package.reference_frames["countries"]
    if iso3 not in set(countries["iso3"]):
        raise UsageError(f"'{iso3}' is not an OAS member state's ISO3 code (see the countries "
                         "table)")

    def read(name: str) -> pd.DataFrame:
        spec = package.tables[name]
        table = load_table(sources.get(name, TableSource(name, spec.path)), spec, options)
        errors = table.findings[table.findings["severity"] == "error"]
        if len(errors):  # a table that does not read as its schema cannot be reported on
            first = errors.iloc[0]
            raise UsageError(f"{table.file}: {first['message']} ({len(errors):,} problem(s) "
                             f"reading {name}); run `hemisec validate` on it to see them all")
        return table.text

    correspondence = read(CORRESPONDENCE)
    correspondence = correspondence[correspondence["iso3"] == iso3]
    iccs = read("iccs")
    unmapped = pd.DataFrame(columns=["national_code", "national_label", "rows"])
    if OFFENCES in sources:
        offences = read(OFFENCES)
        offences = offences[offences["iso3"] == iso3]
        missing = offences[_unmapped_rows(offences, correspondence, package)]
        unmapped = (missing.groupby("national_code", dropna=False)
                    .agg(national_label=("national_label", "first"),
                         rows=("national_code", "size")).reset_index())
    partial = correspondence[correspondence["match"] != "full"]
    relevant = iccs[iccs["package_domain"].notna()]
    # A national category feeds its ICCS code and every code above it.
    fed_by = relevant["code"].map(lambda code: sorted(
        correspondence.loc[correspondence["iccs_code"].str.startswith(code), "national_code"]))
    return {
        "iso3": iso3,
        "country": countries.set_index("iso3").at[iso3, "name_en"],
        "national_categories": len(correspondence),
        "fully_mapped": int((correspondence["match"] == "full").sum()),
        "unmapped": unmapped.astype("object").where(unmapped.notna(), None)
        .to_dict(orient="records"),
        "partial": partial[["national_code", "national_label", "iccs_code", "match"]]
        .to_dict(orient="records"),
        "relevant_iccs": [
            {"iccs_code": code, "label": label, "domain": domain, "fed_by": fed}
            for code, label, domain, fed in zip(relevant["code"], relevant["label_en"],
                                                relevant["package_domain"], fed_by,
                                                strict=True)],
    }
