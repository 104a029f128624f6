"""Values a researcher can cite (issue 11): flags, one population series, regional
coverage, sources and provenance, on the real build and on small submissions."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import openpyxl
import pytest
from rich.console import Console

from hemisec.build.database import build
from hemisec.package import thresholds
from hemisec.paths import file_sha256
from tests.conftest import REALDATA


def query(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.realdata
def test_every_value_whose_inputs_have_a_finding_is_flagged(real_db: Path) -> None:
    inputs_with_findings = """
        WITH found AS (
            SELECT DISTINCT s.measure, s.iso3, s.year
            FROM stg_measures AS s
            JOIN validation_findings AS f ON f.resource = s.resource AND f.row = s.input_row)
        SELECT count(*) FILTER (WHERE i.flags IS NULL), count(*)
        FROM indicators AS i
        JOIN indicator_catalogue AS c USING (indicator)
        JOIN found AS f ON f.iso3 = i.iso3 AND f.year = i.year
        WHERE i.method = 'computed' AND (
            (coalesce(i.comparability_note LIKE c.fallback_note || '%', false)
             AND f.measure IN (c.fallback_numerator, c.fallback_denominator))
         OR (NOT coalesce(i.comparability_note LIKE c.fallback_note || '%', false)
             AND f.measure IN (c.numerator, c.denominator)))"""
    ((unflagged, with_findings),) = query(real_db, inputs_with_findings)
    assert with_findings > 500 and unflagged == 0


@pytest.mark.realdata
def test_known_source_errors_are_flagged(real_db: Path) -> None:
    rows = dict(((iso3, year, indicator), flags) for iso3, year, indicator, flags in query(
        real_db, "SELECT iso3, year, indicator, flags FROM indicators WHERE method = 'computed'"))
    assert "indicator-share-at-limit" in rows[("TTO", 2018, "unsentenced_share")]
    assert "indicator-share-at-limit" in rows[("TTO", 2019, "unsentenced_share")]
    assert "prison-status-exceeds-held" in rows[("COL", 2021, "unsentenced_share")]
    assert "indicator-jump" in rows[("COL", 2021, "unsentenced_share")]
    assert "indicator-outside-series" in rows[("BOL", 2012, "female_prison_share")]
    clean = query(real_db, "SELECT count(*) FROM indicators WHERE method = 'computed' "
                           "AND flags IS NULL")[0][0]
    assert clean > 1000  # most values have nothing against them


@pytest.mark.realdata
def test_rates_use_one_population_series_and_mark_any_change(real_db: Path) -> None:
    changes = query(real_db, """
        SELECT iso3, year, obs_status, flags FROM (
            SELECT iso3, year, obs_status, flags, denominator_source,
                   lag(denominator_source) OVER (PARTITION BY iso3 ORDER BY year) AS before
            FROM indicators WHERE method = 'computed' AND indicator = 'prison_rate')
        WHERE before <> denominator_source""")
    assert all(status == "B" and "population-series-break" in flags
               for _, _, status, flags in changes)
    # ATG 2017-2018: 305 persons held both years, one population series (World Bank).
    atg = query(real_db, "SELECT year, numerator, denominator_source FROM indicators "
                         "WHERE iso3 = 'ATG' AND indicator = 'prison_rate' AND method = "
                         "'computed' AND year IN (2017, 2018) ORDER BY year")
    assert len({source for *_, source in atg}) == 1 and "World Bank" in atg[0][2]
    alternatives = query(real_db, "SELECT count(*) FROM population_comparison "
                                  "WHERE other_source LIKE '%Global Study%'")[0][0]
    assert alternatives > 900  # the study's population is kept for comparison


@pytest.mark.realdata
def test_no_aggregate_below_the_coverage_threshold_is_published_unflagged(real_db: Path) -> None:
    limits = thresholds()
    low = f"""(population_coverage IS NULL
               OR population_coverage < {limits['regional_min_population_coverage_pct']}
               OR countries_with_data < {limits['regional_min_countries']})"""
    assert query(real_db, f"SELECT count(*) FROM regional_indicators WHERE {low} "
                          "AND flags IS NULL")[0][0] == 0
    ((oas_2000, coverage_2000),) = query(real_db, """
        SELECT prison_rate, prison_rate_coverage FROM regional_indicators_wide
        WHERE grouping = 'oas' AND year = 2000""")
    assert oas_2000 is None and coverage_2000 < 1  # Nicaragua alone: not published
    published = query(real_db, f"SELECT count(*) FROM regional_indicators WHERE NOT {low}")
    assert published[0][0] > 500


@pytest.mark.realdata
def test_sources_list_every_file_read_with_its_sha256(real_db: Path) -> None:
    rows = query(real_db, "SELECT source_id, file, sha256, publisher FROM sources")
    for _, file, sha256, publisher in rows:
        assert sha256 == file_sha256(REALDATA / file) and publisher
    read = {file for _, file, *_ in rows}
    assert {"unodc_cts_prisons_and_prisoners.xlsx", "worldbank_population.csv",
            "unodc_gsh2019_country_homicide_wide.csv", "unodc_gsh2019_master_estimates.csv",
            "unodc_iafq_firearms_trafficking.csv", "worldbank_homicide_rate_unodc.csv",
            "wpb_prison_population_series_steckermeier_2022.csv"} <= read
    stamp = query(real_db, "SELECT release_date FROM sources WHERE source_id = "
                           "'unodc_cts_prisons_and_prisoners'")[0][0]
    assert stamp == "11/05/2023"
    orphans = query(real_db, "SELECT count(*) FROM indicators WHERE numerator_source_id IS NULL "
                             "OR (denominator IS NOT NULL AND denominator_source_id IS NULL)")
    assert orphans[0][0] == 0


def _raw_cells(path: Path, line: int) -> list[str]:
    """The cells of one line of a public file (a workbook's first sheet row)."""
    if path.suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        sheet.reset_dimensions()  # the published file states a one-column dimension
        (row,) = sheet.iter_rows(min_row=line, max_row=line, values_only=True)
        return ["" if cell is None else str(cell) for cell in row]
    encoding = "cp1252" if "master_estimates" in path.name else "utf-8-sig"
    delimiter = ";" if path.name.startswith("wpb_") else ","
    with path.open(encoding=encoding, newline="") as handle:
        for number, cells in enumerate(csv.reader(handle, delimiter=delimiter), start=1):
            if number == line:
                return cells
    raise AssertionError(f"{path.name} has no line {line}")


@pytest.mark.realdata
def test_five_values_trace_back_to_their_raw_file_and_line(real_db: Path) -> None:
    picks = [("COL", 2021, "unsentenced_share", "numerator"),
             ("COL", 2021, "unsentenced_share", "denominator"),
             ("PAN", 2016, "homicide_rate", "numerator"),
             ("ATG", 2018, "prison_rate", "denominator"),
             ("MEX", 2016, "firearms_seized", "numerator")]
    for iso3, year, indicator, role in picks:
        ((value, file, line, country),) = query(real_db, f"""
            SELECT s.value, src.file, s.source_line, c.name_un
            FROM indicators AS i
            JOIN indicator_catalogue AS cat USING (indicator)
            JOIN stg_measures AS s
              ON s.iso3 = i.iso3 AND s.year = i.year AND s.measure = cat.{role}
             AND s.source_id = i.{role}_source_id
            JOIN sources AS src ON src.source_id = s.source_id
            JOIN countries AS c ON c.iso3 = i.iso3
            WHERE i.iso3 = '{iso3}' AND i.year = {year} AND i.indicator = '{indicator}'
              AND i.method = 'computed'""")
        cells = _raw_cells(REALDATA / file, int(line.split(",")[0]))
        assert iso3 in cells or country in cells, (file, line, cells[:4])
        numbers = {round(float(c)) for c in cells if c.replace(".", "", 1).isdigit()}
        assert value in numbers, (iso3, indicator, role, file, line, value)


@pytest.mark.realdata
def test_corrections_and_kept_figures_are_visible(real_db: Path) -> None:
    ((label, applied),) = query(real_db, "SELECT i.label_es, c.rows_corrected FROM iccs AS i, "
                                         "corrections AS c WHERE i.code = '0609' "
                                         "AND c.correction_id = 'iccs-0609-label-es'")
    assert applied == 1 and "drogas" in label
    ((status, note),) = query(real_db, "SELECT obs_status, note FROM prison WHERE iso3 = 'DMA' "
                                       "AND year = 2012 AND measure = 'unsentenced'")
    assert status == "E" and "53.46" in note
    adult = query(real_db, "SELECT count(*) FROM indicators WHERE indicator = 'occupancy_rate' "
                           "AND comparability_note LIKE 'no total capacity given%'")[0][0]
    assert adult > 100
    definition = query(real_db, "SELECT definition FROM indicator_catalogue "
                                "WHERE indicator = 'unsentenced_share'")[0][0]
    assert "16.3.2" in definition and "first-instance" in definition


def test_a_change_of_population_series_is_a_break(submission, tmp_path: Path) -> None:
    """Two series for one country: the longer is used; a year only the other has takes
    it, and the rates of that year and of the year the first series resumes are B."""
    source = "Ministerio de Seguridad"
    rows = {
        "population": [*(f"MEX,{y},_T,100000000,INEGI" for y in (2018, 2019, 2021)),
                       *(f"MEX,{y},_T,105000000,UN WPP" for y in (2019, 2020))],
        "prison": [f"MEX,{y},persons_held,_T,200000,A,{source}," for y in range(2018, 2022)],
    }
    out = tmp_path / "db.duckdb"
    build(submission(rows), out, console=Console(file=io.StringIO()))
    got = query(out, "SELECT year, denominator_source, obs_status, flags FROM indicators "
                     "WHERE indicator = 'prison_rate' ORDER BY year")
    assert [(y, s, o) for y, s, o, _ in got] == [
        (2018, "INEGI", "A"), (2019, "INEGI", "A"), (2020, "UN WPP", "B"),
        (2021, "INEGI", "B")]
    assert all("population-series-break" in f for y, _, _, f in got if y >= 2020)
    sources = query(out, "SELECT source_id, title, sha256 FROM sources "
                         "WHERE source_id LIKE 'submitted-%' ORDER BY title")
    assert [title for _, title, _ in sources] == ["INEGI", source, "UN WPP"]
    assert all(len(sha) == 64 for *_, sha in sources)
