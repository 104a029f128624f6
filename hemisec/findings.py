"""Findings: what every check reports, and the registry of checks.

A finding is one problem in one place (file, row, column). Findings travel as a
pandas DataFrame so that a table with a million bad cells is reported without a
Python loop over rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

Severity = Literal["error", "warning"]

#: The columns of every findings frame, in the order of the JSON contract.
FINDING_COLUMNS = ["severity", "check", "resource", "file", "row", "field", "value", "message"]


@dataclass(frozen=True)
class Check:
    """A check's stable identity: its id, its severity and how to fix what it finds."""

    id: str
    severity: Severity
    kind: Literal["file", "structure", "consistency", "mapping", "plausibility"]
    title: str
    fix: str


CHECKS: dict[str, Check] = {}


def register(id: str, severity: Severity, kind: str, title: str, fix: str) -> Check:
    """Declare a check once; its id is stable and appears in every report."""
    if id in CHECKS:
        raise ValueError(f"check {id!r} is registered twice")
    check = Check(id, severity, kind, title, fix)  # type: ignore[arg-type]
    CHECKS[id] = check
    return check


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in FINDING_COLUMNS})


def make_findings(
    check: Check,
    *,
    resource: str,
    file: str,
    row: pd.Series | int | None = None,
    field: pd.Series | str | None = None,
    value: pd.Series | str | None = None,
    message: pd.Series | str,
) -> pd.DataFrame:
    """Build a findings frame for one check from scalars or aligned Series."""
    lengths = [len(x) for x in (row, field, value, message) if isinstance(x, pd.Series)]
    n = lengths[0] if lengths else 1
    if n == 0:
        return empty_findings()

    def column(x: object) -> list[object]:
        if isinstance(x, pd.Series):
            return x.astype("object").where(x.notna(), None).tolist()
        return [x] * n

    frame = pd.DataFrame({
        "severity": check.severity,
        "check": check.id,
        "resource": resource,
        "file": file,
        "row": column(row),
        "field": column(field),
        "value": column(value),
        "message": column(message),
    })
    frame["row"] = frame["row"].astype("Int64")
    return frame


def concat_findings(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_findings()
    out = pd.concat(frames, ignore_index=True)
    out["row"] = out["row"].astype("Int64")
    return out


def join_columns(frame: pd.DataFrame, separator: str) -> pd.Series:
    """Each row's cells as one text, column by column (never a loop over rows)."""
    columns = [frame[c].astype("string").fillna("") for c in frame.columns]
    joined = columns[0]
    for column in columns[1:]:
        joined = joined + separator + column
    return joined
