"""What a person sees of a workbook hemisec writes, checked as the file says it."""

from __future__ import annotations

import openpyxl

from hemisec.publish.exports import LINE_HEIGHT


def rows_too_short(sheet: object) -> tuple[list[tuple[str, str, float]], int]:
    """The cells of `sheet` whose wrapped text needs more height than their row has (at
    about a character per unit of column width; merged cells count their columns), and
    how many cells wrap at all. A spreadsheet keeps a row one line high unless the file
    says otherwise, so a long text would run under the next row."""
    spans = {(r.min_row, r.min_col): range(r.min_col, r.max_col + 1)
             for r in sheet.merged_cells.ranges}

    def width(column: int) -> int:
        letter = openpyxl.utils.get_column_letter(column)
        return int(sheet.column_dimensions[letter].width or 8)

    short, wrapping = [], 0
    for row in sheet.iter_rows():
        for cell in row:
            if not isinstance(cell.value, str) or not cell.value or not cell.alignment.wrap_text:
                continue
            size = cell.font.sz or 11
            chars = sum(width(c) for c in spans.get((cell.row, cell.column), [cell.column]))
            chars = max(1, int(chars * 11 / size))
            lines = sum(-(-len(part) // chars) or 1 for part in cell.value.split("\n"))
            height = sheet.row_dimensions[cell.row].height or LINE_HEIGHT
            if height < LINE_HEIGHT * lines * size / 11:
                short.append((cell.coordinate, cell.value[:60], height))
            wrapping += lines > 1
    return short, wrapping
