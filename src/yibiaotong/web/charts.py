"""Charts drawn on the server as inline SVG: no script and nothing fetched, so they work on an
intranet without internet and under the app's strict Content-Security-Policy (SVG attributes,
colours from style.css classes, no inline style).

A horizontal bar chart suits Chinese labels (long, not rotatable): label on the left, the bar,
the number at its end. Every bar carries its exact value in ``data-value`` and a <title> for the
tooltip; the chart's own <title> names it for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 520  # viewBox units; the SVG scales to its box
ROW = 26
BAR = 16
LABEL = 150  # room for about nine Chinese characters at 14 units
VALUE = 74  # room for the number after the longest bar
LABEL_CHARS = 9


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    kind: str = ""  # a style class: "" (accent), "ok", "warn", "muted"
    href: str | None = None


def number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def bar_chart(bars: Sequence[Bar], title: str, *, unit: str = "", empty: str = "—") -> Markup:
    """Horizontal bars, longest scale = the largest value; an empty chart says ``empty``."""
    height = max(len(bars), 1) * ROW + 6
    out = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
           f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    if not bars:
        out.append(f'<text class="chart-empty" x="{WIDTH / 2:g}" y="{ROW / 2 + 5:g}" text-anchor="middle">{escape(empty)}</text>')
    top = max((b.value for b in bars), default=0) or 1
    room = WIDTH - LABEL - VALUE
    for i, b in enumerate(bars):
        y = i * ROW + 3
        w = max(b.value / top * room, 1.5 if b.value else 0)
        shown = number(b.value) + unit
        label = f'<text class="chart-label" x="{LABEL - 8}" y="{y + BAR - 3}" text-anchor="end">{escape(_short(b.label))}</text>'
        if b.href:
            label = f'<a href="{escape(b.href)}">{label}</a>'
        out.append(
            f'<g class="bar{" bar-" + b.kind if b.kind else ""}"><title>{escape(b.label)}：{escape(shown)}</title>{label}'
            f'<rect x="{LABEL}" y="{y}" width="{w:.1f}" height="{BAR}" rx="2" data-value="{b.value:g}"/>'
            f'<text class="chart-value" x="{LABEL + w + 6:.1f}" y="{y + BAR - 3}">{escape(shown)}</text></g>')
    out.append("</svg>")
    return Markup("".join(out))


def top(bars: Sequence[Bar], n: int) -> tuple[list[Bar], int, float]:
    """The ``n`` largest bars (ties by label), and how many bars with how much were left out (a
    chart says so in a line of text: one "other" bar would dwarf the bars it is meant to compare)."""
    ranked = sorted(bars, key=lambda b: (-b.value, b.label))
    rest = ranked[n:]
    return ranked[:n], len(rest), sum(b.value for b in rest)
