"""Time `hemisec build` on the demo package: a full build, step by step, and a no-op rebuild.

The package is small by nature (35 states, a few decades), so this measures the demo
itself: about 20,000 observation rows in, 9,000 indicator values out. Run: `make benchmark`.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console

from hemisec.build.database import build
from hemisec.paths import DEFAULT_DESCRIPTOR

RUNS = 3


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "hemisec.duckdb"
        full = []
        for run in range(RUNS):
            console = Console(record=True, width=120, file=io.StringIO())
            start = time.perf_counter()
            result = build(DEFAULT_DESCRIPTOR, out, force=True, console=console)
            full.append(time.perf_counter() - start)
            if run == RUNS - 1:
                steps = console.export_text()
        start = time.perf_counter()
        noop = build(DEFAULT_DESCRIPTOR, out, console=Console(file=io.StringIO()))
        noop_seconds = time.perf_counter() - start
        assert noop.up_to_date
        size = out.stat().st_size

    counts = result.row_counts
    print(f"demo build: {sum(counts.values()):,} rows in {len(counts)} tables, "
          f"{counts['indicators']:,} indicator values, database {size / 1e6:.1f} MB")
    print(f"full build (median of {RUNS}, in-process): {statistics.median(full):.2f} s")
    print("last run, step by step:\n" + steps.rstrip())
    print(f"no-op rebuild (fingerprint check, in-process): {noop_seconds:.2f} s")


if __name__ == "__main__":
    main()
