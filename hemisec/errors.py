"""The one exception that stops a command before it can run."""

from __future__ import annotations


class UsageError(Exception):
    """hemisec could not run: the message says why, in plain words, and how to go on."""
