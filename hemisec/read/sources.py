"""Which file holds which table: resolving what a user gives to the validator or the build.

Raises `UsageError` when a path cannot be used, with a message that says why in plain words.
"""

from __future__ import annotations

import os
from pathlib import Path

from frictionless import Package

from hemisec.package import DataPackage


class UsageError(Exception):
    """The validator or the build could not run: the message says why, in plain words."""


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to where they are, when it is below."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def resolve_paths(paths: list[Path], package: DataPackage) -> dict[str, Path]:
    """Map each table name to the file that holds it."""
    known = package.tables
    files: dict[str, Path] = {}

    def add(name: str, path: Path) -> None:
        if name not in known:
            raise UsageError(
                f"{display_path(path)}: '{name}' is not a table of the package; name the file "
                f"after one of: {', '.join(known)}")
        if name in files:
            raise UsageError(f"table '{name}' is given twice: {display_path(files[name])} and "
                             f"{display_path(path)}")
        files[name] = path

    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        if path.is_dir():
            csvs = sorted(path.glob("*.csv"))
            if not csvs:
                raise UsageError(f"{path}: the folder has no .csv file to validate")
            for csv_path in csvs:
                add(csv_path.stem, csv_path)
        elif path.suffix.lower() == ".json":
            try:
                descriptor = Package(str(path.resolve()), basepath=str(path.resolve().parent))
            except Exception as exc:  # frictionless raises its own error types
                raise UsageError(f"{path}: not a readable datapackage.json ({exc})") from exc
            for resource in descriptor.resources:
                add(resource.name, path.resolve().parent / str(resource.path))
        elif path.suffix.lower() == ".csv":
            add(path.stem, path)
        else:
            raise UsageError(f"{path}: give a .csv table, a folder of them or a datapackage.json")
    for name, path in files.items():
        if not path.is_file():
            raise UsageError(f"{display_path(path)}: the file for table '{name}' does not exist")
        if not os.access(path, os.R_OK):
            raise UsageError(f"{display_path(path)}: the file cannot be read (permissions)")
    return files
