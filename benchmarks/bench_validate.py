"""Validation at scale, side by side: hemisec, frictionless and a bare DuckDB scan.

Police records by offence category are the package's largest submissions, so the table
is `national_offences`: every OAS member state, every year the schema allows
(1950-2030) and as many national categories as the row count needs, each mapped in a
generated `iccs_correspondence`, so the clean table has no finding. The bad variant
breaks 1% of the count cells (negative counts, thousands separators, decimals, text).

Each tool runs as a separate process on the same file, in the same run, timed by
`/usr/bin/time` (CPU = user + system, wall, peak RSS). hemisec, hemisec reading the file
alone (its reader, no check) and the DuckDB scan run in turn, five times at 1M rows and
three at 5M (median); frictionless once at 1M rows and not at 5M (about 50 s a million
rows, which the ratio does not need repeated). The clean submission is also built once
(`hemisec build --data`: validation, load, the ICCS roll-up, exports and the database).
Figures go to benchmarks/results.json, which `hemisec docs` turns into the README's
table. Run: `make benchmark` (BENCH_ROWS=200000 for a quick look).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from hemisec.paths import REPO_ROOT

RESULTS = Path(__file__).with_name("results.json")
BIN = Path(sys.executable).parent
COUNTRY_YEARS = 35 * 81
BAD_CELLS = ["-1", "1.234", "12,5", "n/a", "1 000", "abc"]


def write_package(folder: Path, rows: int, bad_share: float) -> Path:
    """A copy of the package whose national_offences has `rows` rows (DuckDB writes them:
    Python would take longer than the validation it times), and a country's submission
    folder of the two files: its offence counts and their mapping. Returns the folder."""
    shutil.copy(REPO_ROOT / "datapackage.json", folder)
    shutil.copytree(REPO_ROOT / "schemas", folder / "schemas")
    shutil.copytree(REPO_ROOT / "data", folder / "data")
    codes = -(-rows // COUNTRY_YEARS)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    countries = str(REPO_ROOT / "data" / "reference" / "countries.csv")
    con.execute(f"""CREATE TABLE codes AS
        SELECT c.iso3, 'N' || lpad(CAST(n AS VARCHAR), 5, '0') AS national_code, n
        FROM read_csv('{countries}', all_varchar = true) c, range({codes}) t(n)""")
    con.execute(f"""COPY (SELECT iso3, national_code, 'Category ' || n AS national_label,
                                 '0101' AS iccs_code, 'full' AS match,
                                 'benchmark' AS source, '' AS note FROM codes
                          ORDER BY iso3, n)
                    TO '{folder / "data" / "reference" / "iccs_correspondence.csv"}'
                    (HEADER)""")
    bad = ", ".join(f"'{b}'" for b in BAD_CELLS)
    con.execute(f"""COPY (
        SELECT iso3, year, national_code, national_label, counting_unit,
               CASE WHEN random() < {bad_share}
                    THEN list_extract([{bad}], 1 + CAST(floor(random() * {len(BAD_CELLS)})
                                                         AS INTEGER))
                    ELSE CAST(100 + (hash(iso3, year, national_code) % 50) AS VARCHAR)
               END AS value,
               '' AS obs_status, 'benchmark (synthetic)' AS source, '' AS note
        FROM (SELECT c.iso3, y.year, c.national_code, 'Category ' || c.n AS national_label,
                     'offences' AS counting_unit
              FROM codes c, range(1950, 2031) y(year))
        ORDER BY iso3, national_code, year LIMIT {rows})
        TO '{folder / "data" / "national_offences.csv"}' (HEADER)""")
    submission = folder / "submission"
    submission.mkdir()
    for name in ("national_offences.csv", "reference/iccs_correspondence.csv"):
        (submission / Path(name).name).symlink_to(folder / "data" / name)
    return submission


#: Commands run as an installed hemisec runs, its bytecode kept after the first run,
#: whatever this shell's PYTHONDONTWRITEBYTECODE says (pip compiles a wheel's on install).
BYTECODE_KEPT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """CPU, wall and peak RSS of one process, from GNU time."""
    env = env or BYTECODE_KEPT
    report = Path(tempfile.mktemp(suffix=".time"))
    subprocess.run(["/usr/bin/time", "-o", str(report), "-f", "%e %U %S %M", *command],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    wall, user, system, rss = report.read_text().split()[-4:]
    report.unlink()
    return {"wall_s": float(wall), "cpu_s": float(user) + float(system),
            "rss_mib": int(rss) / 1024}


def median_of(runs: int, command: list[str]) -> dict[str, float]:
    return medians_of(runs, {"command": command})["command"]


def medians_of(runs: int, commands: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """The median figures of each command, run in turn (one run of each, `runs` times):
    a ratio between them is measured under the same load, which on a shared machine
    drifts by a third within minutes."""
    measured: dict[str, list[dict[str, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            measured[name].append(timed(command))
    return {name: {key: statistics.median(m[key] for m in runs_of)
                   for key in runs_of[0]} for name, runs_of in measured.items()}


def scan_command(path: Path) -> list[str]:
    return [sys.executable, "-c", "import duckdb, sys; duckdb.sql(\"SELECT count(*) FROM "
            "read_csv(?, all_varchar = true)\", params=[sys.argv[1]]).fetchall()",
            str(path)]


#: hemisec reading the table into its workspace as `validate` does (the same reader and
#: typing, the same process start) and checking nothing: what the reading design costs
#: before the first check, beside the bare scan.
READ_ALONE = """import sys
from pathlib import Path
from hemisec.package import DataPackage
from hemisec.read.sources import TableSource
from hemisec.read.tables import load_table
table = load_table(TableSource("national_offences", Path(sys.argv[1])),
                   DataPackage.load().tables["national_offences"])
if table.rows != int(sys.argv[2]):
    sys.exit(f"read {table.rows} rows, not {sys.argv[2]}")
"""


def read_command(path: Path, rows: int) -> list[str]:
    return [sys.executable, "-c", READ_ALONE, str(path), str(rows)]


def measure(rows: int, bad_share: float, frictionless_runs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        submission = write_package(folder, rows, bad_share)
        path = folder / "data" / "national_offences.csv"
        # Once untimed: it must read every row (a reader that stopped early would look fast).
        subprocess.run(read_command(path, rows), check=True, env=BYTECODE_KEPT)
        # The machine's speed drifts by a third within minutes: five runs in turn where
        # they take seconds, three at 5 million rows.
        runs = 5 if rows <= 1_000_000 else 3
        medians = medians_of(runs, {
            "hemisec": [str(BIN / "hemisec"), "validate", str(submission), "--format", "json"],
            "read": read_command(path, rows), "scan": scan_command(path)})
        hemisec, read, scan = medians["hemisec"], medians["read"], medians["scan"]
        result: dict[str, object] = {
            "rows": rows, "bad_share": bad_share, "megabytes": path.stat().st_size / 1e6,
            "hemisec": hemisec, "hemisec_read": read, "duckdb_scan": scan,
            "hemisec_vs_scan_cpu": hemisec["cpu_s"] / scan["cpu_s"],
            "read_vs_scan_cpu": read["cpu_s"] / scan["cpu_s"]}
        if not bad_share:  # the build of the clean submission: load, transforms, exports
            database = folder / "build" / "hemisec.duckdb"
            result["build"] = {**timed([str(BIN / "hemisec"), "build", "--data", str(submission),
                                        "--out", str(database)]),
                               "database_mb": database.stat().st_size / 1e6}
        if frictionless_runs:
            theirs = median_of(frictionless_runs, [
                str(BIN / "frictionless"), "validate", "--json", "--limit-errors", "100000000",
                str(folder / "datapackage.json"), "--resource-name", "national_offences"])
            result["frictionless"] = theirs
            result["frictionless_vs_hemisec_cpu"] = theirs["cpu_s"] / hemisec["cpu_s"]
    print(json.dumps(result), flush=True)
    return result


def start_up() -> dict[str, float]:
    """`hemisec --help`, and one country's submission (Colombia's demo rows)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in ("homicide", "prison", "population"):
            lines = (REPO_ROOT / "data" / f"{name}.csv").read_text(encoding="utf-8").splitlines()
            kept = [lines[0], *(line for line in lines[1:] if line.startswith("COL,"))]
            (folder / f"{name}.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
        rows = sum(len(p.read_text().splitlines()) - 1 for p in folder.glob("*.csv"))
        hemisec = str(BIN / "hemisec")
        one = median_of(3, [hemisec, "validate", str(folder)])
        imports = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "hemisec", "validate", str(folder)],
            capture_output=True, text=True, check=False).stderr
    # The cumulative import time of hemisec's own entry point: what start-up costs.
    heavy = sorted(((int(line.split("|")[1]), line.split("|")[2].strip())
                    for line in imports.splitlines()
                    if line.startswith("import time:") and "|" in line
                    and line.split("|")[1].strip().isdigit()), reverse=True)
    top = [name for _, name in heavy if not name.startswith(" ")][:1]
    return {"help_wall_s": median_of(3, [hemisec, "--help"])["wall_s"],
            "one_country_rows": rows, "one_country_wall_s": one["wall_s"],
            "one_country_cpu_s": one["cpu_s"],
            "imports_top_level_ms": heavy[0][0] / 1000 if heavy else 0.0,
            "imports_top_level": top[0] if top else ""}


def build_times() -> dict[str, float]:
    """The demo build from the shell, and the no-op rebuild."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "hemisec.duckdb"
        command = [str(BIN / "hemisec"), "build", "--out", str(out)]
        full = median_of(3, [*command, "--force"])
        noop = median_of(3, command)
    return {"demo_build_wall_s": full["wall_s"], "demo_build_rss_mib": full["rss_mib"],
            "noop_wall_s": noop["wall_s"]}


def main() -> None:
    sizes = [int(os.environ["BENCH_ROWS"])] if "BENCH_ROWS" in os.environ else [
        1_000_000, 5_000_000]
    started = time.perf_counter()
    results = {"machine": f"{os.cpu_count()} cores", "validation": [], **start_up(),
               **build_times()}
    print(json.dumps({k: v for k, v in results.items() if k != "validation"}), flush=True)
    for rows in sizes:
        for bad in (0.0, 0.01):
            friction = 1 if rows <= 1_000_000 else 0
            results["validation"].append(measure(rows, bad, friction))
    results["seconds"] = time.perf_counter() - started
    if "BENCH_ROWS" not in os.environ:
        RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
