"""Importers and the real-data build on the public files in ../shared/realdata.

Expected row counts are derived here from the source files with pandas, not copied from
a run. These tests run in CI (CI set); they skip only on a machine without the folder.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from hemisec.checks.validate import validate
from hemisec.importers import run_import
from hemisec.package import DataPackage
from tests.conftest import REALDATA

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def oas(package: DataPackage) -> set[str]:
    return set(package.reference_frames["countries"]["iso3"])


def table(imported: tuple[Path, dict], name: str) -> pd.DataFrame:
    return pd.read_csv(imported[0] / f"{name}.csv", dtype=str, keep_default_na=False)


def per_country(frame: pd.DataFrame, column: str = "iso3") -> dict[str, int]:
    return frame.groupby(column).size().to_dict()


def test_every_known_file_is_imported(imported) -> None:
    assert set(imported[1]) == {"gsh2019", "gsh2019-population", "wb-population",
                                "wb-homicide-rate", "iafq", "cts-prisons", "wpb-series",
                                "iccs-es"}


def test_gsh_homicide_totals_by_country(imported, package: DataPackage) -> None:
    source = pd.read_csv(REALDATA / "unodc_gsh2019_country_homicide_wide.csv", dtype=str)
    totals = source[source["Indicator"] == "Homicide Total Count"]
    iso3 = totals["Country"].map(package.reference_frames["countries"]
                                 .set_index("name_un")["iso3"])
    years = [c for c in source.columns if c.isdigit()]
    expected = dict(zip(iso3[iso3.notna()], totals.loc[iso3.notna(), years].notna().sum(axis=1),
                        strict=True))
    homicide = table(imported, "homicide")
    got = per_country(homicide[(homicide["sex"] == "_T") & (homicide["mechanism"] == "_T")])
    assert got == {k: v for k, v in expected.items() if v}
    assert len(got) == 35


def test_world_bank_population_and_rates_by_country(tmp_path: Path, oas: set[str]) -> None:
    source = pd.read_csv(REALDATA / "worldbank_population.csv", dtype=str)
    source = source[source["Country Code"].isin(oas) & source["Value"].notna()]
    result, written = run_import("wb-population", REALDATA / "worldbank_population.csv",
                                 tmp_path)
    assert per_country(result.tables["population"]) == per_country(source, "Country Code")
    assert written["population"] == len(source)
    rates = pd.read_csv(REALDATA / "worldbank_homicide_rate_unodc.csv", dtype=str)
    rates = rates[rates["iso3"].isin(oas)]
    result, _ = run_import("wb-homicide-rate",
                           REALDATA / "worldbank_homicide_rate_unodc.csv", tmp_path)
    assert per_country(result.tables["published_indicators"]) == per_country(rates)
    reasons = result.not_imported["reason"].unique().tolist()
    assert reasons == ["not an OAS member state (or an aggregate)"]


def test_iafq_ammunition_and_seizures_by_country(imported, oas: set[str]) -> None:
    source = pd.read_csv(REALDATA / "unodc_iafq_firearms_trafficking.csv",
                         encoding="utf-8-sig", dtype=str)
    source = source[source["Iso3_code"].isin(oas)]
    ammunition = source[source["Indicator"] == "Ammunition seized"]
    firearms = table(imported, "firearms")
    got = firearms[firearms["item"] == "ammunition"]
    assert per_country(got) == per_country(ammunition, "Iso3_code")
    marked = source[(source["Indicator"] == "Arms seized") & (source["Dimension"] == "by marking")
                    & (source["Category"] == "uniquely marked")]
    got = firearms[(firearms["action"] == "seized")
                   & (firearms["marking_status"] == "uniquely_marked")]
    assert per_country(got) == per_country(marked, "Iso3_code")


def test_iafq_rows_not_imported_are_reported_with_reasons(imported, oas: set[str]) -> None:
    source = pd.read_csv(REALDATA / "unodc_iafq_firearms_trafficking.csv",
                         encoding="utf-8-sig", dtype=str)
    report = imported[1]["iafq"].not_imported
    by_type = source[source["Iso3_code"].isin(oas) & (source["Dimension"] == "by type")
                     & (source["Category"] != "Total")]
    assert (report["reason"].str.contains("by type")).sum() == len(by_type)
    assert (report["reason"] == "not an OAS member state").sum() == (~source["Iso3_code"]
                                                                     .isin(oas)).sum()
    # Every source row is either imported or reported: none is dropped silently.
    assert len(table(imported, "firearms")) + len(report) == len(source)


def test_cts_persons_held_by_country(imported, oas: set[str]) -> None:
    source = pd.read_csv(REALDATA / "unodc_cts_prisons_and_prisoners_oas35.csv", dtype=str)
    held = source[(source["Indicator"] == "Persons held") & (source["Dimension"] == "Total")
                  & (source["Sex"] == "Total") & (source["Age"] == "Total")
                  & (source["Unit of measurement"] == "Counts") & source["VALUE"].notna()]
    prison = table(imported, "prison")
    got = prison[(prison["measure"] == "persons_held") & (prison["sex"] == "_T")]
    assert per_country(got) == per_country(held.drop_duplicates(["Iso3_code", "Year"]),
                                           "Iso3_code")
    # PAN 2017-2018 give adult and juvenile rows both labelled Age Total: summed, with a note.
    pan = prison[(prison["iso3"] == "PAN") & (prison["measure"] == "persons_held")
                 & (prison["year"] == "2017")].set_index("sex")
    assert int(pan.at["M", "value"]) + int(pan.at["F", "value"]) == int(pan.at["_T", "value"])
    assert "Adult and Juveniles" in pan.at["M", "note"]


def test_spanish_labels_fill_the_iccs_table(imported, package: DataPackage) -> None:
    iccs = table(imported, "iccs").set_index("code")
    assert (iccs["label_es"] != "").all() and len(iccs) == len(package.reference_frames["iccs"])
    assert iccs.at["0101", "label_es"] == "Homicidio intencional"
    report = imported[1]["iccs-es"].not_imported
    assert "03011" in set(report.loc[report["reason"].str.contains("implies"), "key"])


def test_imported_tables_validate_with_source_problems_as_findings(imported) -> None:
    report = validate([imported[0]])
    errors = report.findings[report.findings["severity"] == "error"]
    assert set(errors["check"]) <= {"sex-parts-exceed-total", "sex-parts-differ-from-total",
                                    "prison-status-exceeds-held", "marking-parts-exceed-total",
                                    "marking-parts-differ-from-total"}
    assert "marking-parts-differ-from-total" in set(errors["check"])  # IAFQ's own sums


def test_real_build_carries_published_rates_for_all_members(real_db: Path) -> None:
    with duckdb.connect(str(real_db), read_only=True) as con:
        kind = con.execute("SELECT value FROM build_info WHERE name = 'data'").fetchone()[0]
        members = con.execute(
            "SELECT count(DISTINCT iso3) FROM indicators WHERE method = 'published' "
            "AND indicator = 'homicide_rate' AND source LIKE '%World Bank%'").fetchone()[0]
        gsh = con.execute("""
            SELECT count(*), count(*) FILTER (
                       WHERE abs(i.numerator * 1e5 / p.population - pub.value) <= 0.05 + 1e-9)
            FROM indicators AS i
            JOIN indicators AS pub
              ON pub.iso3 = i.iso3 AND pub.year = i.year AND pub.indicator = i.indicator
             AND pub.method = 'published' AND pub.source LIKE '%Global Study%'
            JOIN population AS p
              ON p.iso3 = i.iso3 AND p.year = i.year AND p.sex = '_T'
             AND p.source LIKE '%Global Study%'
            WHERE i.method = 'computed' AND i.indicator = 'homicide_rate'""").fetchone()
    assert kind == "real" and members == 35
    # The study's rates are its counts over its own population (kept as an alternative
    # series), rounded to one decimal.
    assert gsh[0] > 700 and gsh[1] == gsh[0]


def test_cross_check_agrees_and_warns_when_perturbed(submission) -> None:
    """A submission built from published rates and population agrees; a changed count warns."""
    rates = pd.read_csv(REALDATA / "worldbank_homicide_rate_unodc.csv")
    population = pd.read_csv(REALDATA / "worldbank_population.csv")
    sample = rates[rates["iso3"].isin(["MEX", "JAM", "CHL"]) & rates["year"].between(2010, 2019)]
    sample = sample.merge(population, left_on=["iso3", "year"],
                          right_on=["Country Code", "Year"])
    victims = (sample["rate_per_100k"] * sample["Value"] / 1e5).round().astype(int)
    perturbed = victims.copy()
    perturbed.iloc[0] = int(perturbed.iloc[0] * 1.25)

    def folder(counts: pd.Series) -> Path:
        return submission({
            "population": [f"{i},{y},_T,{v},World Bank" for i, y, v in
                           zip(sample["iso3"], sample["year"], sample["Value"], strict=True)],
            "homicide": [f"{i},{y},0101,_T,_T,{c},,test," for i, y, c in
                         zip(sample["iso3"], sample["year"], counts, strict=True)],
            "published_indicators": [f"{i},{y},homicide_rate,{r},World Bank WDI," for i, y, r in
                                     zip(sample["iso3"], sample["year"],
                                         sample["rate_per_100k"], strict=True)],
        })

    def differs(counts: pd.Series) -> pd.DataFrame:
        found = validate([folder(counts)]).findings
        return found[found["check"] == "published-rate-differs"]

    assert len(sample) == 30
    assert differs(victims).empty
    warned = differs(perturbed)
    assert warned["row"].tolist() == [2]
    assert "World Bank WDI publishes" in warned["message"].item()


def test_import_command(tmp_path: Path) -> None:
    from tests.conftest import run_hemisec

    file = REALDATA / "worldbank_homicide_rate_unodc.csv"
    done = run_hemisec("import", "wb-homicide-rate", str(file), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    # The terminal wraps long paths anywhere: compare without the line breaks.
    assert "published_indicators.csv:972rows" in "".join(done.stdout.split())
    assert (tmp_path / "not_imported" / "wb-homicide-rate.csv").is_file()
    unknown = run_hemisec("import", "no-such-source", str(file), "--out", str(tmp_path))
    assert unknown.returncode == 2 and "use one of" in unknown.stderr


def test_the_duckdb_1x_client_reads_the_real_build(real_db: Path, old_duckdb: Path) -> None:
    from tests.conftest import read_with_old_duckdb

    counts = read_with_old_duckdb(old_duckdb, real_db)
    assert counts["indicators"] > 4000 and len(counts) >= 25
