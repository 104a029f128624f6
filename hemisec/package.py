"""Load the Data Package: tables, their Table Schemas and reference code lists.

Everything the checks, the build and the documentation know about a field comes
from here, read from `datapackage.json` and the schemas in `schemas/` (checked with
frictionless by `make validate` and the tests). Nothing about a field is typed twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from hemisec.paths import BUILD_SCHEMAS, DEFAULT_DESCRIPTOR

#: The text every synthetic demo row carries in its `source` column.
SYNTHETIC_MARKER = "SYNTHETIC DEMO"
#: The folder of the package's reference tables (code lists, catalogue, thresholds).
REFERENCE_FOLDER = "reference"


@dataclass(frozen=True)
class FieldSpec:
    """One column of a table, as its Table Schema defines it."""

    name: str
    type: str
    title: str
    description: str
    unit: str | None
    required: bool
    unique: bool = False
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    enum: tuple[str, ...] | None = None
    min_length: int | None = None
    example: Any = None


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key of one field (a code list) or of several (a row of another table)."""

    fields: tuple[str, ...]
    resource: str  # "" means the table itself (a hierarchy)
    reference_fields: tuple[str, ...]

    @property
    def field(self) -> str | None:
        """The one field of a single-field key; None for a composite key."""
        return self.fields[0] if len(self.fields) == 1 else None

    @property
    def reference_field(self) -> str:
        return self.reference_fields[0]


@dataclass(frozen=True)
class TableSpec:
    """One resource of the package: where its CSV is and what its schema says."""

    name: str
    title: str
    description: str
    path: Path
    fields: tuple[FieldSpec, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]
    missing_values: tuple[str, ...]
    schema_path: str

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)

    @property
    def is_code_list(self) -> bool:
        """A code list: code, label and definition first (obs_status adds a column)."""
        return self.field_names[:3] == ["code", "label", "definition"]

    @property
    def value_field(self) -> str | None:
        """The measured quantity of an observation table (its one numeric non-key field)."""
        numeric = [f.name for f in self.fields
                   if f.type in ("integer", "number") and f.name not in self.primary_key]
        return numeric[0] if len(numeric) == 1 else None


def _field_spec(descriptor: dict[str, Any]) -> FieldSpec:
    constraints = descriptor.get("constraints", {})
    enum = constraints.get("enum")
    return FieldSpec(
        name=descriptor["name"],
        type=descriptor.get("type", "string"),
        title=descriptor.get("title", descriptor["name"]),
        description=descriptor.get("description", ""),
        unit=descriptor.get("unit"),
        required=bool(constraints.get("required", False)),
        unique=bool(constraints.get("unique", False)),
        minimum=constraints.get("minimum"),
        maximum=constraints.get("maximum"),
        pattern=constraints.get("pattern"),
        enum=tuple(str(v) for v in enum) if enum is not None else None,
        min_length=constraints.get("minLength"),
        example=descriptor.get("example"),
    )


def _as_tuple(fields: str | list[str]) -> tuple[str, ...]:
    """A key's fields, written as a string or a list."""
    return (fields,) if isinstance(fields, str) else tuple(fields)


def table_spec(name: str, schema: dict[str, Any], *, title: str, description: str,
               path: Path, schema_path: str) -> TableSpec:
    """A TableSpec from a Table Schema descriptor (a package resource's or a build table's)."""
    return TableSpec(
        name=name,
        title=title,
        description=description,
        path=path,
        fields=tuple(_field_spec(f) for f in schema["fields"]),
        primary_key=tuple(schema.get("primaryKey", [])),
        foreign_keys=tuple(
            ForeignKey(_as_tuple(fk["fields"]), fk["reference"]["resource"],
                       _as_tuple(fk["reference"]["fields"]))
            for fk in schema.get("foreignKeys", [])
        ),
        missing_values=tuple(schema.get("missingValues", [""])),
        schema_path=schema_path,
    )


@dataclass
class DataPackage:
    """The package's metadata, read once."""

    descriptor_path: Path
    title: str
    description: str
    version: str
    synthetic: bool
    tables: dict[str, TableSpec] = field(default_factory=dict)
    #: Tables the build derives (indicators, build_info...), from schemas/build/: they have
    #: a Table Schema like the package's tables, but no CSV in the package.
    build_tables: dict[str, TableSpec] = field(default_factory=dict)

    @classmethod
    def load(cls, descriptor_path: Path | str = DEFAULT_DESCRIPTOR) -> DataPackage:
        """Read the descriptor and its Table Schemas as JSON: they are the package's own
        files, which `make validate` and the tests check with frictionless; reading them
        through frictionless would double every command's start-up time."""
        descriptor_path = Path(descriptor_path).resolve()
        root = descriptor_path.parent
        package = json.loads(descriptor_path.read_text(encoding="utf-8"))
        tables: dict[str, TableSpec] = {}
        for resource in package["resources"]:
            schema = resource.get("schema", {})
            schema_path = schema if isinstance(schema, str) else ""
            if isinstance(schema, str):
                schema = json.loads((root / schema).read_text(encoding="utf-8"))
            name = resource["name"]
            tables[name] = table_spec(
                name, schema, title=resource.get("title") or name,
                description=resource.get("description") or "",
                path=root / str(resource["path"]), schema_path=schema_path)
        build_tables = {}
        for schema_file in sorted((descriptor_path.parent / BUILD_SCHEMAS).glob("*.schema.json")):
            schema = json.loads(schema_file.read_text(encoding="utf-8"))
            name = schema_file.name.removesuffix(".schema.json")
            build_tables[name] = table_spec(
                name, schema, title=schema.get("title", name),
                description=schema.get("description", ""), path=schema_file,
                schema_path=str(schema_file.relative_to(descriptor_path.parent)))
        return cls(
            descriptor_path=descriptor_path,
            title=package.get("title") or "",
            description=package.get("description") or "",
            version=package.get("version") or "",
            synthetic=bool(package.get("synthetic", False)),
            tables=tables,
            build_tables=build_tables,
        )

    @property
    def root(self) -> Path:
        return self.descriptor_path.parent

    @property
    def reference_tables(self) -> list[str]:
        """Tables that other tables point to (countries, ICCS, the code lists) and the
        package's other tables of reference (data/reference/: catalogue, thresholds)."""
        specs = [*self.tables.values(), *self.build_tables.values()]
        targets = {fk.resource for t in specs for fk in t.foreign_keys}
        return [name for name, spec in self.tables.items()
                if name in targets or spec.path.parent.name == REFERENCE_FOLDER]

    def reference_first(self, names: list[str]) -> list[str]:
        """`names` with reference tables before the tables whose keys point to them."""
        references = self.reference_tables
        return ([n for n in references if n in names]
                + [n for n in names if n not in references])

    @property
    def observation_tables(self) -> list[str]:
        references = set(self.reference_tables)  # worked out once, not once per table
        return [name for name in self.tables if name not in references]

    def reference_rows(self, name: str) -> list[dict[str, str | None]]:
        """One of the package's own reference tables as rows of text (the schema's missing
        markers as None), read once and without pandas: for the commands that only look
        codes up (a template asks for the same code list once per column using it)."""
        import csv

        if name not in self._reference_rows:
            spec = self.tables[name]
            with spec.path.open(encoding="utf-8-sig", newline="") as handle:
                self._reference_rows[name] = [
                    {column: None if value in spec.missing_values else value
                     for column, value in row.items()} for row in csv.DictReader(handle)]
        return self._reference_rows[name]

    @cached_property
    def _reference_rows(self) -> dict[str, list[dict[str, str | None]]]:
        return {}

    @cached_property
    def reference_frames(self) -> dict[str, pd.DataFrame]:
        """The package's own reference tables, read as text."""
        return {name: read_text_csv(self.tables[name].path, self.tables[name].missing_values)
                for name in self.reference_tables}


@cache
def thresholds(path: Path | None = None) -> dict[str, float]:
    """The package's thresholds and tolerances (data/reference/thresholds.csv) by rule."""
    import csv  # a dozen rules: read without pandas, which the checks no longer need

    from hemisec.paths import PACKAGE_ROOT

    table = path or PACKAGE_ROOT / "data" / REFERENCE_FOLDER / "thresholds.csv"
    with table.open(encoding="utf-8-sig", newline="") as handle:
        return {row["rule"]: float(row["value"]) for row in csv.DictReader(handle)}


def read_text_csv(path: Path, missing_values: tuple[str, ...] = ("",)) -> pd.DataFrame:
    """Read a CSV with every cell as text and the schema's missing markers as NA."""
    import pandas as pd  # the commands that read the package's tables need it; others not
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[],
                        encoding="utf-8-sig")
    return frame.mask(frame.isin(list(missing_values)))
