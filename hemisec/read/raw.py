"""A table as it stands in the user's file, before any column is matched to the schema."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hemisec.read.dialect import Dialect

if TYPE_CHECKING:
    import pandas as pd

#: More columns than this is no table of the package (the widest has a dozen): a header,
#: CSV row or sheet range beyond it is refused or cut, so a damaged file cannot exhaust
#: memory.
MAX_COLUMNS = 1_000


class UnreadableFile(Exception):
    """The file (or sheet) cannot be read as a table; `row` is where, when known."""

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.row = row


@dataclass
class RawTable:
    """Cells by position. `cells` has one column per position (0, 1, ...) and is indexed
    by the row number the user sees (header = 1); a cell is text, "" when empty, or None
    where the row has no cell at all (a short line of a CSV)."""

    header: list[str]
    #: None when the cells were read straight into the workspace's table `table`.
    cells: pd.DataFrame | None
    dialect: Dialect | None = None
    #: Workbooks: one row per formula cell (row, position, formula), whose cached value
    #: is what `cells` holds; None for delimited files.
    formulas: pd.DataFrame | None = None
    #: The template's prefilled cells, by position: a trailing row holding nothing else is
    #: an unused template row, not data.
    prefilled: dict[int, str] = field(default_factory=dict)
    #: The DuckDB table holding the file's rows (header first) in columns c0, c1...
    table: str | None = None


def frame_from_rows(rows: list[list[object]], first_row: int) -> pd.DataFrame:
    """Rows of cells (ragged allowed: a short row has None where it has no cell) as a
    positional frame indexed by row number."""
    import pandas as pd

    index = pd.RangeIndex(first_row, first_row + len(rows))
    if not rows:
        return pd.DataFrame(index=index, dtype="object")
    widths = set(map(len, rows))
    if len(widths) == 1:
        return pd.DataFrame(rows, index=index, dtype="object")
    columns = itertools.zip_longest(*rows)  # transposed, short rows padded with None
    return pd.DataFrame(dict(enumerate(columns)), index=index, dtype="object")
