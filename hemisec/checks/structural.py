"""Structural checks, generated from each Table Schema as SQL run in the workspace.

Types, required cells, ranges, patterns, enums, code lists (foreign keys) and keys
are read from the schema; none is typed here. Each check is one query over the
table's text (so the report quotes each bad cell as written) and its typed values,
returning only the failing cells, with their message, into the findings table.
pandera (through its ibis backend, to run on DuckDB) was weighed and not kept: it would
add ibis to every install, and each finding needs the file's row, the cell as written
and a message with the hints below, which SQL generated from the schema gives directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from hemisec.checks.series_order import in_series_order
from hemisec.findings import Check, FindingsTable, register
from hemisec.package import FieldSpec
from hemisec.read.tables import MAX_INTEGER_DIGITS, ROW, LoadedTable, text_column
from hemisec.sql import full_match, quote_identifier, quote_literal, stripped, text_list
from hemisec.translate import say_sql, translated

TYPE_ERROR = register(
    "type-error", "error", "structure", "A value is not of the column's type",
    "Write the number with digits only: no spaces inside, thousands separators or text; "
    "a count takes no decimals.", level=0)
MISSING_VALUE = register(
    "missing-value", "error", "structure", "A required cell is empty",
    "Fill in the cell; if the figure is not available, leave the whole row out.", level=0)
OUT_OF_RANGE = register(
    "out-of-range", "error", "structure", "A value is outside the range the schema allows",
    "Correct the value: counts cannot be negative and years must be within the package's range.",
    level=1)
PATTERN_MISMATCH = register(
    "pattern-mismatch", "error", "structure", "A code does not have the expected form",
    "Write the code in the form the column asks for, e.g. ISO3 'MEX' or ICCS '0101' "
    "(keep leading zeros: format the column as text in a spreadsheet).", level=1)
NOT_IN_CODE_LIST = register(
    "code-not-in-list", "error", "structure", "A code is not in the column's code list",
    "Use one of the codes listed in the package's reference tables (README, 'Code lists').",
    level=1)
DUPLICATE_KEY = register(
    "duplicate-key", "error", "structure", "Two rows have the same primary key",
    "Keep one row per key: merge or delete the repeated row, or correct its key columns.", level=1)
DUPLICATE_VALUE = register(
    "duplicate-value", "error", "structure", "A value that must be unique appears twice",
    "Make the value unique or delete the repeated row.", level=1)

_TYPE_NAMES = {"integer": "a whole number", "number": "a number"}
#: Thousands separators spreadsheets write: point, comma, apostrophe, spaces (incl.
#: no-break), as an RE2 character class.
_GROUP_MARKS = r"[.,'\x{2019} \x{00a0}\x{202f}]"
_GROUPED = r"[+-]?[0-9]{1,3}(?:" + _GROUP_MARKS + r"[0-9]{3})+"
#: Findings of one field are reported in this order when a cell breaks several rules
#: of the same check (the enum before the code lists).
_PER_FIELD = 100


@dataclass(frozen=True)
class CodeList:
    """The codes a field's foreign key allows: a column of a workspace table."""

    resource: str
    table: str
    column: str

    def contains(self, expression: str) -> str:
        column = quote_identifier(self.column)
        return (f"{expression} IN (SELECT {column} FROM {self.table} "
                f"WHERE {column} IS NOT NULL)")


def quoted(expression: str) -> str:
    """A cell as the report quotes it: between apostrophes, as written."""
    return f"{APOSTROPHE} || coalesce({expression}, '') || {APOSTROPHE}"


APOSTROPHE = quote_literal("'")


def code_lists(table: LoadedTable, field: FieldSpec,
               references: dict[str, tuple[str, list[str]]]) -> list[CodeList]:
    """The code lists a field's single-field foreign keys point to. `references` gives,
    per reference table, its text table in the workspace and its columns; a key pointing
    into the same table (the ICCS hierarchy) takes the table's own codes."""
    lists = []
    for fk in table.spec.foreign_keys:
        if fk.field != field.name:
            continue
        if fk.resource:
            target, columns = references[fk.resource]
        else:
            target, columns = table.text_table, table.columns
        if fk.reference_field in columns:
            lists.append(CodeList(fk.resource or table.spec.name, target, fk.reference_field))
    return lists


def _type_message(value: str, field: FieldSpec, decimal: str) -> str:
    """Say why a number did not read: a thousands separator, the other decimal mark."""
    text = stripped(value)
    grouped = full_match(text, _GROUPED)
    if field.type == "integer":
        message = [say_sql("{value} is not a whole number", value=quoted(value))]
    elif field.type == "number":
        message = [say_sql("{value} is not a number", value=quoted(value))]
    else:
        message = [say_sql("{value} is not of type {type}", value=quoted(value),
                           type=quote_literal(field.type))]
    digits = quote_literal(str(MAX_INTEGER_DIGITS))
    message += [
        f"CASE WHEN {grouped} THEN " + say_sql(
            ": it looks like {digits} written with a thousands separator; write digits only",
            digits=f"regexp_replace({text}, {quote_literal(_GROUP_MARKS)}, '', 'g')")
        + " ELSE '' END",
        f"CASE WHEN {full_match(text, '[+-]?[0-9]+')} AND length(ltrim({text}, '+-')) "
        f"> {MAX_INTEGER_DIGITS} THEN "
        + say_sql(": it has more than {digits} digits, more than any count", digits=digits)
        + " ELSE '' END"]
    if field.type == "number":
        other = "," if decimal == "." else r"\."
        hint = (say_sql(": this file is read with a decimal point (give --decimal if that is "
                        "wrong)") if decimal == "." else
                say_sql(": this file is read with a decimal comma (give --decimal if that is "
                        "wrong)"))
        wrong_mark = full_match(text, "[+-]?[0-9]+" + other + "[0-9]+")
        message.append(f"CASE WHEN {wrong_mark} AND NOT {grouped} THEN {hint} ELSE '' END")
    return " || ".join(message)


def _zero_hint(value: str, passes: str) -> str:
    """Where a code typed into a spreadsheet lost its leading zero ('101' for '0101'),
    the text to add to the message. `passes` tests the padded code (`{padded}`)."""
    padded = f"('0' || {value})"
    hint = say_sql("; a spreadsheet drops the leading zero of a code typed as a number: "
                   "write '{code}' and format the column as Text", code=padded)
    return (f"CASE WHEN {full_match(value, '[0-9]+')} AND "
            f"coalesce({passes.replace('{padded}', padded)}, false) THEN {hint} ELSE '' END")


def _field_checks(field: FieldSpec, lists: list[CodeList], decimal: str,
                  ) -> list[tuple[Check, str, str]]:
    """(check, failing condition, message) of one field, in the order a cell breaking
    several is reported by. `y` is the typed row, which has the cells as written too."""
    value = f"y.{quote_identifier(text_column(field))}"
    typed = f"y.{quote_identifier(field.name)}"
    checks = []
    if field.required:
        checks.append((MISSING_VALUE, f"{value} IS NULL",
                       say_sql("this column is required; the cell is empty")))
    if field.type != "string":
        checks.append((TYPE_ERROR, f"{value} IS NOT NULL AND {typed} IS NULL",
                       _type_message(value, field, decimal)))
    if field.minimum is not None or field.maximum is not None:
        outside = []
        if field.minimum is not None:
            outside.append(f"{typed} < {field.minimum!r}")
        if field.maximum is not None:
            outside.append(f"{typed} > {field.maximum!r}")
        bounds = {"value": quoted(value),
                  "minimum": quote_literal(f"{field.minimum:g}" if field.minimum is not None
                                           else ""),
                  "maximum": quote_literal(f"{field.maximum:g}" if field.maximum is not None
                                           else "")}
        if field.maximum is None:
            message = say_sql("{value} must be at least {minimum}", **bounds)
        elif field.minimum is None:
            message = say_sql("{value} must be at most {maximum}", **bounds)
        else:
            message = say_sql("{value} must be at least {minimum} and at most {maximum}",
                              **bounds)
        checks.append((OUT_OF_RANGE, " OR ".join(outside), message))
    if field.pattern is not None:
        checks.append((PATTERN_MISMATCH,
                       f"{value} IS NOT NULL AND NOT {full_match(value, field.pattern)}",
                       say_sql("{value} does not have the form of {title} (pattern {pattern})",
                               value=quoted(value), title=quote_literal(translated(field.title)),
                               pattern=quote_literal(field.pattern)) + " || "
                       + _zero_hint(value, full_match("{padded}", field.pattern))))
    if field.enum is not None:
        allowed = text_list(field.enum)
        checks.append((NOT_IN_CODE_LIST, f"{value} NOT IN ({allowed})",
                       say_sql("{value} is not allowed here; use one of {codes}",
                               value=quoted(value), codes=quote_literal(", ".join(field.enum)))
                       + " || " + _zero_hint(value, "{padded} IN (" + allowed + ")")))
    for codes in lists:
        checks.append((NOT_IN_CODE_LIST, f"{value} IS NOT NULL AND NOT "
                       f"coalesce({codes.contains(value)}, false)",
                       say_sql("{value} is not a code in the {table} table", value=quoted(value),
                               table=quote_literal(codes.resource))
                       + " || " + _zero_hint(value, codes.contains("{padded}"))))
    return checks


def key_sql(table: LoadedTable, alias: str = "y") -> list[str]:
    """The primary key as the database compares it: a number cell by its value where it
    parsed ('+2015' and '2015' are one year), every other cell as written."""
    columns = []
    for name in table.spec.primary_key:
        field = table.spec.field(name)
        text = f"{alias}.{quote_identifier(text_column(field))}"
        if field.type == "string":
            columns.append(text)
        else:
            columns.append(f"coalesce(CAST({alias}.{quote_identifier(name)} AS VARCHAR), "
                           f"{text})")
    return columns


def _key_query(table: LoadedTable) -> str | None:
    """One finding per repeated key row, naming the row that first used the key. The
    repeated keys are found by a grouping first, so the rows are numbered only where a
    key repeats (in a clean table, nowhere)."""
    key = list(table.spec.primary_key)
    if not key or not all(table.has(k) for k in key):
        return None
    keys = key_sql(table)
    aliased = ", ".join(f"{k} AS k{i}" for i, k in enumerate(keys))
    names = ", ".join(f"k{i}" for i in range(len(keys)))
    value = " || ' / ' || ".join(
        f"coalesce(y.{quote_identifier(text_column(table.spec.field(k)))}, '')" for k in key)
    message = say_sql("the key ({key}) repeats row {first}", key=quote_literal(", ".join(key)),
                      first="first")
    # An empty key cell repeats too (as missing in both rows), as pandas counted it.
    same = " AND ".join(f"keyed.k{i} IS NOT DISTINCT FROM repeated.k{i}"
                        for i in range(len(keys)))
    # Rows whose key repeats have equal typed key cells too (an equal cell parses
    # equally): the typed cells, grouped without a cast, find the few rows to look at.
    typed = [f"y.{quote_identifier(k)}" for k in key]
    alike = " AND ".join(f"{c} IS NOT DISTINCT FROM r.t{i}" for i, c in enumerate(typed))
    candidates = (f"SELECT y.* FROM {table.typed_table} y SEMI JOIN (SELECT "
                  + ", ".join(f"{c} AS t{i}" for i, c in enumerate(typed))
                  + f" FROM {table.typed_table} y GROUP BY ALL HAVING count(*) > 1) r "
                  f"ON ({alike})")
    rows = f"SELECT y.{ROW}, {value} AS value, {aliased} FROM ({candidates}) y"
    return (f"WITH keyed AS ({rows}), repeated AS (SELECT {names} FROM keyed GROUP BY ALL "
            f"HAVING count(*) > 1) "
            f"SELECT row, {quote_literal(', '.join(key))} AS field, value, "
            f"{message} AS message FROM (SELECT {ROW} AS row, value, "
            f"row_number() OVER (PARTITION BY {names} ORDER BY {ROW}) AS repeat, "
            f"min({ROW}) OVER (PARTITION BY {names}) AS first "
            f"FROM keyed SEMI JOIN repeated ON ({same})) WHERE repeat > 1")


def _any_of(conditions: list[str]) -> str:
    """Whether any of the conditions holds (an unknown one counts as not)."""
    return f"coalesce({' OR '.join(conditions)}, false)" if conditions else "false"


def _failing(table: LoadedTable, others: list[str], coded: list[str],
             coded_columns: list[str]) -> str | None:
    """The condition on a typed row `y` that it breaks a rule; None when no row does.

    The conditions of fields checked against a form or a code list (`coded`, on
    `coded_columns`: string work on every cell) are asked of the distinct values of those
    columns, a few dozen codes in a million rows; the `others` (empty cells, types, ranges)
    of every row, which DuckDB mostly answers from the columns' statistics. Both are asked
    first, in one query, and the condition holds only the kinds that some row breaks: a
    table whose codes are all right is not joined to its breaking codes, a join that
    groups the table's codes a second time (measured at 5 million rows with 1% bad
    counts: 0.5 s of CPU)."""
    asked: list[tuple[str, str]] = []
    if others:
        asked.append((f"EXISTS (SELECT 1 FROM {table.typed_table} y WHERE {_any_of(others)})",
                      _any_of(others)))
    if coded:
        columns = [quote_identifier(c) for c in coded_columns]
        breaking = (f"SELECT {', '.join(columns)} FROM (SELECT DISTINCT {', '.join(columns)} "
                    f"FROM {table.typed_table}) y WHERE {_any_of(coded)}")
        same = " AND ".join(f"b.{c} IS NOT DISTINCT FROM y.{c}" for c in columns)
        asked.append((f"EXISTS ({breaking})",
                      f"EXISTS (SELECT 1 FROM ({breaking}) b WHERE {same})"))
    if not asked:
        return None
    broken = table.workspace.con.execute(
        f"SELECT {', '.join(question for question, _ in asked)}").fetchall()[0]
    parts = [condition for (_, condition), yes in zip(asked, broken, strict=True) if yes]
    return " OR ".join(parts) if parts else None


def check_structure(table: LoadedTable, references: dict[str, tuple[str, list[str]]],
                    findings: FindingsTable) -> int:
    """Write the structural findings of one table into `findings`; return their batch."""
    spec = table.spec
    batch = findings.new_batch()
    fields = [f for f in spec.fields if table.has(f.name)]
    key = _key_query(table)
    key_field = ", ".join(spec.primary_key)
    # Within a row, findings are listed by field name, as the report has always sorted.
    names = sorted([*(f.name for f in fields), *([key_field] if key else [])])
    queries = []
    # A table written series by series, years rising, cannot repeat a key.
    if key and not in_series_order(table):
        queries.append((DUPLICATE_KEY, key, names.index(key_field) * _PER_FIELD))
    # The cell checks in one pass over the table: each row gives the list of its failing
    # cells (a message is only built for a cell that fails), unnested into findings.
    cells: list[str] = []
    # The conditions of the fields checked against a form or a code list, the columns
    # they read, and the other conditions (see `_failing`).
    coded: list[str] = []
    others: list[str] = []
    coded_columns: dict[str, None] = {}
    for field in fields:
        checks = _field_checks(field, code_lists(table, field, references), table.decimal)
        is_coded = any(check in (PATTERN_MISMATCH, NOT_IN_CODE_LIST) for check, _, _ in checks)
        if is_coded:
            coded_columns |= dict.fromkeys([text_column(field), field.name])
        for rank, (check, condition, message) in enumerate(checks, start=1):
            order = names.index(field.name) * _PER_FIELD + rank
            (coded if is_coded else others).append(f"({condition})")
            cells.append(
                f"CASE WHEN {condition} THEN {{'c': {quote_literal(check.id)}, 'o': {order}, "
                f"'row': y.{ROW}, 'field': {quote_literal(field.name)}, "
                f"'value': y.{quote_identifier(text_column(field))}, 'message': {message}}} END")
        if field.unique:
            value = f"y.{quote_identifier(text_column(field))}"
            queries.append((
                DUPLICATE_VALUE,
                f"SELECT row, {quote_literal(field.name)} AS field, value, message FROM ("
                f"SELECT y.{ROW} AS row, {value} AS value, "
                f"{say_sql('{value} appears in an earlier row', value=quoted(value))} AS message, "
                f"row_number() OVER (PARTITION BY {value} ORDER BY "
                f"y.{ROW}) AS repeat FROM {table.typed_table} y) WHERE repeat > 1",
                names.index(field.name) * _PER_FIELD + _PER_FIELD - 1))
    fails = _failing(table, others, coded, list(coded_columns)) if cells else None
    # Only where a cell fails, by the conditions alone: most tables have none, and the
    # query that words the findings is the costly one to plan.
    if fails is not None:
        # The failing rows first, in a parallel scan; the findings are worded from them
        # alone (numbering them is a single-threaded pass: over a few rows, not the table).
        # They are found on the columns their conditions read, then fetched whole by
        # rowid: a filter over every column of every row read them all (measured with 1%
        # bad counts: 0.05 s of CPU instead of 0.12 s at 1 million rows, 0.75 s instead
        # of 1.24 s at 5 million, whose table DuckDB has partly moved to disk).
        rows = table.workspace.name("failing")
        findings.con.execute(
            f"CREATE TEMP TABLE {rows} AS SELECT * FROM {table.typed_table} WHERE rowid IN "
            f"(SELECT y.rowid FROM {table.typed_table} y WHERE {fails})")
        failing = (f"SELECT unnest(list_filter([{', '.join(cells)}], lambda x: x IS NOT NULL)) "
                   f"AS f FROM {rows} y")
        # Every cell check is an error: its severity is the check's.
        findings.con.execute(
            f"INSERT INTO {findings.table} SELECT 'error', f.c, {quote_literal(spec.name)}, "
            f"{quote_literal(table.file)}, f.row, f.field, f.value, f.message, {batch}, f.o, "
            f"row_number() OVER () FROM ({failing})")
        findings.con.execute(f"DROP TABLE {rows}")
    findings.add_queries(spec.name, table.file, queries, batch)
    return batch


def set_aside(table: LoadedTable, findings: FindingsTable, batch: int) -> None:
    """Blank out typed cells that broke a structural rule, and drop repeated keys, so the
    consistency and plausibility checks do not report the same problem again."""
    con = table.workspace.con
    failed = f"SELECT row, field, \"check\" FROM {findings.table} WHERE batch = {batch}"
    if not con.execute(f"SELECT count(*) FROM ({failed})").fetchall()[0][0]:
        return
    # Only the fields and rows that broke a rule are written: a few cells, not the table.
    broken = {field for (field,) in con.execute(
        f"SELECT DISTINCT field FROM ({failed}) WHERE field IS NOT NULL").fetchall()}
    names = [f.name for f in table.spec.fields if f.name in broken]
    if names:
        blanked = ", ".join(
            f"{quote_identifier(name)} = CASE WHEN {ROW} IN (SELECT row FROM ({failed}) WHERE "
            f"field = {quote_literal(name)}) THEN NULL ELSE {quote_identifier(name)} END"
            for name in names)
        con.execute(f"UPDATE {table.typed_table} SET {blanked} WHERE {ROW} IN (SELECT row "
                    f"FROM ({failed}) WHERE field IN ({text_list(names)}))")
        if broken & set(table.spec.primary_key):
            table.series_ordered = False  # an empty key cell: the sorted checks take it
    con.execute(f"DELETE FROM {table.typed_table} WHERE {ROW} IN (SELECT row FROM ({failed}) "
                f"WHERE \"check\" = {quote_literal(DUPLICATE_KEY.id)})")
