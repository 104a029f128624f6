"""Where things are: the package, its schemas and transforms, and the default build.

In a source checkout the Data Package is the repository itself; in an installed wheel
the same files travel inside hemisec as `package_files` (see pyproject.toml). Kept free
of heavy imports so the command line starts fast.
"""

from __future__ import annotations

import os
from pathlib import Path

_SOURCE_TREE = Path(__file__).resolve().parent.parent
_INSTALLED = Path(__file__).resolve().parent / "package_files"
#: Where `datapackage.json`, `schemas/`, `data/` and `transforms/` are.
PACKAGE_ROOT = (_SOURCE_TREE if (_SOURCE_TREE / "datapackage.json").is_file()
                and (_SOURCE_TREE / "pyproject.toml").is_file() else _INSTALLED)
#: The repository root in a source checkout (README, examples, tests live there).
REPO_ROOT = _SOURCE_TREE
DEFAULT_DESCRIPTOR = Path(os.environ.get("HEMISEC_PACKAGE", PACKAGE_ROOT / "datapackage.json"))
#: Table Schemas of the build's derived tables, relative to the package root.
BUILD_SCHEMAS = Path("schemas") / "build"
#: The SQL transforms, run in file-name order.
TRANSFORMS = PACKAGE_ROOT / "transforms"
#: The database `make build` writes, relative to where it runs.
DEFAULT_OUT = Path("build") / "hemisec.duckdb"


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to where they are, when it is below."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in blocks: what identifies an input or an export."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
