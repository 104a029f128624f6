"""hemisec: public-security indicators for the 35 OAS member states."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hemisec")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
