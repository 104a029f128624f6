"""Findings: what every check reports, and the registry of checks.

A finding is one problem in one place (file, row, column). Findings are rows of a
workspace table that the checks' queries write into, so that a table with a million
bad cells is reported without a Python loop over rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
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


def join_columns(frame: pd.DataFrame, separator: str) -> pd.Series:  # for the importers
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
                    batch: int | None = None, common: str = "") -> None:
        """Add the findings of several (check, query, order) of one table in one
        statement: DuckDB plans them together, and a small table costs one round trip.
        `common` names what the queries share (`name AS MATERIALIZED (...)`, computed
        once): planning a statement, not running it, is most of a small table's cost."""
        from hemisec.sql import quote_literal

        if not queries:
            return
        batch = self.new_batch() if batch is None else batch
        shared = f"WITH {common} " if common else ""
        selects = [
            f"SELECT {quote_literal(check.severity)} AS severity, {quote_literal(check.id)} "
            f"AS c, row, field, value, message, {order} AS ord, row_number() OVER () AS seq "
            f"FROM ({query})" for check, query, order in queries]
        self.con.execute(
            f"INSERT INTO {self.table} {shared}SELECT severity, c, {quote_literal(resource)}, "
            f"{quote_literal(file)}, row, field, value, message, {batch}, ord, seq "
            f"FROM ({' UNION ALL '.join(selects)})")

    def add_stored(self, table: str) -> None:
        """Add the findings of a workspace table already in report form (columns of
        FINDING_COLUMNS and `seq`): the file-level findings of a table as read."""
        columns = ", ".join(f'"{c}"' for c in FINDING_COLUMNS)
        self.con.execute(f"INSERT INTO {self.table} SELECT {columns}, {self.new_batch()}, 0, "
                         f"seq FROM {table}")
