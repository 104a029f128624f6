"""Translations: gettext catalogues (`hemisec/locale/LANG/LC_MESSAGES/hemisec.po`).

English is the source language: every text is written once, in English, in the code or
in the Table Schemas, and is its own msgid. The catalogues are read with Babel, so the
.po files are the only thing translators edit and nothing compiled is committed.
"""

from __future__ import annotations

import locale
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

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
