"""Charts as inline SVG: drawn on the server, so the page, the print and the PDF match.

Each bar carries its rating as text (`+`, `++`, `+++`, `?`), never colour alone, and the
chart has a text alternative that says the same as the bars. Sizes are in CSS px
(0.75 pt): 14 px text for standard print, 22 px (16.5 pt) for large print.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from app.consultations.view import Match, Priority
from app.translations import gettext_for

STANDARD_PX, LARGE_PX = 14, 22


def priority_chart(
    match: Match, priorities: Sequence[Priority], lang: str, *, large: bool = False
) -> Markup:
    """Horizontal bars: this medicine's rating for each of the person's priorities."""
    _ = gettext_for(lang)
    font = LARGE_PX if large else STANDARD_PX
    row, label_w, bar_w, bar_h = int(font * 1.8), font * 15, font * 10, int(font * 1.2)
    height = row * len(priorities) + 4
    width = label_w + bar_w + font * 4
    title = _("{name}: ratings for your priorities").format(name=match.name)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{escape(title)}: {escape(match.why)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (priority, cell) in enumerate(zip(priorities, match.cells, strict=True)):
        y = index * row + 4
        baseline = y + bar_h - font // 5
        label = f"{priority.priority}. {priority.label}"
        if len(label) > 27:
            label = label[:26] + "…"
        parts.append(
            f'<text x="0" y="{baseline}" font-size="{font}" fill="#1b1b1b">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="{bar_h}" fill="none" '
            f'stroke="#6b6b6b" stroke-width="1"/>'
        )
        if cell.unknown:
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="{bar_h}" fill="none" '
                f'stroke="#1b1b1b" stroke-width="2" stroke-dasharray="6 4"/>'
            )
        elif cell.value:
            filled = bar_w * cell.value // 3
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{filled}" height="{bar_h}" fill="#0b5394"/>'
            )
        parts.append(
            f'<text x="{label_w + bar_w + font // 2}" y="{baseline}" font-size="{font}" '
            f'fill="#1b1b1b">{escape(cell.symbol)}</text>'
        )
    parts.append("</svg>")
    # Safe: every value interpolated above went through escape().
    return Markup("".join(parts))  # noqa: S704
