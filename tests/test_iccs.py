"""The ICCS reference table: hierarchy, coverage, and agreement with UNODC's own file."""

from __future__ import annotations

import pandas as pd
import pytest

from hemisec.package import DataPackage
from tests.conftest import REALDATA

LEVEL_OF_LENGTH = {2: 1, 4: 2, 5: 3, 6: 4}


@pytest.fixture(scope="module")
def iccs(package: DataPackage) -> pd.DataFrame:
    return package.reference_frames["iccs"]


def test_hierarchy(iccs: pd.DataFrame) -> None:
    codes = set(iccs["code"])
    assert iccs["code"].is_unique
    assert (iccs["code"].str.len().map(LEVEL_OF_LENGTH) == iccs["level"].astype(int)).all()
    children = iccs[iccs["level"].astype(int) > 1]
    assert children["parent_code"].isin(codes).all()
    assert all(c.startswith(p) for c, p in zip(children["code"], children["parent_code"],
                                                strict=True))
    parents = iccs.set_index("code")["level"].astype(int)
    assert (children["parent_code"].map(parents) == children["level"].astype(int) - 1).all()
    assert iccs.loc[iccs["level"] == "1", "parent_code"].isna().all()


def test_coverage(iccs: pd.DataFrame) -> None:
    levels = iccs["level"].astype(int)
    assert sorted(iccs.loc[levels == 1, "code"]) == [f"{i:02d}" for i in range(1, 12)]
    assert (levels == 2).sum() == 63
    deep = iccs[levels > 2]
    assert deep["code"].str.match("01|0901").all()
    assert {"0101", "0102", "0103", "090111", "090121"} <= set(iccs["code"])
    assert iccs.set_index("code").at["0101", "label_en"] == "Intentional homicide"


@pytest.mark.realdata
def test_codes_and_parents_agree_with_unodc_inegi_file(iccs: pd.DataFrame) -> None:
    """Every code of ours is in UNODC-INEGI's ICCS file, under the same parent; and every
    Level 1-2 code, and every Level 3-4 code under 01 and 0901, of theirs is in ours."""
    theirs = pd.read_csv(REALDATA / "iccs_codes_es_from_unodc_inegi_app.csv", dtype=str,
                         keep_default_na=False)
    theirs_parent = theirs.set_index("code")["parent_code"]
    ours = iccs.set_index("code")["parent_code"].fillna("")
    assert set(ours.index) <= set(theirs_parent.index)
    assert (theirs_parent.loc[ours.index] == ours).all()
    expected = theirs[(theirs["level"].astype(int) <= 2) | theirs["code"].str.match("01|0901")]
    assert set(expected["code"]) == set(ours.index)


def test_homicide_domain_codes_are_the_homicide_table_codes(iccs: pd.DataFrame,
                                                            package: DataPackage) -> None:
    """The ICCS codes marked as the homicide domain are the ones the homicide table takes."""
    marked = set(iccs.loc[iccs["package_domain"] == "homicide", "code"])
    assert marked == set(package.tables["homicide"].field("iccs_code").enum)
    assert set(iccs.loc[iccs["package_domain"] == "firearms", "code"]) == {"090111", "090121"}
