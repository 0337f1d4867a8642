"""How the workbook's sheets print (Excel and LibreOffice alike): landscape A4, one page wide and
as many pages long as needed, the column headers repeated on every page, the member, the cycle,
the sheet and the page number in the header and footer.

Number formats follow the data element's type (`NUMBER_FORMATS`). Percentages stay "General": a
percentage is stored from 0 to 100, and only a General cell lets a spreadsheet program turn "65%"
typed by hand into a percentage format the import recognises (`reading._percent_format`); in a cell
with a fixed format the same typing would silently keep 0.65.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from pmm.framework.spec import ElementSpec

NUMBER_FORMATS = {
    "count": "#,##0",
    "amount": "#,##0.00",
    "hours": "#,##0.0#",
    "days": "#,##0.0#",
    "year": "0",
    "percent": "General",
}
MARGINS = PageMargins(left=0.4, right=0.4, top=0.7, bottom=0.7, header=0.3, footer=0.3)  # inches
CHARACTERS_PER_WIDTH = 1.2  # characters of 11-point text a unit of column width holds, at least
LINE_HEIGHT = 15  # points, for 11-point text
DEFAULT_WIDTH = 8.43  # a column's width when the sheet does not set it


def number_format(element: ElementSpec) -> str:
    """The number format of a numeric element's value cells."""
    return NUMBER_FORMATS.get(element.value_type, "General")


def fit_rows(ws: Worksheet) -> None:
    """Give each row whose wrapped text needs several lines the height to show them. Left to
    itself, LibreOffice keeps such rows one line high: the text then overlaps the rows below, on
    screen and on paper. Rows of one line keep no set height, so they still grow while typing."""
    widths = {letter: dimension.width for letter, dimension in ws.column_dimensions.items()}
    for cells in ws.iter_rows():
        lines, size = 1, 11.0
        for cell in cells:
            if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                continue
            per_line = max(1, int((widths.get(cell.column_letter) or DEFAULT_WIDTH) * CHARACTERS_PER_WIDTH))
            font_size = float(cell.font.sz or 11)
            per_line = max(1, int(per_line * 11 / font_size))
            needed = sum(-(-len(part) // per_line) or 1 for part in cell.value.split("\n"))
            lines, size = max(lines, needed), max(size, font_size)
        if lines > 1:
            ws.row_dimensions[cells[0].row].height = lines * LINE_HEIGHT * size / 11 + 2


def _literal(text: str) -> str:
    """Text shown as is in a header or footer, where "&" starts a code."""
    return text.replace("&", "&&")


def print_setup(ws: Worksheet, *, member: str, cycle: str, title_rows: str | None = None) -> None:
    """Landscape, one page wide, `title_rows` (e.g. "4:4") repeated on every page, and a header
    (member, cycle, sheet) and footer (page X of Y) on every page."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages long as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = MARGINS
    ws.print_options.horizontalCentered = False
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddHeader.left.text = _literal(member)
    ws.oddHeader.center.text = _literal(cycle)
    ws.oddHeader.right.text = "&A"  # the sheet's name
    ws.oddFooter.right.text = _("Page %(page)s of %(pages)s") % {"page": "&P", "pages": "&N"}
    for item in (ws.oddHeader.left, ws.oddHeader.center, ws.oddHeader.right, ws.oddFooter.right):
        item.size = 9
