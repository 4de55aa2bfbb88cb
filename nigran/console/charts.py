"""Server-side SVG charts: no JavaScript, no build step, readable without colour (values shown)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#2f6f8f", "#d08a1f", "#b3261e", "#5a8f3a", "#6b5b95")


def bars(
    rows: Sequence[tuple[str, Sequence[float]]],
    *,
    series: Sequence[str],
    title: str,
    width: int = 640,
    fmt: str = "{:g}",
    domain: tuple[float, float] | None = None,
) -> Markup:
    """Horizontal (stacked, when several series) bars, one row per label, values printed."""
    bar_h, gap, left, top = 18, 8, 170, 28
    height = top + len(rows) * (bar_h + gap) + 28
    lo, hi = domain or (0.0, max([sum(v) for _, v in rows] + [1e-9]))
    span = (hi - lo) or 1.0
    plot_w = width - left - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="chart"><title>{escape(title)}</title>',
        f'<text x="0" y="16" class="chart-title">{escape(title)}</text>',
    ]
    for i, (label, values) in enumerate(rows):
        y = top + i * (bar_h + gap)
        parts.append(
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" class="chart-label">'
            f"{escape(label)}</text>"
        )
        x = float(left)
        for j, v in enumerate(values):
            w = max(0.0, (v - (lo if j == 0 else 0.0)) / span * plot_w)
            if w > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                    f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(series[j])}: '
                    f"{escape(fmt.format(v))}</title></rect>"
                )
            x += w
        shown = " / ".join(fmt.format(v) for v in values)
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 13}" class="chart-value">{shown}</text>')
    ly = height - 8
    for j, name in enumerate(series):
        parts.append(
            f'<rect x="{left + j * 120}" y="{ly - 10}" width="10" height="10" '
            f'fill="{PALETTE[j % len(PALETTE)]}"/><text x="{left + j * 120 + 14}" y="{ly}" '
            f'class="chart-label">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
