"""Where things are: the package, its schemas and transforms, and the default build.

Kept free of heavy imports so the command line starts fast.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root: where `datapackage.json` lives next to `hemisec/`.
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DESCRIPTOR = Path(os.environ.get("HEMISEC_PACKAGE", REPO_ROOT / "datapackage.json"))
#: Table Schemas of the build's derived tables, relative to the package root.
BUILD_SCHEMAS = Path("schemas") / "build"
#: The SQL transforms, run in file-name order.
TRANSFORMS = REPO_ROOT / "transforms"
#: The database `make build` writes, relative to where it runs.
DEFAULT_OUT = Path("build") / "hemisec.duckdb"


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to where they are, when it is below."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
