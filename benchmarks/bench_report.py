"""Time `hemisec report`: the whole site (35 country pages, the overview, the quality and
sources pages, every chart drawn) from the demo build, and from the real build when
`make real` has made one. Median of 3 runs, in-process; the target is under 30 s on the
2-core machine. Run: `.venv/bin/python benchmarks/bench_report.py [DATABASE ...]`.
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

from hemisec.build.database import build
from hemisec.paths import DEFAULT_DESCRIPTOR, REPO_ROOT
from hemisec.publish import charts
from hemisec.publish.site import write_site

RUNS = 3
REAL_BUILD = REPO_ROOT / "build" / "hemisec-real.duckdb"


def time_site(database: Path, language: str = "en") -> tuple[float, list[float], int, int]:
    """Median seconds, every run's seconds, pages written, charts drawn (one run)."""
    drawn = 0
    original = charts.Template.draw

    def counting(self: charts.Template, *args: object, **kwargs: object) -> str:
        nonlocal drawn
        drawn += 1
        return original(self, *args, **kwargs)

    seconds = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(RUNS):
            charts.Template.draw = counting if run == 0 else original
            start = time.perf_counter()
            pages = write_site(database, Path(tmp) / f"site{run}", language)
            seconds.append(time.perf_counter() - start)
        charts.Template.draw = original
        size = sum(p.stat().st_size for p in pages)
    print(f"  {len(pages)} pages, {drawn} charts, {size / 1e6:.1f} MB")
    return statistics.median(seconds), seconds, len(pages), drawn


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        databases = [(a, Path(a)) for a in argv]
        if not databases:
            demo = Path(tmp) / "hemisec.duckdb"
            build(DEFAULT_DESCRIPTOR, demo, console=Console(file=io.StringIO()))
            databases = [("the demo build", demo)]
            if REAL_BUILD.is_file():
                databases.append(("the real build (build/hemisec-real.duckdb)", REAL_BUILD))
        for label, database in databases:
            print(f"hemisec report on {label}:")
            median, runs, _, _ = time_site(database)
            print(f"  median of {RUNS}: {median:.1f} s "
                  f"(runs: {', '.join(f'{s:.1f}' for s in runs)}; target < 30 s)")


if __name__ == "__main__":
    main(sys.argv[1:])
