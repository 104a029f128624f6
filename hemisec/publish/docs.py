"""Documentation generated from the schemas, the code lists and the check registry.

The README's sections on tables, code lists, checks, indicators and the database sit
between marker comments and are rewritten from the package, so they cannot drift from
it; the example queries' output is rewritten from a built database, and the performance
table from what `make benchmark` last measured.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd

# Importing the check modules registers their checks.
from hemisec.checks import (  # noqa: F401  (every check registers itself on import)
    consistency,
    indicators,
    mapping,
    plausibility,
    revisions,
    structural,
)
from hemisec.findings import CHECKS, LEVELS
from hemisec.package import DataPackage, TableSpec
from hemisec.paths import REPO_ROOT
from hemisec.read import tables  # noqa: F401

#: Example queries for researchers, shown in the README with their output on the demo.
EXAMPLES = REPO_ROOT / "examples"
#: What `make benchmark` measured last, shown in the README.
BENCHMARK_RESULTS = REPO_ROOT / "benchmarks" / "results.json"


def _cell(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def _table_markdown(spec: TableSpec, where: str) -> list[str]:
    out = [f"### `{spec.name}`: {spec.title}\n", f"{spec.description}  ",
           f"{where}, schema `{spec.schema_path}`"
           + (f"; primary key ({', '.join(spec.primary_key)})." if spec.primary_key else ".")
           + "\n",
           "| column | type | required | constraints | unit | description |",
           "|---|---|---|---|---|---|"]
    for f in spec.fields:
        constraints = []
        if f.minimum is not None:
            constraints.append(f">= {f.minimum:g}")
        if f.maximum is not None:
            constraints.append(f"<= {f.maximum:g}")
        if f.pattern:
            constraints.append(f"pattern `{f.pattern}`")
        if f.enum:
            constraints.append("one of " + ", ".join(f"`{e}`" for e in f.enum))
        if f.unique:
            constraints.append("unique")
        constraints += [f"code in `{fk.resource or spec.name}`" for fk in spec.foreign_keys
                        if fk.field == f.name]
        constraints += [f"with {', '.join(k for k in fk.fields if k != f.name)}, a row of "
                        f"`{fk.resource}`" for fk in spec.foreign_keys
                        if fk.field is None and f.name in fk.fields]
        out.append(f"| `{f.name}` | {f.type} | {'yes' if f.required else 'no'} | "
                   f"{_cell('; '.join(constraints))} | {_cell(f.unit or '')} | "
                   f"{_cell(f.description)} |")
    out.append("")
    return out


def tables_markdown(package: DataPackage) -> str:
    out = []
    for name in package.observation_tables + package.reference_tables:
        spec = package.tables[name]
        if not spec.is_code_list:
            out += _table_markdown(spec, f"File `{spec.path.relative_to(package.root)}`")
    return "\n".join(out).rstrip() + "\n"


def build_tables_markdown(package: DataPackage) -> str:
    """The derived tables of the database, from schemas/build."""
    out = []
    for spec in package.build_tables.values():
        out += _table_markdown(spec, "Table in the database")
    return "\n".join(out).rstrip() + "\n"


def indicators_markdown(package: DataPackage) -> str:
    """The indicator catalogue as a table a reader can scan."""
    catalogue = package.reference_frames["indicator_catalogue"]
    out = ["| indicator | unit | computed as | ICCS | definition | when not computed |",
           "|---|---|---|---|---|---|"]
    for row in catalogue.itertuples(index=False):
        computed = (f"`{row.numerator}`" if pd.isna(row.denominator) else
                    f"`{row.numerator}` / `{row.denominator}` x {int(row.multiplier):,}")
        iccs = "" if pd.isna(row.iccs_code) else row.iccs_code
        out.append(f"| `{row.indicator}` | {_cell(row.unit)} | {computed} | {iccs} | "
                   f"{_cell(row.definition)} | {_cell(row.when_not_computed)} |")
    return "\n".join(out) + "\n"


def examples_markdown(database: Path) -> str:
    """Each query in examples/ with its output on the given database."""
    out = []
    with duckdb.connect(str(database), read_only=True) as con:
        for path in sorted(EXAMPLES.glob("*.sql")):
            lines = path.read_text(encoding="utf-8").strip().splitlines()
            comment = [line.removeprefix("--").strip() for line in lines
                       if line.startswith("--")]
            query = "\n".join(line for line in lines if not line.startswith("--"))
            result = con.execute(query)
            columns = [d[0] for d in result.description]
            out += [f"**{' '.join(comment)}** (`examples/{path.name}`)\n", "```sql", query,
                    "```\n",
                    "| " + " | ".join(columns) + " |", "|---" * len(columns) + "|"]
            out += ["| " + " | ".join(_cell("" if v is None else v) for v in row) + " |"
                    for row in result.fetchall()]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def codelists_markdown(package: DataPackage) -> str:
    out = []
    said: set[str] = set()
    for name in package.reference_tables:
        spec = package.tables[name]
        if not spec.is_code_list:
            continue
        frame = package.reference_frames[name]
        extra = spec.field_names[3:]
        out.append(f"#### `{name}`: {spec.description}\n")
        # A column's description is given once, where it is first met (the labels in
        # Spanish, French and Portuguese are described alike in every code list).
        for f in extra:
            description = spec.field(f).description
            if description not in said:
                out.append(f"{spec.field(f).title}: {description}\n")
                said.add(description)
        out.append("| " + " | ".join(spec.field_names) + " |")
        out.append("|---" * len(spec.field_names) + "|")
        out += [f"| `{code}` | " + " | ".join(_cell(v) for v in rest) + " |"
                for code, *rest in frame[spec.field_names].itertuples(index=False)]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def checks_markdown() -> str:
    out = ["| level | check | severity | kind | what it finds | what to do |",
           "|---|---|---|---|---|---|"]
    kinds = ["file", "structure", "consistency", "mapping", "plausibility", "revision"]
    for check in sorted(CHECKS.values(), key=lambda c: (c.level, kinds.index(c.kind), c.id)):
        out.append(f"| {check.level} | `{check.id}` | {check.severity} | {check.kind} | "
                   f"{_cell(check.title)} | {_cell(check.fix)} |")
    out += ["", "ESS validation levels: " + "; ".join(
        f"{level} {meaning}" for level, meaning in LEVELS.items()) + "."]
    return "\n".join(out) + "\n"


def benchmark_markdown(results: Path = BENCHMARK_RESULTS) -> str:
    """The README's performance table, from what `make benchmark` measured last."""
    if not results.is_file():
        return "_`make benchmark` has not been run: no benchmarks/results.json._\n"
    data = json.loads(results.read_text(encoding="utf-8"))
    out = ["| rows | bad cells | file | hemisec CPU (wall, peak RSS) | DuckDB scan CPU | "
           "hemisec / scan | hemisec's reading alone / scan | frictionless CPU (peak RSS) | "
           "frictionless / hemisec |",
           "|---|---|---|---|---|---|---|---|---|"]
    for run in data["validation"]:
        ours, scan = run["hemisec"], run["duckdb_scan"]
        theirs = run.get("frictionless")
        friction = (f"{theirs['cpu_s']:.1f} s ({theirs['rss_mib']:,.0f} MiB)" if theirs
                    else "not run")
        ratio = f"{run['frictionless_vs_hemisec_cpu']:.1f}x" if theirs else ""
        read = (f"{run['read_vs_scan_cpu']:.1f}x ({run['hemisec_read']['cpu_s']:.2f} s)"
                if "hemisec_read" in run else "not run")
        out.append(
            f"| {run['rows']:,} | {run['bad_share']:.0%} | {run['megabytes']:.0f} MB | "
            f"{ours['cpu_s']:.1f} s ({ours['wall_s']:.1f} s, {ours['rss_mib']:,.0f} MiB) | "
            f"{scan['cpu_s']:.2f} s | {run['hemisec_vs_scan_cpu']:.1f}x | {read} | "
            f"{friction} | {ratio} |")
    out += [
        "",
        f"* `hemisec --help`: {data['help_wall_s']:.2f} s wall; one country's submission "
        f"({data['one_country_rows']:,} rows in three tables): "
        f"{data['one_country_wall_s']:.2f} s wall, of which importing hemisec's "
        "validation modules (DuckDB; pandas is not imported) takes "
        f"{data['imports_top_level_ms']:,.0f} ms (`python -X importtime`).",
        *(f"* Build of the clean {run['rows']:,}-row submission (`hemisec build --data`): "
          f"{run['build']['wall_s']:.1f} s wall, {run['build']['cpu_s']:.1f} s CPU, "
          f"{run['build']['rss_mib']:,.0f} MiB peak, a {run['build']['database_mb']:,.0f} MB "
          "database." for run in data["validation"] if "build" in run),
        f"* Demo build from the shell: {data['demo_build_wall_s']:.1f} s wall "
        f"({data['demo_build_rss_mib']:,.0f} MiB peak); no-op rebuild: "
        f"{data['noop_wall_s']:.2f} s.",
        f"* Measured on {data['machine']} in one run of {data['seconds'] / 60:.0f} minutes "
        "(`make benchmark`, written to `benchmarks/results.json`).",
    ]
    return "\n".join(out) + "\n"


def generated_sections(package: DataPackage | None = None,
                       database: Path | None = None) -> dict[str, str]:
    """Every generated section; the examples only when a built database is given."""
    package = package or DataPackage.load()
    sections = {"tables": tables_markdown(package), "codelists": codelists_markdown(package),
                "checks": checks_markdown(), "indicators": indicators_markdown(package),
                "database": build_tables_markdown(package),
                "benchmark": benchmark_markdown()}
    if database is not None:
        sections["examples"] = examples_markdown(database)
    return sections


def update_readme(readme: Path, write: bool = True, database: Path | None = None) -> bool:
    """Rewrite the generated sections of `readme`; return whether anything changed."""
    text = readme.read_text(encoding="utf-8")
    new = text
    for name, body in generated_sections(database=database).items():
        pattern = re.compile(
            rf"(<!-- BEGIN GENERATED {name} .*?-->\n).*?(<!-- END GENERATED {name} -->)",
            re.DOTALL)
        if not pattern.search(new):
            raise ValueError(f"{readme}: no marker for the generated section '{name}'")
        new = pattern.sub(lambda m, b=body: m.group(1) + "\n" + b + "\n" + m.group(2), new)
    if write and new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text
