"""The Excel template a national office fills in: one sheet per table, made from the
Table Schemas.

Every column, its title, type, constraints and code list come from the schemas and
reference tables; nothing about a field is written here. The header is frozen and
protected, code cells offer their code list as a dropdown (labels on the code list's
own sheet and in the cell's prompt), number cells accept whole non-negative numbers,
and code columns are formatted as text so Excel keeps leading zeros. The country is
prefilled; rows that hold nothing but the prefilled country are unused template rows,
which the reader drops (a hidden sheet marks the workbook as the template).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hemisec import __version__
from hemisec.errors import UsageError
from hemisec.package import DataPackage, FieldSpec, TableSpec
from hemisec.publish.labels import in_language_row
from hemisec.read.workbook import TEMPLATE_MARKER, TEMPLATE_SHEET
from hemisec.translate import say, translator

#: The tables a national office submits, in the order of their sheets.
TEMPLATE_TABLES = ("population", "homicide", "firearms", "prison", "iccs_correspondence",
                   "national_offences")
#: Rows prepared (country prefilled, dropdowns, unlocked) on each table's sheet.
TEMPLATE_ROWS = 2000
#: Excel shows at most this many characters in a cell's prompt.
PROMPT_LIMIT = 255
LIST_PREFIX = "list "
HEADER_FILL = "1F4E79"


def _(text: str) -> str:
    """Marks a text for the catalogues (extracted as msgid); translated where it is used."""
    return text


INSTRUCTIONS_SHEET = _("Instructions")
COLUMNS_SHEET = _("Columns")
INSTRUCTIONS = [
    _("hemisec submission template"),
    _("Country: {country} ({iso3}). Template for hemisec {version}."),
    _("How to fill in this workbook"),
    _("Each table has its own sheet, named after it. Fill in one row per figure, starting on "
      "row 2; leave tables you do not report empty."),
    _("The first row is the header: do not change, move or delete its columns."),
    _("Cells with a dropdown take a code from the list; the codes and their labels are on "
      "the sheets whose names start with 'list'."),
    _("Numbers are whole numbers without thousands separators. When a figure is not "
      "available, leave its row out: do not write 0."),
    _("Code columns are formatted as text so that leading zeros stay (ICCS 0101)."),
    _("Mark estimates and provisional figures in obs_status (E, P) and explain breaks in "
      "note."),
    _("The sheet 'Columns' explains every column. Paste values, not formulas."),
    _("Check the workbook before sending it: hemisec validate {file}"),
]
COLUMN_HEADINGS = [_("Table"), _("Column"), _("Title"), _("Type"), _("Required"), _("Unit"),
                   _("Allowed values"), _("Description")]
TYPE_NAMES = {"string": _("text"), "integer": _("whole number"), "number": _("number")}
YES, NO = _("yes"), _("no")
CODE_HEADINGS = [_("Code"), _("Label"), _("Definition")]
PROMPT_TITLE = _("Allowed codes")
NUMBER_PROMPT = _("A whole number, at least {minimum}")
RANGE_PROMPT = _("A whole number from {minimum} to {maximum}")
LONG_LIST_PROMPT = _("See the sheet '{sheet}' for the {count} allowed codes and their labels.")


def _code_list(spec: TableSpec, field: FieldSpec, package: DataPackage) -> str | None:
    """The reference table whose codes a field takes, if any."""
    return next((fk.resource for fk in spec.foreign_keys
                 if fk.field == field.name and fk.resource in package.reference_tables), None)


def _labels(name: str, package: DataPackage, language: str) -> list[tuple[str, str, str]]:
    """Code, label and definition of each row of a reference table, each label in
    `language` where the table has it, else in English ("" where a cell is empty)."""
    rows = package.reference_rows(name)
    if name == "countries":
        labels = [(r["iso3"], in_language_row(r, "name", language), r["name_un"]) for r in rows]
    else:  # the ICCS has labels but no definitions
        labels = [(r["code"], in_language_row(r, "label", language), r.get("definition"))
                  for r in rows]
    return [tuple(cell or "" for cell in label) for label in labels]


def _allowed(spec: TableSpec, field: FieldSpec, package: DataPackage, iso3: str) -> list[str]:
    if field.name == "iso3":
        return [iso3]
    if field.enum is not None:
        return list(field.enum)
    name = _code_list(spec, field, package)
    return [code for code, _, _ in _labels(name, package, "en")] if name else []


def _wrap(sheet: object, letter: str, width: int) -> None:
    """Wrap a column of long texts and give each row the height its text needs (Excel
    and LibreOffice do not grow rows written by a program)."""
    from openpyxl.styles import Alignment

    sheet.column_dimensions[letter].width = width
    for cell in sheet[letter][1:]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        lines = max(1, -(-len(str(cell.value or "")) // int(width * 1.1)))
        sheet.row_dimensions[cell.row].height = 15 * lines


def write_template(iso3: str, out: Path, language: str = "en",
                   package: DataPackage | None = None) -> Path:
    """Write the template for country `iso3` to `out` (.xlsx)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    package = package or DataPackage.load()
    t: Callable[[str], str] = translator(language)
    names = {code: label for code, label, _ in _labels("countries", package, language)}
    if iso3 not in names:
        raise UsageError(say("'{iso3}' is not an OAS member state's ISO3 code (see the "
                             "countries table)", iso3=iso3))
    country = names[iso3]
    if out.suffix.lower() != ".xlsx":
        raise UsageError(say("{file}: the template is an Excel workbook; give a name ending "
                             ".xlsx", file=out))

    workbook = Workbook()
    instructions = workbook.active
    instructions.title = t(INSTRUCTIONS_SHEET)
    texts = [t(text).format(country=country, iso3=iso3, version=__version__, file=out.name)
             for text in INSTRUCTIONS]
    for row, text in enumerate(texts, start=1):
        cell = instructions.cell(row, 1, text)
        cell.font = Font(bold=row in (1, 3), size=14 if row == 1 else 11)
    _wrap(instructions, "A", 75)
    instructions.sheet_properties.pageSetUpPr.fitToPage = True
    instructions.page_setup.fitToWidth, instructions.page_setup.fitToHeight = 1, 0

    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor=HEADER_FILL)
    unlocked = Protection(locked=False)
    lists_used: list[str] = []
    for name in TEMPLATE_TABLES:
        spec = package.tables[name]
        sheet = workbook.create_sheet(name)
        last = TEMPLATE_ROWS + 1
        for position, field in enumerate(spec.fields, start=1):
            letter = get_column_letter(position)
            cell = sheet.cell(1, position, field.name)
            cell.font, cell.fill = header_font, header_fill
            cell.comment = Comment(f"{t(field.title)}: {field.description}", "hemisec",
                                   width=320, height=160)
            column = sheet.column_dimensions[letter]
            column.width = max(12, len(field.name) + 4)
            column.protection = unlocked
            if field.type == "string":
                column.number_format = "@"  # text: Excel keeps leading zeros
            cells = f"{letter}2:{letter}{last}"
            code_list = _code_list(spec, field, package)
            validation = None
            if field.name == "iso3":
                validation = DataValidation(type="list", formula1=f'"{iso3}"')
                validation.prompt = f"{iso3} = {country}"
            elif code_list is not None or field.enum is not None:
                codes = _labels(code_list, package, language) if code_list else None
                if field.enum is not None:
                    formula = '"' + ",".join(field.enum) + '"'
                else:
                    formula = (f"'{LIST_PREFIX}{code_list}'!$A$2:$A${len(codes) + 1}")
                    lists_used.append(code_list)
                validation = DataValidation(type="list", formula1=formula)
                pairs = ([c for c in codes if c[0] in field.enum] if codes is not None
                         and field.enum is not None else codes)
                # Codes with their labels; a list without labels says what it means.
                prompt = ("; ".join(f"{code} = {label}" for code, label, _ in pairs)
                          if pairs is not None
                          else f"{', '.join(field.enum)}: {field.description}")
                if len(prompt) > PROMPT_LIMIT and code_list is not None:
                    prompt = t(LONG_LIST_PROMPT).format(sheet=f"{LIST_PREFIX}{code_list}",
                                                        count=len(codes))
                validation.promptTitle = t(PROMPT_TITLE)[:32]
                validation.prompt = prompt[:PROMPT_LIMIT]
            elif field.type in ("integer", "number"):
                minimum = field.minimum if field.minimum is not None else 0
                kind = "whole" if field.type == "integer" else "decimal"
                if field.maximum is not None:
                    validation = DataValidation(type=kind, operator="between",
                                                formula1=f"{minimum:g}",
                                                formula2=f"{field.maximum:g}")
                    validation.prompt = t(RANGE_PROMPT).format(minimum=f"{minimum:g}",
                                                               maximum=f"{field.maximum:g}")
                else:
                    validation = DataValidation(type=kind, operator="greaterThanOrEqual",
                                                formula1=f"{minimum:g}")
                    validation.prompt = t(NUMBER_PROMPT).format(minimum=f"{minimum:g}")
            if validation is not None:
                validation.showInputMessage = validation.showErrorMessage = True
                validation.error = t(field.title) + ": " + (validation.prompt or "")[:200]
                validation.add(cells)
                sheet.add_data_validation(validation)
        country_column = spec.field_names.index("iso3") + 1
        for row in range(2, last + 1):  # the country, prefilled
            cell = sheet.cell(row, country_column, iso3)
            cell.protection = unlocked
        sheet.freeze_panes = "A2"
        sheet.protection.sheet = True
        for permission in ("insertRows", "deleteRows", "formatColumns", "formatCells",
                           "sort", "autoFilter"):
            setattr(sheet.protection, permission, False)  # False: allowed while protected

    columns = workbook.create_sheet(t(COLUMNS_SHEET))
    columns.append([t(h) for h in COLUMN_HEADINGS])
    for name in TEMPLATE_TABLES:
        spec = package.tables[name]
        for field in spec.fields:
            unit = field.unit or ""
            allowed = _allowed(spec, field, package, iso3)
            columns.append([name, field.name, t(field.title), t(TYPE_NAMES[field.type]),
                            t(YES) if field.required else t(NO), unit,
                            ", ".join(allowed) if len(allowed) <= 20 else
                            f"{LIST_PREFIX}{_code_list(spec, field, package)}",
                            field.description])
    for cell in columns[1]:
        cell.font, cell.fill = header_font, header_fill
    for letter, width in zip("ABCDEFG", (20, 18, 22, 14, 10, 14, 30), strict=True):
        columns.column_dimensions[letter].width = width
    _wrap(columns, "H", 90)
    columns.freeze_panes = "A2"
    columns.page_setup.orientation = "landscape"
    columns.page_setup.fitToWidth, columns.page_setup.fitToHeight = 1, 0
    columns.sheet_properties.pageSetUpPr.fitToPage = True

    for name in dict.fromkeys(lists_used):
        codes = workbook.create_sheet(f"{LIST_PREFIX}{name}"[:31])
        labels = _labels(name, package, language)
        defined = any(definition for _, _, definition in labels)  # the ICCS has none here
        width = 3 if defined else 2
        codes.append([t(h) for h in CODE_HEADINGS][:width])
        for record in labels:
            codes.append(list(record[:width]))
        for cell in codes[1]:
            cell.font, cell.fill = header_font, header_fill
        codes.column_dimensions["A"].width, codes.column_dimensions["B"].width = 14, 40
        if defined:
            _wrap(codes, "C", 90)
        codes.protection.sheet = True

    marker = workbook.create_sheet(TEMPLATE_SHEET)
    marker.append([TEMPLATE_MARKER, __version__, iso3, language])
    marker.append(["prefilled", "iso3", iso3])
    marker.append(["own sheets", *[ws.title for ws in workbook.worksheets
                                   if ws.title not in (*TEMPLATE_TABLES, TEMPLATE_SHEET)]])
    marker.sheet_state = "hidden"
    out.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(out)
    return out
