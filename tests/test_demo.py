"""The synthetic demo: deterministic, complete, and what is committed in data/."""

from __future__ import annotations

from pathlib import Path

from hemisec import demo
from hemisec.package import DataPackage
from hemisec.paths import REPO_ROOT


def test_same_seed_writes_the_committed_files(tmp_path: Path, package: DataPackage) -> None:
    demo.write(tmp_path, package=package)
    for name in ("population", "homicide", "firearms", "prison"):
        assert (tmp_path / f"{name}.csv").read_bytes() == \
            (REPO_ROOT / "data" / f"{name}.csv").read_bytes(), \
            f"data/{name}.csv differs from the generator's output: run `make demo`"


def test_another_seed_gives_other_figures(package: DataPackage) -> None:
    a = demo.generate(seed=1, package=package)["homicide"]
    b = demo.generate(seed=2, package=package)["homicide"]
    assert not a["victims"].equals(b["victims"])


def test_covers_every_state_and_year(package: DataPackage) -> None:
    tables = demo.generate(package=package)
    for name in ("population", "homicide", "prison"):
        frame = tables[name]
        assert frame["iso3"].nunique() == 35, name
        assert sorted(frame["year"].unique()) == list(range(2000, 2024)), name
    codes = {n: set(tables["homicide"][n]) for n in ("iccs_code", "sex", "mechanism")}
    assert codes["iccs_code"] == {"0101", "0102", "0103"}
    assert codes["mechanism"] == {"_T", "firearm", "other_weapon", "without_weapon", "_U"}
    assert set(tables["firearms"]["action"]) == {"marked", "destroyed", "seized", "found",
                                                 "surrendered"}


def test_rates_are_plausible(package: DataPackage) -> None:
    tables = demo.generate(package=package)
    pop = tables["population"].query("sex == '_T'").set_index(["iso3", "year"])["population"]
    hom = (tables["homicide"].query("iccs_code == '0101' and sex == '_T' and mechanism == '_T'")
           .set_index(["iso3", "year"])["victims"])
    rate = hom / pop * 1e5
    assert rate.between(0, 150).all() and 5 < rate.median() < 40
