"""The one exception that stops a command before it can run."""

from __future__ import annotations

import re

#: Control characters a cell or a file name may carry into the terminal (an escape
#: sequence can clear the screen or fake a verdict; a line break splits a one-line error).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """Text safe to print on one line: control characters written as \\xNN."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


class UsageError(Exception):
    """hemisec could not run: the message says why, in plain words, and how to go on."""
