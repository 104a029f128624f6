"""The DuckDB build: indicator values, aggregates, atomic writes, no-op rebuilds, metadata.

Expected values are computed here from the raw CSV tables with pandas, independently of
the SQL transforms.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from rich.console import Console

from hemisec.build.database import BuildError, ValidationFailed, build
from hemisec.package import SYNTHETIC_MARKER, DataPackage
from hemisec.paths import DEFAULT_DESCRIPTOR, REPO_ROOT, TRANSFORMS
from hemisec.publish.docs import EXAMPLES, update_readme
from tests.conftest import run_hemisec

DATA = REPO_ROOT / "data"
SAMPLES = [("MEX", 2015), ("BRA", 2010), ("JAM", 2020), ("CAN", 2003), ("HTI", 2019),
           ("ARG", 2023)]
S = "Ministry of Security"


def quiet() -> Console:
    return Console(file=io.StringIO(), width=100)


def run_build(data: Path, out: Path, **options) -> object:
    return build(data, out, console=quiet(), **options)


@pytest.fixture(scope="session")
def con(demo_db: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(demo_db), read_only=True)


@pytest.fixture(scope="session")
def raw() -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(DATA / f"{name}.csv", dtype={"iccs_code": str})
            for name in ("population", "homicide", "prison", "firearms")}


def one(frame: pd.DataFrame, **where: object) -> float:
    """The single value of a raw table's row matching `where` (column=value)."""
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    rows = frame.loc[mask]
    assert len(rows) == 1, where
    value_column = next(c for c in ("population", "victims", "value", "quantity")
                        if c in rows.columns)
    return float(rows.iloc[0][value_column])


def indicator(con: duckdb.DuckDBPyConnection, iso3: str, year: int, name: str) -> float | None:
    row = con.execute("SELECT value FROM indicators WHERE iso3 = ? AND year = ? AND "
                      "indicator = ?", [iso3, year, name]).fetchone()
    return None if row is None else row[0]


@pytest.mark.parametrize("iso3, year", SAMPLES)
def test_indicator_values_match_an_independent_computation(con, raw, iso3: str,
                                                           year: int) -> None:
    pop, hom, pri, fa = raw["population"], raw["homicide"], raw["prison"], raw["firearms"]
    key = {"iso3": iso3, "year": year}
    victims = one(hom, **key, iccs_code="0101", sex="_T", mechanism="_T")
    population = one(pop, **key, sex="_T")
    held = one(pri, **key, measure="persons_held", sex="_T")
    expected = {
        "homicide_rate": victims / population * 1e5,
        "homicide_rate_male": one(hom, **key, iccs_code="0101", sex="M", mechanism="_T")
        / one(pop, **key, sex="M") * 1e5,
        "homicide_rate_female": one(hom, **key, iccs_code="0101", sex="F", mechanism="_T")
        / one(pop, **key, sex="F") * 1e5,
        "prison_rate": held / population * 1e5,
        "unsentenced_share": one(pri, **key, measure="unsentenced", sex="_T") / held * 100,
        "female_prison_share": one(pri, **key, measure="persons_held", sex="F") / held * 100,
        "occupancy_rate": held / one(pri, **key, measure="official_capacity", sex="_T") * 100,
    }
    firearm = hom[(hom.iso3 == iso3) & (hom.year == year) & (hom.mechanism == "firearm")]
    if len(firearm):
        expected["firearm_homicide_share"] = firearm.victims.iloc[0] / victims * 100
        expected["firearm_homicide_rate"] = firearm.victims.iloc[0] / population * 1e5
    destroyed = fa[(fa.iso3 == iso3) & (fa.year == year) & (fa.action == "destroyed")]
    if len(destroyed):
        expected["firearms_destroyed"] = destroyed.quantity.iloc[0]
        expected["firearms_destroyed_per_100k"] = destroyed.quantity.iloc[0] / population * 1e5
    for name, value in expected.items():
        assert indicator(con, iso3, year, name) == pytest.approx(value, rel=1e-12), name


def test_sampled_years_cover_the_firearm_indicators(con) -> None:
    """The samples above must exercise firearm shares and firearms counts somewhere."""
    names = {r[0] for r in con.execute(
        "SELECT DISTINCT indicator FROM indicators WHERE (iso3, year) IN "
        f"({', '.join(repr(s) for s in SAMPLES)})").fetchall()}
    assert {"firearm_homicide_share", "firearms_destroyed_per_100k"} <= names


def test_every_catalogue_indicator_is_built_with_its_unit(con, package: DataPackage) -> None:
    catalogue = package.reference_frames["indicator_catalogue"].set_index("indicator")
    built = dict(con.execute(
        "SELECT indicator, any_value(unit) FROM indicators GROUP BY indicator").fetchall())
    assert set(built) == set(catalogue.index)
    assert all(built[name] == catalogue.at[name, "unit"] for name in built)


def test_regional_aggregates_are_population_weighted_over_countries_with_data(con,
                                                                                raw) -> None:
    countries = DataPackage.load().reference_frames["countries"]
    south = set(countries.loc[countries.subregion == "South America", "iso3"])
    year = 2015
    pop = raw["population"]
    pop = pop[(pop.year == year) & (pop.sex == "_T") & pop.iso3.isin(south)].set_index("iso3")
    hom = raw["homicide"]
    hom = hom[(hom.year == year) & (hom.iccs_code == "0101") & hom.iso3.isin(south)]
    total = hom[(hom.sex == "_T") & (hom.mechanism == "_T")].set_index("iso3").victims
    firearm = hom[(hom.sex == "_T") & (hom.mechanism == "firearm")].set_index("iso3").victims
    firearm = firearm[total.reindex(firearm.index) > 0]

    rate, coverage, n = con.execute(
        "SELECT value, population_coverage, countries_with_data FROM regional_indicators "
        "WHERE region = 'South America' AND year = ? AND indicator = 'homicide_rate'",
        [year]).fetchone()
    assert rate == pytest.approx(total.sum() / pop.population.sum() * 1e5, rel=1e-12)
    assert (coverage, n) == (pytest.approx(100.0), len(south))

    share, coverage, n = con.execute(
        "SELECT value, population_coverage, countries_with_data FROM regional_indicators "
        "WHERE region = 'South America' AND year = ? AND indicator = 'firearm_homicide_share'",
        [year]).fetchone()
    assert share == pytest.approx(firearm.sum() / total[firearm.index].sum() * 100, rel=1e-12)
    covered = pop.population[firearm.index].sum() / pop.population.sum() * 100
    assert (coverage, n) == (pytest.approx(covered, rel=1e-12), len(firearm))


def test_oas_aggregate_covers_all_members_and_counts_are_not_aggregated(con) -> None:
    members, indicators = con.execute(
        "SELECT max(countries_in_region), list(DISTINCT indicator) FROM regional_indicators "
        "WHERE region = 'OAS'").fetchone()
    assert members == 35
    assert "homicide_rate" in indicators and "firearms_seized" not in indicators
    regions = {r[0] for r in con.execute("SELECT DISTINCT region FROM regional_indicators")
               .fetchall()}
    assert regions == {"Caribbean", "Central America", "North America", "South America", "OAS",
                       "Northern America"}
    members = dict(con.execute(
        "SELECT grouping || ':' || region, list(iso3 ORDER BY iso3) FROM region_membership "
        "GROUP BY ALL").fetchall())
    assert "MEX" in members["oas_subregion:North America"]
    assert "MEX" in members["m49_subregion:Central America"]
    assert members["m49_subregion:Northern America"] == ["CAN", "USA"]


def test_comparability_note_counts_cases_left_out(con, raw) -> None:
    hom = raw["homicide"]
    unknown = hom[(hom.sex == "_U") & (hom.victims > 0)].iloc[0]
    note = con.execute(
        "SELECT comparability_note FROM indicators WHERE iso3 = ? AND year = ? "
        "AND indicator = 'homicide_rate_female'", [unknown.iso3, int(unknown.year)]).fetchone()[0]
    assert note.startswith(f"{unknown.victims} victims of unknown sex")


def test_every_object_has_a_comment_and_read_only_open_works(demo_db: Path) -> None:
    with duckdb.connect(str(demo_db), read_only=True) as db:
        missing = db.execute("""
            SELECT table_name FROM duckdb_tables() WHERE coalesce(comment, '') = ''
            UNION ALL SELECT view_name FROM duckdb_views()
            WHERE NOT internal AND coalesce(comment, '') = ''
            UNION ALL SELECT table_name || '.' || column_name FROM duckdb_columns()
            WHERE NOT internal AND coalesce(comment, '') = ''""").fetchall()
        assert missing == []
        views = {r[0] for r in db.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        assert {"indicators_wide", "regional_indicators_wide", "stg_measures"} <= views
        comment = db.execute("SELECT comment FROM duckdb_tables() "
                             "WHERE table_name = 'indicators'").fetchone()[0]
        assert SYNTHETIC_MARKER in comment
        with pytest.raises(duckdb.Error):
            db.execute("DELETE FROM indicators")


def test_wide_view_matches_the_long_table(con) -> None:
    long = indicator(con, "MEX", 2015, "occupancy_rate")
    wide = con.execute("SELECT occupancy_rate, country FROM indicators_wide "
                       "WHERE iso3 = 'MEX' AND year = 2015").fetchone()
    assert wide == (long, "Mexico")


def test_build_info_records_inputs_counts_and_synthetic_data(con) -> None:
    info = {(s, n): v for s, n, v in con.execute(
        "SELECT section, name, value FROM build_info").fetchall()}
    assert info[("build", "data")] == "synthetic demo"
    assert info[("build", "package_version")] == DataPackage.load().version
    digest = hashlib.sha256((DATA / "homicide.csv").read_bytes()).hexdigest()
    assert info[("input_sha256", "data/homicide.csv")] == digest
    assert ("input_sha256", "transforms/30_indicators.sql") in info
    lines = (DATA / "homicide.csv").read_text(encoding="utf-8").count("\n") - 1
    assert info[("row_count", "homicide")] == str(lines)
    indicators = con.execute("SELECT count(*) FROM indicators").fetchone()[0]
    assert info[("row_count", "indicators")] == str(indicators)


def test_warnings_are_kept_in_the_database(con) -> None:
    checks = {r[0] for r in con.execute(
        "SELECT DISTINCT \"check\" FROM validation_findings").fetchall()}
    # published_indicators is empty in the demo: said, not hidden. Countries that record no
    # victims of unknown sex leave a gap the demo's parts-short-of-total warnings name.
    validated = {"year-on-year-change", "mapping-not-full", "table-empty", "parts-short-of-total"}
    assert validated <= checks
    built = {r[0] for r in con.execute(
        "SELECT DISTINCT \"check\" FROM validation_findings WHERE resource = 'indicators'")
        .fetchall()}
    assert checks == validated | built
    assert built <= {"indicator-jump", "indicator-outside-series", "indicator-share-at-limit",
                     "published-value-differs"}


def test_exports_hold_the_indicators(demo_db: Path, con) -> None:
    rows = con.execute("SELECT count(*) FROM indicators").fetchone()[0]
    csv = pd.read_csv(demo_db.parent / "indicators.csv")
    assert len(csv) == rows and csv.source.str.contains(SYNTHETIC_MARKER).all()
    parquet = demo_db.parent / "indicators.parquet"
    assert duckdb.connect().execute("SELECT count(*) FROM read_parquet(?)",
                                    [str(parquet)]).fetchone()[0] == rows


def copy_build(demo_db: Path, folder: Path) -> Path:
    """A copy of the demo build and its exports, to rebuild over without touching it."""
    from hemisec.publish.exports import export_paths

    folder.mkdir()
    shutil.copy2(demo_db, folder / demo_db.name)
    for path in export_paths(demo_db.parent):
        target = folder / path.relative_to(demo_db.parent)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return folder / demo_db.name


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_rebuild_without_changes_does_nothing(demo_db: Path, tmp_path: Path) -> None:
    out = copy_build(demo_db, tmp_path / "build")
    before = snapshot(out.parent)
    result = run_build(DEFAULT_DESCRIPTOR, out)
    assert result.up_to_date
    assert snapshot(out.parent) == before


def test_failing_transform_leaves_previous_database_byte_identical(demo_db: Path,
                                                                    tmp_path: Path) -> None:
    out = copy_build(demo_db, tmp_path / "build")
    before = snapshot(out.parent)
    transforms = tmp_path / "transforms"
    shutil.copytree(TRANSFORMS, transforms)
    (transforms / "25_broken.sql").write_text("SELECT no_such_column FROM indicators;\n")
    with pytest.raises(BuildError, match=r"25_broken\.sql failed: .*no_such_column"):
        run_build(DEFAULT_DESCRIPTOR, out, transforms=transforms, force=True)
    assert snapshot(out.parent) == before  # no temporary file left behind either


def test_interrupted_build_leaves_previous_database(demo_db: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = copy_build(demo_db, tmp_path / "build")
    before = snapshot(out.parent)

    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("hemisec.build.database._wide_views", interrupt)
    with pytest.raises(KeyboardInterrupt):
        run_build(DEFAULT_DESCRIPTOR, out, force=True)
    assert snapshot(out.parent) == before


@pytest.fixture
def small(submission: Callable[..., Path]) -> Callable[..., Path]:
    """A submission for MEX 2020 with the given overrides of population and prison rows."""
    def write(population: list[str] | None = None, prison: list[str] | None = None,
              homicide: list[str] | None = None) -> Path:
        return submission({
            "population": population or [f"MEX,2020,{s},{n},{S}" for s, n in
                                         [("_T", 1000000), ("M", 490000), ("F", 510000)]],
            "homicide": homicide or [f"MEX,2020,0101,_T,_T,250,,{S},",
                                     f"MEX,2020,0101,_T,firearm,170,E,{S},",
                                     f"MEX,2020,0101,F,_T,30,P,{S},"],
            "prison": prison or [f"MEX,2020,persons_held,_T,2000,,{S},",
                                 f"MEX,2020,official_capacity,_T,1600,,{S},"],
        })
    return write


def build_values(folder: Path, out: Path) -> dict[str, tuple[float, str]]:
    run_build(folder, out)
    with duckdb.connect(str(out), read_only=True) as db:
        return {name: (value, status) for name, value, status in db.execute(
            "SELECT indicator, value, obs_status FROM indicators").fetchall()}


def test_status_propagates_and_real_data_is_labelled(small, tmp_path: Path) -> None:
    out = tmp_path / "out" / "small.duckdb"
    values = build_values(small(), out)
    assert values["homicide_rate"] == (pytest.approx(25.0), "A")
    assert values["firearm_homicide_share"] == (pytest.approx(68.0), "E")
    assert values["homicide_rate_female"] == (pytest.approx(30 / 510000 * 1e5), "P")
    assert values["occupancy_rate"] == (pytest.approx(125.0), "A")
    with duckdb.connect(str(out), read_only=True) as db:
        data, = db.execute("SELECT value FROM build_info WHERE name = 'data'").fetchone()
        assert data == "real"
        assert db.execute("SELECT count(*) FROM firearms").fetchone()[0] == 0


def test_no_value_where_the_denominator_is_missing_or_zero(small, tmp_path: Path) -> None:
    folder = small(population=[f"MEX,2020,_T,1000000,{S}"],
                   prison=[f"MEX,2020,persons_held,_T,2000,,{S},",
                           f"MEX,2020,official_capacity,_T,0,,{S},"])
    values = build_values(folder, tmp_path / "out.duckdb")
    assert "homicide_rate" in values and "prison_rate" in values
    assert "homicide_rate_female" not in values  # no female population
    assert "occupancy_rate" not in values  # capacity of zero
    assert "unsentenced_share" not in values  # no numerator at all


def test_errors_stop_the_build_and_write_nothing(small, tmp_path: Path) -> None:
    folder = small(homicide=[f"MEX,2020,0101,_T,_T,-5,,{S},"])
    out = tmp_path / "out" / "hemisec.duckdb"
    with pytest.raises(ValidationFailed) as failure:
        run_build(folder, out)
    assert failure.value.report.errors == 1
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_catalogue_naming_an_unknown_measure_fails_the_build(small, tmp_path: Path,
                                                             package: DataPackage) -> None:
    folder = small()
    catalogue = package.reference_frames["indicator_catalogue"].copy()
    catalogue.loc[catalogue.indicator == "prison_rate", "numerator"] = "persons_jailed"
    catalogue.to_csv(folder / "indicator_catalogue.csv", index=False)
    with pytest.raises(BuildError, match="prison_rate names the measure 'persons_jailed'"):
        run_build(folder, tmp_path / "out.duckdb")


def test_cli_build_exit_statuses(small, tmp_path: Path) -> None:
    out = tmp_path / "cli" / "hemisec.duckdb"
    first = run_hemisec("build", "--data", str(small()), "--out", str(out))
    assert first.returncode == 0, first.stdout + first.stderr
    assert "[6/6] write" in first.stdout and out.is_file()
    assert (out.parent / "indicators.csv").is_file()
    again = run_hemisec("build", "--data", str(small()), "--out", str(out))
    assert again.returncode == 0 and "up to date" in again.stdout
    bad = small(homicide=[f"MEX,2020,0101,_T,_T,-5,,{S},"])
    failed = run_hemisec("build", "--data", str(bad), "--out", str(out))
    assert failed.returncode == 1
    assert "out-of-range" in failed.stdout and "was not written" in failed.stderr
    missing = run_hemisec("build", "--data", str(tmp_path / "nowhere"), "--out", str(out))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_readme_example_output_is_the_demo_build(demo_db: Path) -> None:
    assert not update_readme(REPO_ROOT / "README.md", write=False, database=demo_db), (
        "the README's example output differs from the demo build: run `make docs`")
    assert len(list(EXAMPLES.glob("*.sql"))) == 5
