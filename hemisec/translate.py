"""Translations: gettext catalogues (`hemisec/locale/LANG/LC_MESSAGES/hemisec.po`).

English is the source language: every text is written once, in English, in the code or
in the Table Schemas, and is its own msgid. The catalogues are read with Babel, so the
.po files are the only thing translators edit and nothing compiled is committed.
"""

from __future__ import annotations

import locale
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from string import Formatter

LANGUAGES = ("en", "es", "fr", "pt")
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "hemisec"


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def default_language() -> str:
    """The environment's language when it is one of ours (LANGUAGE, LC_ALL, LC_MESSAGES,
    LANG, as gettext reads them), else English."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        for candidate in value.split(":"):
            code = candidate[:2].lower()
            if code in LANGUAGES:
                return code
    code = (locale.getlocale()[0] or "")[:2].lower()
    return code if code in LANGUAGES else "en"


@cache
def translator(language: str) -> Callable[[str], str]:
    """gettext for `language`: the translation of a text, or the text itself."""
    if language not in LANGUAGES:
        raise ValueError(f"language '{language}': use one of {', '.join(LANGUAGES)}")
    if language == "en":
        return lambda text: text
    from babel.messages.pofile import read_po

    with catalogue_path(language).open("rb") as handle:
        catalogue = read_po(handle, locale=language, domain=DOMAIN)
    translations = {m.id: m.string for m in catalogue if m.id and m.string and not m.fuzzy}
    return lambda text: translations.get(text, text)


# --- Messages: the findings and notices, in the language of the run -------------------
#
# A message is a str.format template with named fields, written once in English where it
# is used (`say("{file} has no rows", file=...)`); the template is its msgid, so a
# translator may reorder its fields. Findings are worded in SQL, row by row inside
# DuckDB: `say_sql` turns the translated template into a concatenation of its text and
# the SQL expressions given for its fields. The language is the run's (`speaking`), so
# the checks need not pass it down.

_LANGUAGE: ContextVar[str] = ContextVar("hemisec_language", default="en")


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Word every message written inside the block in `language`."""
    translator(language)  # an unknown language fails here, before any work
    token = _LANGUAGE.set(language)
    try:
        yield
    finally:
        _LANGUAGE.reset(token)


def current_language() -> str:
    return _LANGUAGE.get()


class _LocaleFormatter(Formatter):
    """str.format, with the numbers of a `,` or `.Nf` format written as the language
    writes them (Babel's CLDR data): 3.513 and 1,5 in Spanish, 3 513 in French."""

    def __init__(self, language: str) -> None:
        self.language = language

    def format_field(self, value: object, format_spec: str) -> str:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        decimals = re.fullmatch(r",?\.([0-9])f", format_spec)
        if number and (format_spec == "," or decimals):
            from babel.numbers import format_decimal

            places = int(decimals.group(1)) if decimals else 0
            pattern = ("#,##0" if "," in format_spec else "0") + (
                "." + "0" * places if places else "")
            return format_decimal(value, format=pattern, locale=self.language)
        return super().format_field(value, format_spec)


def say(template: str, /, **values: object) -> str:
    """`template` in the run's language, its fields filled in (numbers in its style)."""
    language = _LANGUAGE.get()
    text = translator(language)(template)
    if language == "en":
        return text.format(**values)
    return _LocaleFormatter(language).format(text, **values)


def say_sql(template: str, /, **expressions: str) -> str:
    """`template` in the run's language as a SQL text expression: its text as literals,
    each field replaced by the SQL expression given for it (parenthesised), joined by ||
    (so a NULL field makes the message NULL, as a concatenation does)."""
    parts = []
    for text, name, _spec, _conversion in Formatter().parse(translator(_LANGUAGE.get())(template)):
        if text:
            parts.append("'" + text.replace("'", "''") + "'")
        if name is not None:
            parts.append(f"({expressions[name]})")
    return " || ".join(parts) or "''"


def translated(text: str) -> str:
    """A text written elsewhere, such as a schema's field title, in the run's language."""
    return translator(_LANGUAGE.get())(text)



def say_number(value: int) -> str:
    """A count as the run's language writes it (12,345 / 12.345 / 12 345)."""
    language = _LANGUAGE.get()
    return f"{value:,}" if language == "en" else _LocaleFormatter(language).format_field(value, ",")


@cache
def _decimal_mark(language: str) -> str:
    if language == "en":
        return "."
    from babel.numbers import get_decimal_symbol

    return get_decimal_symbol(language)


def say_decimal_sql(expression: str) -> str:
    """A number a check computed, as SQL text with the run's language's decimal mark
    (197,6 in French): for messages, not for the cells they quote."""
    text = f"CAST({expression} AS VARCHAR)"
    mark = _decimal_mark(_LANGUAGE.get())
    return text if mark == "." else f"replace({text}, '.', '{mark}')"


def say_decimal(value: float) -> str:
    """A number (in its shortest form, as `g` writes it) with the run's decimal mark."""
    return f"{value:g}".replace(".", _decimal_mark(_LANGUAGE.get()))
