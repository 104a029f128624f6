"""How a delimited text file was written: its encoding, delimiter, decimal mark, line ends.

National offices send what Excel writes in their locale: `;` and decimal commas in
Spanish, Portuguese and French, Windows-1252 for plain "CSV", UTF-16 with tabs for
"Unicode text". The encoding of a file without a byte-order mark is guessed with
charset-normalizer; the delimiter is the one that splits the header into the most
column names the table's schema knows. Whatever is guessed is said, with the option
that overrides it.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

from hemisec.translate import say

#: Delimiters a spreadsheet writes, in the order a tie is broken.
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
#: Encodings a file without a byte-order mark is tried in after UTF-8.
SINGLE_BYTE_ENCODINGS = ["cp1252", "latin_1", "mac_roman", "cp850"]
#: Names people know, by Python's canonical codec name.
ENCODING_NAMES = {
    "utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16", "utf-32": "UTF-32",
    "cp1252": "Windows-1252", "iso8859-1": "Latin-1 (ISO-8859-1)", "mac-roman": "Mac Roman",
    "cp850": "DOS Latin-1 (CP850)",
}


def encoding_name(encoding: str) -> str:
    """'Windows-1252' for cp1252, windows-1252 or 1252."""
    canonical = codecs.lookup(encoding).name
    return ENCODING_NAMES.get(canonical, canonical)
_BOMS = [(codecs.BOM_UTF32_LE, "utf_32"), (codecs.BOM_UTF32_BE, "utf_32"),
         (codecs.BOM_UTF8, "utf_8_sig"), (codecs.BOM_UTF16_LE, "utf_16"),
         (codecs.BOM_UTF16_BE, "utf_16")]


class UndecodableFile(Exception):
    """The bytes are not text in the encoding given or detected."""


@dataclass(frozen=True)
class ReadOptions:
    """What the user told us about their files (`--encoding`, `--delimiter`, `--decimal`);
    None means detect."""

    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None

    def __post_init__(self) -> None:
        if self.delimiter is not None and self.delimiter not in DELIMITERS:
            names = ", ".join(f"'{d}'" if d != "\t" else "tab" for d in DELIMITERS)
            raise ValueError(say("--delimiter must be one of {names} (write tab as '\\t' or "
                                 "'tab')", names=names))
        if self.decimal is not None and self.decimal not in (".", ","):
            raise ValueError(say("--decimal must be '.' or ','"))
        if self.encoding is not None:  # LookupError: unknown, or not a text encoding
            codecs.lookup(self.encoding)
            "a".encode(self.encoding)  # rot13, base64...: codecs, but not of text


@dataclass(frozen=True)
class Dialect:
    """How one file was read, and which parts of that were guesses."""

    encoding: str
    delimiter: str
    decimal: str
    line_ends: str
    guessed: tuple[str, ...] = ()

    @property
    def certain(self) -> bool:
        return not self.guessed

    def describe(self) -> str:
        """E.g. "Windows-1252, semicolon-separated, decimal comma, CRLF line ends"."""
        from hemisec.translate import say

        separated = {",": say("comma-separated"), ";": say("semicolon-separated"),
                     "\t": say("tab-separated"), "|": say("pipe-separated")}
        parts = [encoding_name(self.encoding), separated[self.delimiter]]
        if self.decimal == ",":
            parts.append(say("decimal comma"))
        parts.append(say("{line_ends} line ends", line_ends=self.line_ends))
        return ", ".join(parts)

    def is_plain(self) -> bool:
        """UTF-8 (BOM or not), comma-separated, decimal point: what needs no notice."""
        return (encoding_name(self.encoding).startswith("UTF-8") and self.delimiter == ","
                and self.decimal == "." and self.certain)

    def to_dict(self) -> dict[str, object]:
        return {"encoding": encoding_name(self.encoding),
                "delimiter": self.delimiter, "decimal": self.decimal,
                "line_ends": self.line_ends, "guessed": list(self.guessed)}

    def override_hint(self) -> str:
        """How to override what was guessed."""
        from hemisec.translate import say

        flags = {"encoding": say("--encoding (e.g. --encoding cp1252 or utf-8)"),
                 "delimiter": say("--delimiter (',', ';' or tab)"),
                 "decimal": say("--decimal ('.' or ',')")}
        return "; ".join(flags[g] for g in self.guessed)


def decode(data: bytes, encoding: str | None) -> tuple[str, str, bool]:
    """The text of `data`, the encoding it was read in, and whether that was guessed.
    Text with NUL characters is not a table a spreadsheet wrote: refused."""
    text, name, guessed = _decode(data, encoding)
    if "\x00" in text:
        raise UndecodableFile(say("the file holds NUL characters: it is not text in "
                                  "{encoding} (a binary file, or UTF-16 without its "
                                  "byte-order mark? give --encoding)",
                                  encoding=encoding_name(name)))
    return text, name, guessed


def _decode(data: bytes, encoding: str | None) -> tuple[str, str, bool]:
    if encoding is not None:
        try:
            return data.decode(encoding), encoding, False
        except UnicodeDecodeError as exc:
            raise UndecodableFile(say("the file is not {encoding} text (byte {byte}): check "
                                      "--encoding", encoding=encoding, byte=exc.start)) from None
        except (UnicodeError, LookupError) as exc:
            raise UndecodableFile(say("the file cannot be read as {encoding} ({reason}): "
                                      "check --encoding", encoding=encoding, reason=exc)
                                  ) from None
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name, False
            except UnicodeDecodeError as exc:
                raise UndecodableFile(say("the file starts as {encoding} but byte {byte} is "
                                          "not: it may be damaged", encoding=encoding_name(name),
                                          byte=exc.start)) from None
    try:
        return data.decode("utf_8"), "utf_8", False
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # imported only for files that need it

    best = from_bytes(data, cp_isolation=[*SINGLE_BYTE_ENCODINGS, "utf_16"]).best()
    if best is None:
        raise UndecodableFile(say("the file's encoding could not be recognised: save it as "
                                  "UTF-8 CSV, or give --encoding"))
    name = best.encoding
    # Latin-1 and Windows-1252 agree on every letter; 1252 is what Excel writes.
    if name in ("latin_1", "iso8859_15") and not any(b in data for b in b"\x81\x8d\x8f\x90\x9d"):
        name = "cp1252"
    return data.decode(name, errors="strict"), name, True


def line_ends(text: str) -> str:
    if "\r\n" in text:
        return "CRLF"
    return "CR" if "\r" in text else "LF"


def _first_line(text: str) -> str:
    end = len(text)
    for mark in ("\r", "\n"):
        found = text.find(mark)
        if found != -1:
            end = min(end, found)
    return text[:end]


def detect_delimiter(text: str, columns: list[str]) -> tuple[str, bool]:
    """The delimiter that splits the header into the most of `columns`; whether it was a
    guess (no known column found, or two delimiters found as many)."""
    header = _first_line(text)
    known = set(columns)
    scores = []
    for delimiter in DELIMITERS:
        try:
            cells = next(csv.reader(io.StringIO(header), delimiter=delimiter), [])
        except csv.Error:  # e.g. a header longer than a cell may be: not this delimiter
            cells = []
        names = {c.strip().lower() for c in cells}
        scores.append((len(names & known), len(cells), delimiter))
    ranked = sorted(scores, key=lambda s: (-s[0], -s[1]))
    best, runner_up = ranked[0], ranked[1]
    guessed = best[0] == 0 or best[0] == runner_up[0]
    if best[0] == 0:  # no known column at all: the delimiter that splits the header most
        best = max(scores, key=lambda s: s[1])
    return best[2], guessed


def detect(text: str, encoding: str, encoding_guessed: bool, columns: list[str],
           options: ReadOptions) -> Dialect:
    """The dialect of a decoded file whose header should name `columns`."""
    guessed = ["encoding"] if encoding_guessed else []
    if options.delimiter is not None:
        delimiter = options.delimiter
    else:
        delimiter, delimiter_guessed = detect_delimiter(text, columns)
        if delimiter_guessed:
            guessed.append("delimiter")
    # Excel writes ';' exactly where the locale's decimal mark is the comma.
    decimal = options.decimal or ("," if delimiter == ";" else ".")
    return Dialect(encoding, delimiter, decimal, line_ends(text), tuple(guessed))
