"""Small server-side SVG charts for reports (the PDF and the report page): a line, vertical
bars, horizontal bars. Hand-written, no dependency; every text is escaped and every
number on an axis is formatted for the active language. Colours are attributes, not
style="" (the site's CSP allows no inline style)."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from django.utils.formats import number_format

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 28
GREY = "#9ca3af"


def fmt(value, decimals: int = 0) -> str:
    """A number in the active language's format, with grouping ("12 345")."""
    if value is None:
        return "—"
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _open(title: str, width: int = WIDTH, height: int = HEIGHT) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'font-family="sans-serif" font-size="10">',
            f"<title>{escape(title)}</title>"]


def _scale(values: list[float | None], *, zero: bool = True) -> tuple[float, float]:
    """The axis' ends: from 0 (bars), or around the values (a line)."""
    known = [v for v in values if v is not None] or [0]
    low, high = min(known), max(known)
    if zero:
        low, high = min(low, 0), max(high, 0)
    if high == low:
        high = low + 1
    return low, high


def _axis(parts: list[str], low: float, high: float, height: int) -> None:
    """Three gridlines with their values on the left."""
    inner = height - TOP - BOTTOM
    for i in range(3):
        value = low + (high - low) * i / 2
        y = TOP + inner - inner * i / 2
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" '
                     f'y2="{y:.1f}" stroke="#e5e7eb"/>')
        parts.append(f'<text class="tick" x="{LEFT - 4}" y="{y + 3:.1f}" '
                     f'text-anchor="end" fill="#6b7280">{escape(fmt(value))}</text>')


def _labels(parts: list[str], labels: list[str], xs: list[float], height: int) -> None:
    step = max(1, len(labels) // 8)
    for i in range(0, len(labels), step):
        parts.append(f'<text class="label" x="{xs[i]:.1f}" y="{height - 8}" '
                     f'text-anchor="middle" fill="#6b7280">{escape(labels[i])}</text>')


def _y(value: float, low: float, high: float, height: int) -> float:
    inner = height - TOP - BOTTOM
    return TOP + inner - (value - low) / (high - low) * inner


def line_chart(*, title: str, labels: list[str], values: list[float | None],
               color: str = "#2563eb") -> str:
    """A line through the known values (a gap where a value is missing)."""
    parts = _open(title)
    low, high = _scale(values, zero=False)
    _axis(parts, low, high, HEIGHT)
    span = WIDTH - LEFT - RIGHT
    n = max(len(values) - 1, 1)
    xs = [LEFT + span * i / n for i in range(len(values))]
    runs, run = [], []
    for x, v in zip(xs, values, strict=True):
        if v is None:
            runs, run = runs + ([run] if run else []), []
        else:
            run.append(f"{x:.1f},{_y(v, low, high, HEIGHT):.1f}")
    runs += [run] if run else []
    for r in runs:
        parts.append(f'<polyline class="line" fill="none" stroke={quoteattr(color)} '
                     f'stroke-width="2" points="{" ".join(r)}"/>')
    _labels(parts, labels, xs, HEIGHT)
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(*, title: str, labels: list[str], values: list[float | None],
              color: str = "#2563eb") -> str:
    """One vertical bar per value (none where a value is missing)."""
    parts = _open(title)
    low, high = _scale(values)
    _axis(parts, low, high, HEIGHT)
    span = WIDTH - LEFT - RIGHT
    slot = span / max(len(values), 1)
    xs = [LEFT + slot * (i + 0.5) for i in range(len(values))]
    base = _y(max(low, 0), low, high, HEIGHT)
    for x, label, v in zip(xs, labels, values, strict=True):
        if v is None:
            continue
        y = _y(v, low, high, HEIGHT)
        top, h = min(y, base), abs(base - y)
        parts.append(f'<rect class="bar" x="{x - slot * 0.4:.1f}" y="{top:.1f}" '
                     f'width="{slot * 0.8:.1f}" height="{h:.1f}" fill={quoteattr(color)}>'
                     f"<title>{escape(label)}: {escape(fmt(v))}</title></rect>")
    _labels(parts, labels, xs, HEIGHT)
    parts.append("</svg>")
    return "".join(parts)


def hbar_chart(*, title: str, labels: list[str], values: list[float | None],
               color: str = "#2563eb", decimals: int = 2, suffix: str = "") -> str:
    """One horizontal bar per label, the value written after it."""
    row, label_w = 22, 160
    height = TOP + row * max(len(values), 1) + 8
    parts = _open(title, height=height)
    known = [abs(v) for v in values if v is not None]
    high = max(known) if known and max(known) > 0 else 1
    span = WIDTH - label_w - RIGHT - 70
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        y = TOP + row * i
        parts.append(f'<text class="label" x="{label_w - 6}" y="{y + 14}" text-anchor="end" '
                     f'fill="#374151">{escape(label[:28])}</text>')
        w = 0 if v is None else abs(v) / high * span
        if v is not None:
            parts.append(f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{w:.1f}" '
                         f'height="{row - 8}" fill={quoteattr(color)}/>')
        text = fmt(v, decimals) + (suffix if v is not None else "")
        parts.append(f'<text class="value" x="{label_w + w + 4:.1f}" y="{y + 14}" '
                     f'fill="#374151">{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)
