"""Inline SVG charts drawn in Python: no script, no font and no file fetched by the page (it opens offline).

Small on purpose: grouped bars over months and horizontal bars, the two shapes the morning page needs.
"""

from __future__ import annotations

from html import escape

INFLOW_COLOUR = "#2b7bb9"
OUTFLOW_COLOUR = "#d9534f"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def grouped_bars(categories: list[str], series: list[tuple[str, str, list[float]]], unit: str,
                 width: int = 760, height: int = 260) -> str:
    """Bars per category (e.g. month), one per series (label, colour, values), with a y axis in `unit`."""
    left, right, top, bottom = 56, 10, 28, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max([v for _, _, values in series for v in values] + [0]))
    slot = plot_w / max(len(categories), 1)
    bar_w = slot * 0.8 / max(len(series), 1)
    parts = [f'<svg width="{width}" height="{height}" role="img" '
             f'viewBox="0 0 {width} {height}" class="chart">']
    for i in range(5):
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{value:,.0f}</text>')
    parts.append(f'<text x="4" y="14" font-size="11">{escape(unit)}</text>')
    for ci, category in enumerate(categories):
        x0 = left + ci * slot + slot * 0.1
        for si, (label, colour, values) in enumerate(series):
            value = max(values[ci], 0)
            h = plot_h * value / top_value
            parts.append(f'<rect x="{x0 + si * bar_w:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" '
                         f'height="{h:.1f}" fill="{colour}"><title>{escape(category)} {escape(label)}: '
                         f'{values[ci]:,.2f} {escape(unit)}</title></rect>')
        parts.append(f'<text x="{left + ci * slot + slot / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                     f'font-size="11">{escape(category)}</text>')
    lx = left
    for label, colour, _ in series:
        parts.append(f'<rect x="{lx}" y="6" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{lx + 16}" y="16" font-size="12">{escape(label)}</text>')
        lx += 30 + 13 * len(label)
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(rows: list[tuple[str, float]], unit: str, colour: str = "#5b8c5a", width: int = 520) -> str:
    """One bar per (label, value), longest first as given, the value printed at the bar's end."""
    bar_h, gap, label_w = 20, 6, 150
    height = max(len(rows), 1) * (bar_h + gap) + 10
    top_value = max([v for _, v in rows] + [0]) or 1.0
    plot_w = width - label_w - 90
    parts = [f'<svg width="{width}" height="{height}" role="img" '
             f'viewBox="0 0 {width} {height}" class="chart">']
    for i, (label, value) in enumerate(rows):
        y = 5 + i * (bar_h + gap)
        w = plot_w * max(value, 0) / top_value
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="12">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" font-size="12">{value:,.2f} {escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)
