"""Findings: what every check reports, and the registry of checks.

A finding is one problem in one place (file, row, column). Findings travel as a
pandas DataFrame so that a table with a million bad cells is reported without a
Python loop over rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pandas as pd

Severity = Literal["error", "warning"]

#: The columns of every findings frame, in the order of the JSON contract.
FINDING_COLUMNS = ["severity", "check", "resource", "file", "row", "field", "value", "message"]


#: Eurostat's ESS validation levels: what a check compares a figure with.
LEVELS = {
    0: "format and structure of the file",
    1: "within a table",
    2: "across the tables of the submission",
    3: "against the same provider's earlier data",
    4: "against other sources of the same domain",
    5: "against sources of other domains",
}


@dataclass(frozen=True)
class Check:
    """A check's stable identity: its id, its severity, its ESS validation level and how
    to fix what it finds. The title and fix are templates (their msgids); a threshold
    they name is a field filled in from `values`, so the thresholds table can change
    without changing what translators translated."""

    id: str
    severity: Severity
    kind: Literal["file", "structure", "consistency", "mapping", "plausibility", "revision"]
    title_template: str
    fix_template: str
    level: int
    values: tuple[tuple[str, str], ...] = ()

    @property
    def title(self) -> str:
        return self.title_in(lambda text: text)

    @property
    def fix(self) -> str:
        return self.fix_in(lambda text: text)

    def title_in(self, translate: Callable[[str], str]) -> str:
        return translate(self.title_template).format(**dict(self.values))

    def fix_in(self, translate: Callable[[str], str]) -> str:
        return translate(self.fix_template).format(**dict(self.values))


CHECKS: dict[str, Check] = {}


def register(id: str, severity: Severity, kind: str, title: str, fix: str, *,
             level: int, values: dict[str, str] | None = None) -> Check:
    """Declare a check once; its id is stable and appears in every report. `values` fill
    the fields of the title and fix (thresholds)."""
    if id in CHECKS:
        raise ValueError(f"check {id!r} is registered twice")
    if level not in LEVELS:
        raise ValueError(f"check {id!r}: level {level} is not an ESS validation level")
    check = Check(id, severity, kind, title, fix, level,  # type: ignore[arg-type]
                  tuple(sorted((values or {}).items())))
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


class FindingsTable:
    """The findings of one validation, as a workspace table the checks write into.

    Each check adds the failing cells a query returns, so nothing but findings leaves
    DuckDB; `batch` and `order` keep the order the report lists them in, and which
    finding is kept when one cell breaks one rule twice (an enum and a code list).
    """

    def __init__(self, con: object, table: str) -> None:
        self.con = con
        self.table = table
        self._batches = 0
        con.execute(f"CREATE TABLE {table} (severity VARCHAR, \"check\" VARCHAR, "
                    "resource VARCHAR, file VARCHAR, row BIGINT, field VARCHAR, "
                    "value VARCHAR, message VARCHAR, batch INTEGER, ord BIGINT, seq BIGINT)")

    def new_batch(self) -> int:
        self._batches += 1
        return self._batches

    def add_query(self, check: Check, resource: str, file: str, query: str,
                  batch: int | None = None, order: int = 0) -> None:
        """Add the rows of `query` (columns row, field, value, message) as findings of
        `check`; without a batch, the query is a batch of its own."""
        self.add_queries(resource, file, [(check, query, order)], batch)

    def add_queries(self, resource: str, file: str, queries: list[tuple[Check, str, int]],
                    batch: int | None = None) -> None:
        """Add the findings of several (check, query, order) of one table in one
        statement: DuckDB plans them together, and a small table costs one round trip."""
        from hemisec.sql import quote_literal

        if not queries:
            return
        batch = self.new_batch() if batch is None else batch
        selects = [
            f"SELECT {quote_literal(check.severity)} AS severity, {quote_literal(check.id)} "
            f"AS c, row, field, value, message, {order} AS ord, row_number() OVER () AS seq "
            f"FROM ({query})" for check, query, order in queries]
        self.con.execute(
            f"INSERT INTO {self.table} SELECT severity, c, {quote_literal(resource)}, "
            f"{quote_literal(file)}, row, field, value, message, {batch}, ord, seq "
            f"FROM ({' UNION ALL '.join(selects)})")

    def add_frame(self, frame: pd.DataFrame) -> None:
        """Add findings built in pandas (the file-level ones, a few per file)."""
        if frame.empty:
            return
        batch = self.new_batch()
        rows = frame[FINDING_COLUMNS].astype("object").where(frame.notna(), None)
        rows = rows.assign(batch=batch, ord=0, seq=range(len(rows)))
        self.con.register("hemisec_findings", rows)
        try:
            self.con.execute(f"INSERT INTO {self.table} SELECT severity, \"check\", resource, "
                             "file, CAST(row AS BIGINT), CAST(field AS VARCHAR), "
                             "CAST(value AS VARCHAR), CAST(message AS VARCHAR), batch, ord, seq "
                             "FROM hemisec_findings")
        finally:
            self.con.unregister("hemisec_findings")
