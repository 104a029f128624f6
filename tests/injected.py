"""The demo tables with errors injected into a share of their cells, for tests that
compare two ways of checking the same files and for the benchmarks.

Every kind of cell a national office gets wrong is drawn from one menu, so each check
sees some of its cases: numbers with thousands separators or the other decimal mark,
empty required cells, negative counts, codes without their leading zero, unknown codes,
repeated rows, and counts changed enough to break sums and year-on-year rules.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hemisec.paths import REPO_ROOT

TABLES = ["population", "homicide", "firearms", "prison", "national_offences",
          "published_indicators", "iccs_correspondence"]

#: What may be written into any cell.
ANY_CELL = ["", " ", "n/a", "—", "=SUM(A1:A3)", "ñandú", "1 234", "\u00a0"]
#: What may be written into a number cell.
NUMBER_CELL = ["1.234", "1,234", "12,5", "-3", "+7", "0", "99999999", "1e3", "12.", " 42 ",
               "1_000", "123456789012345678901", "1'000", "7\u202f000"]
#: What may be written into a code cell.
CODE_CELL = ["101", "mex", "MEXX", "XXX", "_t", "Male", "9999"]


def corrupt(frame: pd.DataFrame, share: float, rng: np.random.Generator,
            number_columns: list[str]) -> pd.DataFrame:
    """`frame` (text) with `share` of its cells replaced, some rows repeated and some
    counts multiplied."""
    out = frame.copy()
    for column in out.columns:
        hit = rng.random(len(out)) < share
        menu = ANY_CELL + (NUMBER_CELL if column in number_columns else CODE_CELL)
        out.loc[hit, column] = rng.choice(menu, int(hit.sum()))
    for column in number_columns:  # large changes: parts, rates, year on year
        hit = rng.random(len(out)) < share
        numbers = pd.to_numeric(out.loc[hit, column], errors="coerce")
        numbers = numbers.where(numbers.abs() < 1e12)
        out.loc[hit, column] = (numbers * 7).round().astype("Int64").astype("string").fillna("")
    repeated = out.sample(frac=share, random_state=int(rng.integers(1 << 31)))
    dropped = out.sample(frac=share, random_state=int(rng.integers(1 << 31))).index
    return pd.concat([out.drop(index=dropped), repeated]).sort_index(kind="stable")


def write_injected(folder: Path, share: float = 0.02, seed: int = 0) -> Path:
    """A submission folder of every demo table with errors injected."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        path = REPO_ROOT / "data" / f"{name}.csv"
        if not path.exists():
            path = REPO_ROOT / "data" / "reference" / f"{name}.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        numbers = [c for c in ("population", "victims", "quantity", "value") if c in frame]
        corrupt(frame, share, rng, numbers).to_csv(folder / f"{name}.csv", index=False)
    return folder
