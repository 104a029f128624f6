"""The ICCS in Spanish (UNODC-INEGI Centre of Excellence app) -> iccs with Spanish labels."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from hemisec.importers import ImportResult, finish, source
from hemisec.package import DataPackage

#: The package keeps Levels 3-4 only under these codes (see the iccs table's description).
DEEP_LEVELS_UNDER = ("01", "0901")


def _read(path: Path) -> pd.DataFrame:
    """The app's crimes.es.json as published, or our flat CSV of it."""
    if path.suffix.lower() == ".json":
        items = json.loads(path.read_text(encoding="utf-8"))
        return pd.DataFrame({"code": [i["id"] for i in items],
                             "parent_code": [i.get("parentId") or "" for i in items],
                             "title_es": [i["title"] for i in items]})
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@source("iccs-es", "ICCS in Spanish, UNODC-INEGI app (crimes.es.json or its flat CSV) -> "
                   "iccs with label_es")
def read(path: Path, package: DataPackage) -> ImportResult:
    theirs = _read(path)
    ours = package.reference_frames["iccs"].fillna("")
    title = theirs["title_es"].str.strip().str.removesuffix(".").str.strip()
    cleaned = int((title != theirs["title_es"]).sum())
    labels = pd.Series(title.to_numpy(), index=theirs["code"])
    merged = ours.merge(theirs.rename(columns={"parent_code": "parent_theirs"}),
                        on="code", how="outer", indicator=True)
    only_ours = merged["_merge"] == "left_only"
    only_theirs = merged["_merge"] == "right_only"
    expected_absent = only_theirs & ~merged["code"].str.startswith(DEEP_LEVELS_UNDER) & (
        merged["code"].str.len() > 4)
    parent_differs = (merged["_merge"] == "both") & (merged["parent_code"]
                                                     != merged["parent_theirs"])
    reasons = pd.Series("", index=merged.index)
    reasons[only_ours] = "in the package's ICCS table, not in the Spanish file"
    reasons[only_theirs & ~expected_absent] = ("in the Spanish file, not in the package's ICCS "
                                               "table, although the package keeps its level")
    reasons[expected_absent] = ("in the Spanish file only: the package keeps Levels 3-4 under "
                                "01 and 0901 only")
    reasons[parent_differs] = ("parent differs: the package says " + merged["parent_code"]
                               + ", the Spanish file says " + merged["parent_theirs"])
    # The file's own parents against the hierarchy its codes spell (01 > 0101 > 01011 ...).
    spelled = theirs["code"].str[:-2].where(theirs["code"].str.len() <= 4,
                                             theirs["code"].str[:-1])
    spelled = spelled.where(theirs["code"].str.len() > 2, "")
    inconsistent = theirs[spelled != theirs["parent_code"]]
    merged = pd.concat([merged, pd.DataFrame({"code": inconsistent["code"],
                                              "title_es": inconsistent["title_es"]})],
                       ignore_index=True)
    reasons = pd.concat([reasons, pd.Series(
        ("the Spanish file gives parent '" + inconsistent["parent_code"] + "' but the code "
         "implies '" + spelled[inconsistent.index] + "'").to_numpy())], ignore_index=True)
    listed = merged[reasons != ""]
    report = pd.DataFrame({
        "source": "iccs-es", "file": path.name, "line": pd.NA, "key": listed["code"],
        "value": listed["title_es"].fillna(""), "reason": reasons[reasons != ""]})
    iccs = ours.assign(label_es=ours["code"].map(labels).fillna(""))
    return ImportResult(
        "iccs-es", {"iccs": finish(iccs, "iccs", package)}, report,
        [f"{cleaned} Spanish titles had stray spaces or a final period, removed in label_es"],
        edition="ICCS version 1.0 (2015), Spanish, UNODC-INEGI app data")
