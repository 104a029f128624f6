"""SQL text for DuckDB: quoting, and the expressions that read a cell as Python does.

The checks and the reader generate their SQL from the Table Schemas; these are the
pieces they share, so that a cell is trimmed and parsed by one definition everywhere.
"""

from __future__ import annotations

#: Every character Python's str.strip() removes (str.isspace), for RE2: the checks quote
#: a value as the file has it, but read a number as Python would.
_SPACE = "".join(f"\\x{{{ord(c):04x}}}" for c in map(chr, range(0x3001)) if c.isspace())
_STRIP = f"^[{_SPACE}]+|[{_SPACE}]+$"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def text_list(values: object) -> str:
    """A SQL list of text literals, e.g. for IN (...)."""
    return ", ".join(quote_literal(str(v)) for v in values)


def stripped(expression: str) -> str:
    """`expression` without the leading and trailing whitespace str.strip() removes."""
    return f"regexp_replace({expression}, {quote_literal(_STRIP)}, '', 'g')"


def outer_space(expression: str) -> str:
    """Whether the text starts or ends with whitespace as Python's `\\s` reads it."""
    return f"regexp_matches({expression}, {quote_literal(f'^[{_SPACE}]|[{_SPACE}]$')})"


def full_match(expression: str, pattern: str) -> str:
    """Whether the whole text matches `pattern` (a Python regular expression that RE2
    reads the same, as the schemas' patterns are)."""
    return f"regexp_full_match({expression}, {quote_literal(pattern)})"


def as_text(expression: str) -> str:
    """A value as the messages write it: integers without a decimal part, numbers in
    their shortest form (as pandas wrote them)."""
    return f"CAST({expression} AS VARCHAR)"
