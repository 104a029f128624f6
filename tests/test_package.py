"""The Data Package itself: valid for frictionless, schemas complete and consistent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from frictionless import Package

from hemisec.checks.validate import validate
from hemisec.package import SYNTHETIC_MARKER, DataPackage
from hemisec.paths import REPO_ROOT

OBSERVATIONS = ["population", "homicide", "firearms", "prison"]


def test_frictionless_validates_the_package_from_another_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    descriptor = REPO_ROOT / "datapackage.json"
    report = Package(str(descriptor), basepath=str(REPO_ROOT)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]
    assert len(report.tasks) == len(DataPackage.load().tables)


def test_hemisec_reads_the_package_as_frictionless_does(package: DataPackage) -> None:
    """hemisec reads the descriptor as JSON for a fast start: the tables, paths and
    schemas it sees are the ones frictionless sees."""
    theirs = Package(str(REPO_ROOT / "datapackage.json"), basepath=str(REPO_ROOT))
    assert [r.name for r in theirs.resources] == list(package.tables)
    for resource in theirs.resources:
        spec = package.tables[resource.name]
        schema = resource.schema.to_descriptor()
        assert spec.path == REPO_ROOT / str(resource.path)
        assert spec.title == (resource.title or resource.name)
        assert spec.field_names == [f["name"] for f in schema["fields"]]
        assert list(spec.primary_key) == list(schema.get("primaryKey", []))
        assert len(spec.foreign_keys) == len(schema.get("foreignKeys", []))
        for spec_field, field in zip(spec.fields, schema["fields"], strict=True):
            constraints = field.get("constraints", {})
            assert spec_field.type == field.get("type", "string")
            assert spec_field.required == constraints.get("required", False)
            assert spec_field.pattern == constraints.get("pattern")
            assert spec_field.minimum == constraints.get("minimum")
    assert package.synthetic == theirs.custom.get("synthetic")


def test_demo_data_has_no_errors() -> None:
    report = validate([REPO_ROOT / "datapackage.json"])
    assert report.errors == 0, report.findings.head(20).to_string()
    assert {t["resource"] for t in report.tables} >= set(OBSERVATIONS)


def test_every_field_is_documented(package: DataPackage) -> None:
    for spec in package.tables.values():
        assert spec.description, spec.name
        for field in spec.fields:
            assert field.title and field.description, (spec.name, field.name)
            if field.type in ("integer", "number"):
                assert field.unit, (spec.name, field.name)


def test_observation_tables_have_keys_and_point_to_reference_tables(package: DataPackage) -> None:
    for name in OBSERVATIONS:
        spec = package.tables[name]
        assert spec.primary_key, name
        assert all(k in spec.field_names for k in spec.primary_key)
        targets = {fk.field: fk.resource for fk in spec.foreign_keys}
        assert targets["iso3"] == "countries"
        coded = [f.name for f in spec.fields
                 if f.name in ("sex", "mechanism", "obs_status", "measure", "action", "item",
                               "marking_status", "iccs_code")]
        assert all(c in targets for c in coded), (name, coded, targets)
        assert set(spec.missing_values) == {"", ".."}


def test_shared_fields_are_defined_identically(package: DataPackage) -> None:
    """iso3, year, sex, obs_status, source, note are written in each observation schema."""
    by_name: dict[str, dict[str, dict]] = {}
    for name in package.observation_tables:
        path = REPO_ROOT / package.tables[name].schema_path
        for field in json.loads(path.read_text(encoding="utf-8"))["fields"]:
            by_name.setdefault(field["name"], {})[path.name] = field
    common = {"iso3", "year", "sex", "obs_status", "source", "note"}
    shared = {n: defs for n, defs in by_name.items() if n in common and len(defs) > 1}
    assert set(shared) == common
    for name, definitions in shared.items():
        first, *rest = definitions.values()
        assert all(d == first for d in rest), name


def test_package_says_the_data_is_synthetic(package: DataPackage) -> None:
    assert package.synthetic
    assert "SYNTHETIC DEMO" in package.description
    for name in OBSERVATIONS:
        assert "SYNTHETIC DEMO" in package.tables[name].description


def test_countries_are_the_35_oas_members(package: DataPackage) -> None:
    countries = package.reference_frames["countries"]
    assert len(countries) == 35 and countries["iso3"].is_unique and countries["m49"].is_unique
    assert countries["subregion"].value_counts().to_dict() == {
        "Caribbean": 13, "South America": 12, "Central America": 7, "North America": 3}
    noted = set(countries.dropna(subset=["membership_note"])["iso3"])
    assert noted == {"CUB", "NIC", "VEN"}
    assert "19 November 2023" in countries.set_index("iso3").at["NIC", "membership_note"]


def test_code_lists_follow_sdmx(package: DataPackage) -> None:
    codes = {n: set(package.reference_frames[n]["code"]) for n in package.reference_tables
             if "code" in package.reference_frames[n]}
    assert codes["sex"] == {"_T", "M", "F", "_U"}
    assert {"A", "E", "P", "B"} <= codes["obs_status"]
    assert {"_T", "firearm", "_U"} <= codes["mechanism"]
    for name in ("sex", "mechanism", "obs_status", "prison_measure", "firearm_action",
                 "firearm_item", "marking_status"):
        frame = package.reference_frames[name]
        assert frame[["label", "definition"]].notna().all().all(), name


def test_synthetic_marker_in_every_demo_row(package: DataPackage) -> None:
    for name in OBSERVATIONS:
        frame = package.tables[name].path.read_text(encoding="utf-8").splitlines()[1:]
        assert all(SYNTHETIC_MARKER in line for line in frame), name
