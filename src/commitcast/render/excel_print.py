"""How the workbook's month-by-month sheets print: months across pages, the row labels repeated.

A calculation sheet or the Contracts sheet holds 36-60 months; squeezed one page wide they
print microscopically. They print instead on landscape Letter (which fits A4 too) at one scale
chosen so that a year of months beside the row labels fits a page's width, a page break before
each year (the fiscal year's first month on a calculation sheet), the label columns repeated on
every page and the months' header rows repeated on the pages below the first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

LETTER = 1  # xlsxwriter's paper code
MARGIN = 0.4  # inches, left and right
PAGE_WIDTH = 11.0  # inches, Letter landscape (A4's 11.69 is wider)
# Column widths are in characters of the default font (Calibri 11: 7 pixels, plus 5 pixels of
# padding); a pixel is 3/4 of a point. LibreOffice's substitute font runs slightly wider.
SAFETY = 0.93


def column_points(width: float) -> float:
    """The printed width of a column `width` characters wide, in points at 100%."""
    return (math.floor(width * 7 + 0.5) + 5) * 0.75


def scale_for(label_widths: Sequence[float], month_widths: Sequence[float]) -> int:
    """The print scale (percent) at which the labels and one page's months fit its width."""
    needed = sum(column_points(w) for w in [*label_widths, *month_widths])
    printable = (PAGE_WIDTH - 2 * MARGIN) * 72
    return max(10, min(100, math.floor(printable / needed * 100 * SAFETY)))


def months_across(
    ws: Any,
    *,
    label_widths: Sequence[float],
    widths: Sequence[float],
    page_starts: Sequence[int],
    header_rows: tuple[int, int] | None = None,
) -> None:
    """Print `ws` with its months across pages: the label columns (0 to len(label_widths) - 1)
    on every page, then the columns whose widths are `widths`, a page break before each column
    in `page_starts` (0-based sheet columns), `header_rows` (first, last; 0-based) on every
    page, at the scale that fits the widest page."""
    first = len(label_widths)
    end = first + len(widths)
    edges = sorted({c for c in page_starts if first < c < end})
    bounds = [first, *edges, end]
    widest = max(
        (list(widths[a - first : b - first]) for a, b in zip(bounds, bounds[1:], strict=False)),
        key=lambda block: sum(column_points(w) for w in block),
    )
    ws.set_landscape()
    ws.set_paper(LETTER)
    ws.set_margins(left=MARGIN, right=MARGIN, top=0.6, bottom=0.6)
    ws.set_print_scale(scale_for(label_widths, widest))
    ws.repeat_columns(0, first - 1)
    if header_rows is not None:
        ws.repeat_rows(*header_rows)
    if edges:
        ws.set_v_pagebreaks(edges)
    ws.set_footer("&L&A&RPage &P of &N")


def wrapped_height(text: str, width: float, line_points: float = 15.0) -> float | None:
    """The row height (points) a text wrapped in a column `width` characters wide needs, or None
    when it fits on one line. A spreadsheet does not grow a row for wrapped text written by a
    program, so without it the lines overlap the rows below. Calibri's letters average less
    than its digits' width: counting one character a digit's width leaves room to spare."""
    import textwrap

    lines = len(textwrap.wrap(text, width=max(int(width), 1), break_long_words=True)) or 1
    return line_points * lines if lines > 1 else None
