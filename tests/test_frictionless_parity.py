"""On structural problems, hemisec and frictionless flag the same rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from frictionless import Package

from hemisec.checks.validate import validate
from hemisec.findings import CHECKS
from hemisec.paths import REPO_ROOT

# line number (header = 1) -> (column, injected value); None: copy the line above (repeated key)
INJECTED: dict[int, tuple[str, str] | None] = {
    10: ("victims", "-3"),        # below minimum
    20: ("victims", "12.5"),      # not an integer
    30: ("year", "1890"),         # out of range
    40: ("iso3", "XYZ"),          # not in countries
    50: ("sex", "X"),             # not in the sex code list
    60: ("iccs_code", "0104"),    # in the ICCS but not allowed in this table
    70: ("source", ""),           # required
    80: None,                     # repeats the key of line 79
    90: ("obs_status", "Z"),      # not in the obs_status code list
    100: ("iso3", "mex"),         # pattern and code list
    110: ("victims", "abc"),      # not an integer
}


@pytest.fixture(scope="module")
def injected_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("package")
    shutil.copy(REPO_ROOT / "datapackage.json", root)
    shutil.copytree(REPO_ROOT / "schemas", root / "schemas")
    shutil.copytree(REPO_ROOT / "data", root / "data")
    path = root / "data" / "homicide.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    for line_number, change in INJECTED.items():
        if change is None:
            lines[line_number - 1] = lines[line_number - 2]
            continue
        column, value = change
        # The demo's only quoted field is `source`, which has a comma: split around it.
        before, _quoted, after = lines[line_number - 1].partition('"')
        quoted_source, _, rest = after.partition('"')
        cells = [*before.rstrip(",").split(","), f'"{quoted_source}"', *rest.lstrip(",").split(",")]
        cells[header.index(column)] = value
        lines[line_number - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_same_rows_as_frictionless(injected_package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Run from elsewhere: relative paths must resolve from the descriptor, not the cwd.
    monkeypatch.chdir(injected_package.parent)
    package = Package(str(injected_package / "datapackage.json"),
                      basepath=str(injected_package))
    report = package.validate()
    frictionless_rows = {
        error.row_number
        for task in report.tasks if task.name == "homicide"
        for error in task.errors if getattr(error, "row_number", None)
    }
    ours = validate([injected_package / "datapackage.json"]).findings
    structural = ours[(ours["resource"] == "homicide")
                      & ours["check"].map(lambda c: CHECKS[c].kind in ("file", "structure"))]
    assert set(structural["row"].astype(int)) == frictionless_rows == set(INJECTED)
    # Nothing else in the package is flagged by either.
    assert all(task.valid for task in report.tasks if task.name != "homicide")
