"""Time `hemisec validate` against `frictionless validate` on a large homicide table.

The table holds every key the homicide schema allows (35 states x 81 years x 3 ICCS codes
x 4 sexes x 5 mechanisms = 170,100 rows), written to a temporary folder with 1% of its
victim counts broken. The random counts also break most sums by sex and mechanism, so
hemisec reports well over 100,000 findings: a worst case for building the report.
Run: `make benchmark`.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from frictionless import Package

from hemisec.checks.validate import validate
from hemisec.package import DataPackage
from hemisec.paths import REPO_ROOT


def build(folder: Path, package: DataPackage) -> Path:
    countries = package.reference_frames["countries"]["iso3"]
    index = pd.MultiIndex.from_product(
        [countries, range(1950, 2031), ["0101", "0102", "0103"], ["_T", "M", "F", "_U"],
         ["_T", "firearm", "other_weapon", "without_weapon", "_U"]],
        names=["iso3", "year", "iccs_code", "sex", "mechanism"])
    rng = np.random.default_rng(0)
    frame = index.to_frame(index=False)
    frame["victims"] = rng.integers(0, 100, len(frame)).astype(str)
    broken = rng.random(len(frame)) < 0.01
    frame.loc[broken, "victims"] = "-1"
    frame["obs_status"] = "A"
    frame["source"] = "benchmark"
    frame["note"] = ""
    shutil.copy(REPO_ROOT / "datapackage.json", folder)
    shutil.copytree(REPO_ROOT / "schemas", folder / "schemas")
    shutil.copytree(REPO_ROOT / "data", folder / "data")
    frame.to_csv(folder / "data" / "homicide.csv", index=False)
    return folder / "data" / "homicide.csv"


def main() -> None:
    package = DataPackage.load()
    with tempfile.TemporaryDirectory() as tmp:
        path = build(Path(tmp), package)
        rows = sum(1 for _ in path.open()) - 1

        start = time.perf_counter()
        report = validate([path])
        ours = time.perf_counter() - start
        structural = report.findings[report.findings["check"] == "out-of-range"]

        resource = Package(str(Path(tmp) / "datapackage.json"),
                           basepath=tmp).get_resource("homicide")
        start = time.perf_counter()
        theirs_report = resource.validate(limit_errors=10**9)
        theirs = time.perf_counter() - start
        theirs_rows = {e.row_number for e in theirs_report.tasks[0].errors}

    print(f"homicide table: {rows:,} rows, {len(structural):,} injected out-of-range values")
    print(f"hemisec validate (all checks):   {ours:6.2f} s  "
          f"{report.errors:,} errors, {report.warnings:,} warnings")
    print(f"frictionless (structure + keys): {theirs:6.2f} s  {len(theirs_rows):,} rows flagged")


if __name__ == "__main__":
    main()
