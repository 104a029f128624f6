"""hemisec: public-security indicators for the 35 OAS member states."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """`__version__`, read from the installed metadata when first asked for: reading it
    (importlib.metadata) was a tenth of the command line's start-up."""
    if name != "__version__":
        raise AttributeError(f"module 'hemisec' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("hemisec")
    except PackageNotFoundError:  # running from a source tree that is not installed
        found = "0.0.0"
    globals()["__version__"] = found
    return found
