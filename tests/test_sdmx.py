"""The SDMX-CSV exports read back with pysdmx, key by key and value by value, against the
database: one observation per country, year and indicator (best_available), the SDG
series where the indicator is an SDG one, M49 areas, and the flags as attributes."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from pysdmx.io import get_datasets

from hemisec.publish.exports import SDMX_FILES, spreadsheet_safe_text
from hemisec.publish.sdmx import CONCEPTS, DATAFLOW, KEY, series_map

#: What the SDG's own series are (SDG metadata 16.1.1 and 16.3.2), written out here
#: rather than taken from the module, so a wrong mapping fails the test.
SDG = {"homicide_rate": ("VC_IHR_PSRC", "_T"), "homicide_rate_male": ("VC_IHR_PSRC", "M"),
       "homicide_rate_female": ("VC_IHR_PSRC", "F"), "unsentenced_share": ("VC_PRS_UNSNT", "_T")}
UNITS = {100000: "PER_100000_POP", 100: "PT", 1: "NUMBER"}
ATTRIBUTES = {"OBS_STATUS": "obs_status", "METHOD": "method", "SOURCE_DETAIL": "source",
              "SOURCE_ID": "source_id", "FLAGS": "flags", "FLAG_NOTE": "flag_note",
              "COMMENT_OBS": "comparability_note"}


def expected_observations(database: Path) -> pd.DataFrame:
    """The observations the files must hold, from best_available and the catalogue."""
    with duckdb.connect(str(database), read_only=True) as con:
        frame = con.execute("""
            SELECT b.*, c.m49, k.multiplier FROM best_available AS b
            JOIN countries AS c USING (iso3) JOIN indicator_catalogue AS k USING (indicator)
            """).df()
    series = frame["indicator"].map(lambda i: SDG.get(i, (i, "_T")))
    expected = pd.DataFrame({
        "FREQ": "A", "SERIES": series.str[0], "REF_AREA": frame["m49"],
        "SEX": series.str[1], "TIME_PERIOD": frame["year"].astype(str),
        "OBS_VALUE": frame["value"], "UNIT_MEASURE": frame["multiplier"].map(UNITS),
        "UNIT_MULT": "0",
        **{concept: frame[column].fillna("").map(spreadsheet_safe_text)
           for concept, column in ATTRIBUTES.items()}})
    return expected.sort_values(list(KEY)).reset_index(drop=True)


def read_back(path: Path) -> pd.DataFrame:
    """An SDMX-CSV file as pysdmx reads it, without a structure (every cell as text)."""
    (dataset,) = get_datasets(path)
    assert dataset.short_urn == f"Dataflow={DATAFLOW}"
    frame = dataset.data.astype(str)
    # pysdmx types the cells with pandas before it turns them into text, so M49 028
    # comes back as 28: pad it back (the file itself has three digits, test below).
    frame["REF_AREA"] = frame["REF_AREA"].str.zfill(3)
    return frame.sort_values(list(KEY)).reset_index(drop=True)


def assert_same(read: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(read.columns) == [c.id for c in CONCEPTS]
    assert len(read) == len(expected) and not read.duplicated(list(KEY)).any()
    text = [c for c in read.columns if c != "OBS_VALUE"]
    pd.testing.assert_frame_equal(read[text], expected[text].astype(str))
    # Every value exactly: DuckDB writes the shortest text that reads back as the double.
    assert (read["OBS_VALUE"].astype(float) == expected["OBS_VALUE"]).all()


@pytest.mark.parametrize("version", sorted(SDMX_FILES))
def test_sdmx_csv_reads_back_as_the_database(demo_db: Path, version: int) -> None:
    path = demo_db.parent / SDMX_FILES[version]
    assert_same(read_back(path), expected_observations(demo_db))
    header = path.read_text(encoding="utf-8").split("\n", 1)[0]
    assert header.startswith("DATAFLOW," if version == 1 else "STRUCTURE,STRUCTURE_ID,ACTION,")


def test_ref_area_is_the_three_digit_m49_code(demo_db: Path) -> None:
    with duckdb.connect() as con:
        areas = {r[0] for r in con.execute(
            "SELECT DISTINCT REF_AREA FROM read_csv(?, all_varchar = true)",
            [str(demo_db.parent / SDMX_FILES[1])]).fetchall()}
    assert {"028", "032", "484", "840"} <= areas and all(len(a) == 3 for a in areas)


def test_the_series_mapping(demo_db: Path) -> None:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        mapped = {row[0]: row[1:] for row in series_map(con)}
        catalogue = {r[0] for r in con.execute("SELECT indicator FROM indicator_catalogue")
                     .fetchall()}
    assert set(mapped) == catalogue
    assert mapped["homicide_rate"] == ("VC_IHR_PSRC", "_T", "PER_100000_POP")
    assert mapped["homicide_rate_female"] == ("VC_IHR_PSRC", "F", "PER_100000_POP")
    assert mapped["unsentenced_share"] == ("VC_PRS_UNSNT", "_T", "PT")
    assert mapped["prison_rate"] == ("prison_rate", "_T", "PER_100000_POP")
    assert mapped["firearms_seized"][2] == "NUMBER"
    keys = [(series, sex) for series, sex, _ in mapped.values()]
    assert len(set(keys)) == len(keys)  # one indicator per SERIES and SEX


def test_a_unit_without_an_sdmx_code_stops_the_export() -> None:
    with duckdb.connect() as con:
        con.execute("CREATE TABLE indicator_catalogue AS SELECT 'homicides_per_million' "
                    "AS indicator, 1000000 AS multiplier")
        with pytest.raises(duckdb.Error, match=r"UNIT_MEASURE has no code.*per_million"):
            series_map(con)


@pytest.mark.realdata
def test_the_real_sdmx_csv_reads_back_with_published_values(real_db: Path) -> None:
    expected = expected_observations(real_db)
    assert {"computed", "published"} <= set(expected["METHOD"])
    for path in SDMX_FILES.values():
        assert_same(read_back(real_db.parent / path), expected)
