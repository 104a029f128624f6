"""hemisec installed from its wheel, outside the repository, as a statistician installs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from hemisec.paths import REPO_ROOT
from tests.submissions import colombia, write_delimited

#: What a source checkout has that the wheel must not need.
NOT_SOURCES = {".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".benchmarks",
               ".setuptools-build", "dist"}


def _not_sources(folder: str, names: list[str]) -> set[str]:
    top = Path(folder) == REPO_ROOT
    return {n for n in names if n in NOT_SOURCES or n.endswith(".egg-info")
            or (top and n == "build")}  # the build output, not hemisec/build


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd,
                          check=False, timeout=900)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with hemisec installed from a wheel built from the
    sources (a copy of them, so the build leaves nothing in the checkout). Its
    dependencies are the ones the project's .venv installed from pyproject.toml, made
    visible to it after its own packages: downloading them again would test pip, not
    the wheel, and take most of the suite's time."""
    root = tmp_path_factory.mktemp("wheel")
    sources = root / "src"
    shutil.copytree(REPO_ROOT, sources, ignore=_not_sources)
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                 "--wheel-dir", root / "dist", sources, cwd=root)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (root / "dist").glob("hemisec-*.whl")
    environment = root / "venv"
    venv.create(environment)  # without pip of its own: the project's installs into it
    own = next((environment / "lib").glob("python3*/site-packages"))
    dependencies = next(p for p in map(Path, sys.path) if p.name == "site-packages"
                        and (p / "duckdb").is_dir())
    (own / "hemisec-test-dependencies.pth").write_text(f"{dependencies}\n", encoding="utf-8")
    pip = _run(sys.executable, "-m", "pip", "--python", environment / "bin" / "python",
               "install", "--quiet", "--no-deps", "--no-index", wheel, cwd=root)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    where = _run(environment / "bin" / "python", "-c", "import hemisec; print(hemisec.__file__)",
                 cwd=root)
    assert Path(where.stdout.strip()).is_relative_to(own), where.stdout  # the wheel's copy
    return environment / "bin" / "hemisec"


def test_installed_wheel_validates_and_writes_templates_anywhere(installed, tmp_path) -> None:
    work = tmp_path / "oficina"
    submission = write_delimited(work / "envio", colombia(), delimiter=";",
                                 encoding="cp1252", decimal=",", line_end="\r\n")
    result = _run(installed, "validate", submission, cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VALID: 0 error(s)" in result.stdout
    assert "Windows-1252, semicolon-separated" in result.stdout

    result = _run(installed, "template", "COL", "--lang", "es", "--out", "plantilla.xlsx",
                  cwd=work)
    assert result.returncode == 0, result.stderr
    result = _run(installed, "validate", "plantilla.xlsx", cwd=work)
    assert result.returncode == 0 and "VALID" in result.stdout, result.stdout + result.stderr

    result = _run(installed, "build", "--data", submission, "--out", "out/col.duckdb",
                  cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (work / "out" / "col.duckdb").is_file() and (work / "out" / "indicators.csv").is_file()
    assert not (installed.parent.parent / "lib").joinpath("datapackage.json").exists()
