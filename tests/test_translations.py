"""The gettext catalogues: every check's title and fix is translated, and no translation
loses, adds or changes a `{placeholder}` of its English text."""

from __future__ import annotations

import string
from collections import Counter

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from hemisec.build import database  # noqa: F401  (registers the build's checks)
from hemisec.checks import revisions, validate  # noqa: F401  (register every check)
from hemisec.findings import CHECKS
from hemisec.translate import LANGUAGES, catalogue_path, translator

TRANSLATED = [language for language in LANGUAGES if language != "en"]


def _catalogue(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def _placeholders(text: str) -> Counter[tuple[str, str, str | None]]:
    """The replacement fields of a str.format text (name, format spec, conversion), each as
    often as it occurs; `{{` and `}}` are literal braces, not fields."""
    return Counter((name, spec or "", conversion)
                   for _, name, spec, conversion in string.Formatter().parse(text)
                   if name is not None)


def test_the_checks_are_registered() -> None:
    assert len(CHECKS) >= 40
    assert all(c.title.strip() and c.fix.strip() for c in CHECKS.values())


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_check_title_and_fix_is_translated(language: str) -> None:
    _ = translator(language)
    texts = {text for check in CHECKS.values() for text in (check.title, check.fix)}
    missing = sorted(text for text in texts if _(text) == text)
    assert missing == [], f"{language}: no translation (or only a fuzzy one) for {missing}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders(language: str) -> None:
    broken = []
    for message in _catalogue(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for translation in (s for s in strings if s):
            try:
                # Plural forms: a translation may take its fields from the singular or the plural.
                if not any(_placeholders(translation) == _placeholders(i) for i in ids):
                    broken.append(ids[0])
            except ValueError as error:  # an unmatched brace: str.format would fail
                broken.append(f"{ids[0]} ({error})")
    assert broken == [], f"{language}: placeholders differ in {broken}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_msgid_twice(language: str) -> None:
    """Babel keeps the last of two entries with the same msgid without a word; msgfmt refuses
    the file. Every `msgid` line (the header's included) must be a message of its own."""
    lines = catalogue_path(language).read_text(encoding="utf-8").splitlines()
    entries = sum(1 for line in lines if line.startswith("msgid "))
    assert entries == len(_catalogue(language)) + 1
