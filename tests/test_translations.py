"""The gettext catalogues: every check's title and fix, every message and notice the code
words (`say`, `say_sql`) and every help text of the command line is
translated, and no translation loses, adds or changes a `{placeholder}` of its English."""

from __future__ import annotations

import ast
import inspect
import string
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from hemisec.build import database  # noqa: F401  (registers the build's checks)
from hemisec.checks import revisions, validate  # noqa: F401  (register every check)
from hemisec.findings import CHECKS
from hemisec.translate import LANGUAGES, LOCALE_DIR, catalogue_path, translator

TRANSLATED = [language for language in LANGUAGES if language != "en"]
CLI = LOCALE_DIR.parent / "cli.py"


def _catalogue(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def _cli_help_texts() -> list[str]:
    """The command line's help texts as cli.py hands them to gettext: every `_("...")` of a
    string constant, and the cleaned docstring of every function decorated with `command(...)`."""
    texts = []
    for node in ast.walk(ast.parse(CLI.read_text(encoding="utf-8"), filename=str(CLI))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"
                and node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            texts.append(node.args[0].value)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Name)
                and decorator.func.id == "command" for decorator in node.decorator_list):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                texts.append(inspect.cleandoc(docstring))
    return list(dict.fromkeys(texts))


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
    texts = {text for check in CHECKS.values()
             for text in (check.title_template, check.fix_template)}
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


def test_the_command_line_help_texts_are_found() -> None:
    texts = _cli_help_texts()
    assert len(texts) >= 40
    assert "Print hemisec's version." in texts  # a command's docstring
    assert any(text.startswith("hemisec: ") for text in texts)  # the app's help


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_command_line_help_text_is_translated(language: str) -> None:
    _ = translator(language)
    missing = [text for text in _cli_help_texts() if _(text) == text]
    assert missing == [], f"{language}: no translation (or only a fuzzy one) for {missing}"


def _report_texts() -> list[str]:
    """The validation report's texts (marked `_()` in its module) and the ESS levels."""
    import ast

    from hemisec.findings import LEVELS

    module = Path(__file__).resolve().parents[1] / "hemisec" / "publish" / "validation_report.py"
    texts = [node.args[0].value for node in ast.walk(ast.parse(module.read_text("utf-8")))
             if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_"
             and node.args and isinstance(node.args[0], ast.Constant)]
    return list(dict.fromkeys([*texts, *LEVELS.values()]))


@pytest.mark.parametrize("language", ["es", "fr", "pt"])
def test_every_validation_report_text_is_translated(language: str) -> None:
    from babel.messages.pofile import read_po

    from hemisec.translate import catalogue_path

    with catalogue_path(language).open("rb") as handle:
        catalogue = {m.id: m.string for m in read_po(handle) if m.id and not m.fuzzy}
    texts = _report_texts()
    assert len(texts) > 40
    assert [t for t in texts if not catalogue.get(t)] == []


#: The functions that word a message in the run's language (hemisec.translate).
_SAYERS = {"say", "say_sql"}
PACKAGE = LOCALE_DIR.parent


def _messages() -> tuple[list[str], list[str]]:
    """Every template handed to a sayer in hemisec's code, and where a sayer is handed
    something that is not a literal text (which this test could not see translated)."""
    texts, unseen = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in _SAYERS):
                continue
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                texts.append(first.value)
            else:
                unseen.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return list(dict.fromkeys(texts)), unseen


def test_every_message_is_a_literal_template() -> None:
    texts, unseen = _messages()
    assert len(texts) > 100
    assert unseen == [], f"a message template that is not a literal text: {unseen}"
    assert "the row is empty" in texts and "{value} is not a whole number" in texts


def _translated(language: str) -> set[str]:
    """The msgids the catalogue translates (a translation may equal its text: 'sha256')."""
    return {m.id for m in _catalogue(language) if m.id and m.string and not m.fuzzy}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_and_notice_is_translated(language: str) -> None:
    texts, _unseen = _messages()
    missing = [text for text in texts if text not in _translated(language)]
    assert missing == [], f"{language}: no translation (or only a fuzzy one) for {missing}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_field_title_a_message_names_is_translated(language: str) -> None:
    """Pattern findings name the column by its schema title."""
    from hemisec.package import DataPackage

    titles = {f.title for spec in DataPackage.load().tables.values() for f in spec.fields
              if f.pattern}
    assert sorted(titles - _translated(language)) == []
