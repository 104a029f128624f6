"""Documentation generated from the schemas, the code lists and the check registry.

The README's sections on tables, code lists and checks sit between marker comments
and are rewritten from the package, so they cannot drift from it.
"""

from __future__ import annotations

import re
from pathlib import Path

# Importing the check modules registers their checks.
from hemisec import consistency, plausibility, structural, tables  # noqa: F401
from hemisec.findings import CHECKS
from hemisec.package import DataPackage


def _cell(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def tables_markdown(package: DataPackage) -> str:
    out = []
    for name in package.observation_tables + package.reference_tables:
        spec = package.tables[name]
        if spec.is_code_list:
            continue
        out.append(f"### `{name}`: {spec.title}\n")
        out.append(f"{spec.description}  ")
        out.append(f"File `{spec.path.relative_to(package.root)}`, schema `{spec.schema_path}`; "
                   f"primary key ({', '.join(spec.primary_key)}).\n")
        out.append("| column | type | required | constraints | unit | description |")
        out.append("|---|---|---|---|---|---|")
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
            constraints += [f"code in `{fk.resource or name}`" for fk in spec.foreign_keys
                            if fk.field == f.name]
            out.append(f"| `{f.name}` | {f.type} | {'yes' if f.required else 'no'} | "
                       f"{_cell('; '.join(constraints))} | {_cell(f.unit or '')} | "
                       f"{_cell(f.description)} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def codelists_markdown(package: DataPackage) -> str:
    out = []
    for name in package.reference_tables:
        spec = package.tables[name]
        if not spec.is_code_list:
            continue
        frame = package.reference_frames[name]
        extra = spec.field_names[3:]
        out.append(f"#### `{name}`: {spec.description}\n")
        out += [f"{spec.field(f).title}: {spec.field(f).description}\n" for f in extra]
        out.append("| " + " | ".join(spec.field_names) + " |")
        out.append("|---" * len(spec.field_names) + "|")
        out += [f"| `{code}` | " + " | ".join(_cell(v) for v in rest) + " |"
                for code, *rest in frame[spec.field_names].itertuples(index=False)]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def checks_markdown() -> str:
    out = ["| check | severity | kind | what it finds | what to do |", "|---|---|---|---|---|"]
    kinds = ["file", "structure", "consistency", "plausibility"]
    for check in sorted(CHECKS.values(), key=lambda c: (kinds.index(c.kind), c.id)):
        out.append(f"| `{check.id}` | {check.severity} | {check.kind} | {_cell(check.title)} | "
                   f"{_cell(check.fix)} |")
    return "\n".join(out) + "\n"


def generated_sections(package: DataPackage | None = None) -> dict[str, str]:
    package = package or DataPackage.load()
    return {"tables": tables_markdown(package), "codelists": codelists_markdown(package),
            "checks": checks_markdown()}


def update_readme(readme: Path, write: bool = True) -> bool:
    """Rewrite the generated sections of `readme`; return whether anything changed."""
    text = readme.read_text(encoding="utf-8")
    new = text
    for name, body in generated_sections().items():
        pattern = re.compile(
            rf"(<!-- BEGIN GENERATED {name} .*?-->\n).*?(<!-- END GENERATED {name} -->)",
            re.DOTALL)
        if not pattern.search(new):
            raise ValueError(f"{readme}: no marker for the generated section '{name}'")
        new = pattern.sub(lambda m, b=body: m.group(1) + "\n" + b + "\n" + m.group(2), new)
    if write and new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text
