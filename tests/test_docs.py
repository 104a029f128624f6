"""The README's tables, code lists and checks are generated from the package."""

from __future__ import annotations

from hemisec.findings import CHECKS
from hemisec.paths import REPO_ROOT
from hemisec.publish.docs import generated_sections, update_readme


def test_readme_is_up_to_date() -> None:
    assert not update_readme(REPO_ROOT / "README.md", write=False), "run `make docs`"


def test_generated_sections_cover_every_table_code_and_check(package) -> None:
    sections = generated_sections(package)
    for name in ("population", "homicide", "firearms", "prison", "countries", "iccs"):
        assert f"### `{name}`" in sections["tables"]
    for code in ("`uniquely_marked`", "`persons_held`", "`_U`", "`E`"):
        assert code in sections["codelists"]
    assert all(f"`{check}`" in sections["checks"] for check in CHECKS)


def test_generated_sections_cover_every_indicator_and_derived_table(package) -> None:
    sections = generated_sections(package)
    catalogue = package.reference_frames["indicator_catalogue"]
    assert all(f"`{name}`" in sections["indicators"] for name in catalogue["indicator"])
    for name in ("indicators", "regional_indicators", "build_info", "validation_findings"):
        assert f"### `{name}`" in sections["database"]
