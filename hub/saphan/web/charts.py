"""Small charts as inline SVG, drawn on the server: no script, no chart library, no CDN.

Two shapes cover the console: vertical bars over days (:func:`columns`) and labelled
horizontal bars per agency (:func:`bars`). Both scale to the container (``viewBox``), carry
a ``<title>`` for screen readers and escape every label. The numbers also appear in a
table next to each chart, so nothing is only in a picture.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import count

from markupsafe import Markup, escape

WIDTH = 360
_ids = count(1)


def _nice_max(value: float) -> float:
    """A round upper bound for an axis (1, 2, 5 × 10ⁿ)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def columns(points: Sequence[tuple[str, float]], *, title: str, height: int = 180) -> Markup:
    """Vertical bars, one per point (label, value); labels sit under the bars."""
    uid = f"chart-{next(_ids)}"
    top, bottom, left, right = 16, 28, 30, 6
    plot_h = height - top - bottom
    plot_w = WIDTH - left - right
    peak = _nice_max(max((v for _, v in points), default=0.0))
    n = max(1, len(points))
    slot = plot_w / n
    bar = max(2.0, slot * 0.7)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{uid}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{uid}">{escape(title)}</title>',
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{WIDTH - right}" '
        f'y2="{top + plot_h}"/>',
        f'<text class="tick" x="{left - 4}" y="{top + 4}" text-anchor="end">{_fmt(peak)}</text>',
        f'<text class="tick" x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>',
    ]
    every = max(1, math.ceil(n / 7))
    for i, (label, value) in enumerate(points):
        h = plot_h * (value / peak) if peak else 0.0
        x = left + i * slot + (slot - bar) / 2
        y = top + plot_h - h
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}">'
            f"<title>{escape(label)}: {_fmt(value)}</title></rect>"
        )
        if value:
            parts.append(
                f'<text class="val" x="{x + bar / 2:.1f}" y="{y - 3:.1f}" '
                f'text-anchor="middle">{_fmt(value)}</text>'
            )
        # Every ``every``-th day is labelled, and the last; never two labels side by side.
        if (i % every == 0 and n - 1 - i >= every) or i == n - 1:
            parts.append(
                f'<text class="tick" x="{x + bar / 2:.1f}" y="{height - 10}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label above is escaped


def bars(rows: Sequence[tuple[str, float, str]], *, title: str, row_height: int = 34) -> Markup:
    """Horizontal bars, one per row (label, value, value as text)."""
    uid = f"chart-{next(_ids)}"
    left, right, top = 4, 8, 4
    peak = _nice_max(max((v for _, v, _ in rows), default=0.0))
    height = top + row_height * max(1, len(rows)) + 4
    plot_w = WIDTH - left - right
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{uid}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{uid}">{escape(title)}</title>',
    ]
    for i, (label, value, text) in enumerate(rows):
        y = top + i * row_height
        w = max(2.0, plot_w * 0.72 * (value / peak)) if value else 0.0
        parts.append(
            f'<text class="label" x="{left}" y="{y + 12}">{escape(label)}</text>'
            f'<rect class="bar" x="{left}" y="{y + 16}" width="{w:.1f}" height="12">'
            f"<title>{escape(label)}: {escape(text)}</title></rect>"
            f'<text class="val" x="{left + w + 4:.1f}" y="{y + 26}">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label above is escaped
