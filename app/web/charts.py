"""Icon arrays as inline SVG: drawn on the server, so the page, the print and the PDF match.

An icon array shows a published proportion as people out of 100: a 10 × 10 grid with
one square for each person, filled for those who had the outcome. Filled squares are
solid and the others outlined, so the difference never rests on colour alone, and the
array's text alternative is the sentence printed beside it. Each grid is two paths (the
filled and the empty squares), which keeps the PDF's layout cheap.

Sizes are in CSS px (0.75 pt): 12 px labels for standard print, 22 px (16.5 pt) for
large print, where the squares grow with the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from markupsafe import Markup, escape

from app.consultations.evidence import PlainFigure

STANDARD_PX, LARGE_PX = 11, 22
SIDE = 10  # a 10 × 10 grid: one square per person out of 100
FILLED, EMPTY = "#0b5394", "#6b6b6b"


def _squares(x0: int, y0: int, size: int, gap: int, first: int, last: int) -> str:
    """Path data for squares `first` to `last - 1`, row by row from the top left."""
    step = size + gap
    return "".join(
        f"M{x0 + (n % SIDE) * step} {y0 + (n // SIDE) * step}h{size}v{size}h-{size}z"
        for n in range(first, last)
    )


def _grid(x0: int, y0: int, size: int, gap: int, people: int) -> str:
    filled = _squares(x0, y0, size, gap, 0, people)
    empty = _squares(x0 + 1, y0 + 1, size - 2, gap + 2, people, SIDE * SIDE)
    parts = []
    if filled:
        parts.append(f'<path d="{filled}" fill="{FILLED}"/>')
    if empty:
        parts.append(f'<path d="{empty}" fill="none" stroke="{EMPTY}" stroke-width="1"/>')
    return "".join(parts)


def icon_array(figure: PlainFigure, *, large: bool = False, label_id: str) -> Markup:
    """One grid for the medicine and, when the source gives it, one for the comparator,
    each headed by who it counts and how many in 100. `label_id` names the element that
    holds the sentence: the array's text alternative."""
    if figure.per_100 is None:
        return Markup("")
    font = LARGE_PX if large else STANDARD_PX
    size = font // 2 + 1
    gap = 2
    grid_w = SIDE * size + (SIDE - 1) * gap
    head = font * 2 + 6
    groups = [(figure.drug, figure.per_100)]
    counts = [figure.count]
    if figure.comparator_per_100 is not None:
        who = figure.comparator[:1].upper() + figure.comparator[1:]
        groups.append((who, figure.comparator_per_100))
        counts.append(figure.comparator_count)
    # Each column is as wide as its grid or its longest line of text, measured
    # generously (DejaVu Sans averages well under 0.62 em a letter): labels are never cut.
    widths = [
        max(grid_w, int(max(len(who), len(count)) * font * 0.62) + 1)
        for (who, _people), count in zip(groups, counts, strict=True)
    ]
    starts = [sum(widths[:i]) + i * font * 2 for i in range(len(widths))]
    width = starts[-1] + widths[-1]
    height = head + grid_w + 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="icons" role="img" '
        f'aria-labelledby="{escape(label_id)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">'
    ]
    for x, (who, people), count in zip(starts, groups, counts, strict=True):
        parts.append(
            f'<text x="{x}" y="{font}" font-size="{font}" fill="#1b1b1b">{escape(who)}</text>'
            f'<text x="{x}" y="{font * 2 + 2}" font-size="{font}" font-weight="bold" '
            f'fill="#1b1b1b">{escape(count)}</text>'
        )
        parts.append(_grid(x, head, size, gap, people))
    parts.append("</svg>")
    # Safe: every text interpolated above went through escape(); the rest are numbers.
    return Markup("".join(parts))  # noqa: S704


#: A bar chart's bar colour (solid; a suppressed figure draws no bar and says so).
BAR = "#0b5394"


def bar_chart(
    bars: list[tuple[str, int | None, str]], *, chart_id: str, title: str, desc: str
) -> Markup:
    """A horizontal bar chart as inline SVG, for the service dashboard.

    `bars` is (label, value or None, the value as words: "12" or "not shown"); a None
    draws no bar. The SVG is an image (role="img") named by its <title> and described
    by its <desc>; every bar's label and number are in it as text too, and the page
    puts the same numbers in a table beside it."""
    font, bar_h, gap = 13, 18, 10
    label_w = max([len(label) for label, _v, _w in bars] + [8]) * font * 0.6
    label_w = int(label_w) + 10
    track = 260
    words_w = max([len(words) for _l, _v, words in bars] + [4]) * font * 0.62 + 10
    width = int(label_w + track + words_w)
    height = len(bars) * (bar_h + gap) + gap
    top = max([v for _l, v, _w in bars if v is not None] + [1])
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bars" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(desc)}</desc>',
    ]
    for n, (label, value, words) in enumerate(bars):
        y = gap + n * (bar_h + gap)
        text_y = y + bar_h - 4
        parts.append(
            f'<text x="0" y="{text_y}" font-size="{font}" fill="#1b1b1b">{escape(label)}</text>'
        )
        length = 0 if value is None else max(1, round(track * value / top))
        if length:
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{length}" height="{bar_h}" fill="{BAR}"/>'
            )
        parts.append(
            f'<text x="{label_w + length + 6}" y="{text_y}" font-size="{font}" '
            f'fill="#1b1b1b">{escape(words)}</text>'
        )
    parts.append("</svg>")
    # Safe: every text interpolated above went through escape(); the rest are numbers.
    return Markup("".join(parts))  # noqa: S704


def bother_chart(values: Sequence[int | None], *, label_id: str) -> Markup:
    """An item's follow-up answers over time (0 not at all to 3 very much), oldest on the
    left: a dot for each answer, joined by a line, and a gap for a follow-up that left
    it unanswered (never drawn as 0). Lines at 0 to 3 give the scale; `label_id` names
    the element that lists the answers in words, the chart's text alternative."""
    step, left, top, row, dot = 36, 14, 6, 14, 4
    width = left + step * max(len(values), 1)
    height = top * 2 + row * 3
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bother-chart" role="img" '
        f'aria-labelledby="{escape(label_id)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">'
    ]
    for level in range(4):
        y = top + row * (3 - level)
        parts.append(
            f'<line x1="{left}" y1="{y}" x2="{width}" y2="{y}" stroke="#b1b4b6" stroke-width="1"/>'
            f'<text x="0" y="{y + 4}" font-size="10" fill="#1b1b1b">{level}</text>'
        )
    points = [
        (left + step // 2 + n * step, top + row * (3 - v)) if v is not None else None
        for n, v in enumerate(values)
    ]
    for a, b in pairwise(points):
        if a is not None and b is not None:
            parts.append(
                f'<line x1="{a[0]}" y1="{a[1]}" x2="{b[0]}" y2="{b[1]}" stroke="{FILLED}" '
                'stroke-width="2"/>'
            )
    for point in points:
        if point is not None:
            parts.append(f'<circle cx="{point[0]}" cy="{point[1]}" r="{dot}" fill="{FILLED}"/>')
    parts.append("</svg>")
    # Safe: the id went through escape(); everything else is a number.
    return Markup("".join(parts))  # noqa: S704
