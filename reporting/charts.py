"""Small server-rendered SVG charts for the dashboards: no JavaScript, readable on a phone,
and every chart sits above a table with the same numbers (screen readers get a summary in
the label and the full figures in the table). Hidden numbers are not drawn: the bar is
left out and marked "<8" or "–" as in the table."""

from dataclasses import dataclass

from markupsafe import escape

WIDTH = 640
LABEL_W = 210
ROW_H = 26
PAD = 12
COLOURS = ("#005eb8", "#768692")  # NHS blue and mid grey: both 3:1 or more on white
SAFE_BAND = "#e8edee"


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[float | None, ...]  # one per series; None: hidden or none
    texts: tuple[str, ...]  # what the table shows for each


def _attr(value: str) -> str:
    return str(escape(value)).replace("\n", " ")


def _svg(height: float, label: str, body: list[str], legend: list[str]) -> str:
    legend_h = 22 if legend else 0
    total_h = height + legend_h
    return (
        f'<svg class="lw-figure-chart" viewBox="0 0 {WIDTH} {total_h:.0f}" role="img" '
        f'aria-label="{_attr(label)}" focusable="false" preserveAspectRatio="xMinYMin meet">'
        f'<rect x="0" y="0" width="{WIDTH}" height="{total_h:.0f}" fill="#ffffff"/>'
        + "".join(body)
        + "".join(legend)
        + "</svg>"
    )


def _legend(series: tuple[str, ...], y: float) -> list[str]:
    if len(series) < 2:
        return []
    parts, x = [], LABEL_W
    for i, name in enumerate(series):
        parts.append(
            f'<rect x="{x}" y="{y + 4:.0f}" width="12" height="12" fill="{COLOURS[i % 2]}"/>'
            f'<text x="{x + 18}" y="{y + 15:.0f}" font-size="13" fill="#212b32">'
            f"{escape(name)}</text>"
        )
        x += 30 + 8 * len(name)
    return parts


def _short(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bars(
    title: str,
    bars: list[Bar],
    *,
    series: tuple[str, ...] = ("",),
    maximum: float | None = None,
    band: tuple[float, float] | None = None,
    unit: str = "",
) -> str:
    """Horizontal bars, one group per row; `band` shades a range (e.g. a safe caseload)."""
    if not bars:
        return ""
    n_series = len(series)
    group_h = ROW_H * n_series + 8
    height = PAD * 2 + group_h * len(bars)
    plot_w = WIDTH - LABEL_W - 70
    top = max([v for b in bars for v in b.values if v is not None] + [maximum or 0, 1])
    if band:
        top = max(top, band[1] * 1.1)

    def x(value):
        return LABEL_W + plot_w * value / top

    body = []
    if band:
        body.append(
            f'<rect x="{x(band[0]):.1f}" y="{PAD - 4}" width="{x(band[1]) - x(band[0]):.1f}" '
            f'height="{height - 2 * PAD + 8:.0f}" fill="{SAFE_BAND}"/>'
        )
    for row, bar in enumerate(bars):
        y0 = PAD + row * group_h
        body.append(
            f'<text x="{LABEL_W - 8}" y="{y0 + group_h / 2 + 1:.0f}" text-anchor="end" '
            f'font-size="13" fill="#212b32">{escape(_short(bar.label))}</text>'
        )
        for i, (value, shown) in enumerate(zip(bar.values, bar.texts, strict=True)):
            y = y0 + i * ROW_H
            if value is not None and value > 0:
                body.append(
                    f'<rect x="{LABEL_W}" y="{y + 3}" width="{max(x(value) - LABEL_W, 1):.1f}" '
                    f'height="{ROW_H - 8}" fill="{COLOURS[i % 2]}"/>'
                )
            end = x(value) if value is not None and value > 0 else LABEL_W
            body.append(
                f'<text x="{end + 6:.1f}" y="{y + ROW_H / 2 + 3:.0f}" font-size="13" '
                f'fill="#212b32">{escape(shown)}{escape(unit)}</text>'
            )
    summary = "; ".join(
        f"{b.label}: "
        + ", ".join(f"{s + ' ' if s else ''}{t}" for s, t in zip(series, b.texts, strict=True))
        for b in bars
    )
    return _svg(height, f"{title}. {summary}", body, _legend(series, height))


def columns(title: str, bars: list[Bar], *, series: tuple[str, ...] = ("",)) -> str:
    """Vertical columns over time (months), side by side per series."""
    if not bars:
        return ""
    height, base, left = 240, 200, 46
    plot_w = WIDTH - left - PAD
    slot = plot_w / len(bars)
    width = max(min(slot / (len(series) + 0.6), 28), 2)
    top = max([v for b in bars for v in b.values if v is not None] + [1])

    def y(value):
        return base - (base - PAD - 10) * value / top

    body = [
        f'<line x1="{left}" y1="{base}" x2="{WIDTH - PAD}" y2="{base}" stroke="#4c6272"/>',
        f'<text x="{left - 6}" y="{y(top) + 4:.0f}" text-anchor="end" font-size="12" '
        f'fill="#4c6272">{_axis(top)}</text>',
        f'<text x="{left - 6}" y="{base + 4}" text-anchor="end" font-size="12" '
        f'fill="#4c6272">0</text>',
    ]
    every = max(1, round(len(bars) / 8))
    for i, bar in enumerate(bars):
        x0 = left + i * slot + (slot - width * len(series)) / 2
        for s, value in enumerate(bar.values):
            if value is not None and value > 0:
                body.append(
                    f'<rect x="{x0 + s * width:.1f}" y="{y(value):.1f}" width="{width - 1:.1f}" '
                    f'height="{base - y(value):.1f}" fill="{COLOURS[s % 2]}"/>'
                )
        if i % every == 0:
            body.append(
                f'<text x="{left + i * slot + slot / 2:.1f}" y="{base + 18}" '
                f'text-anchor="middle" font-size="12" fill="#4c6272">'
                f"{escape(bar.label)}</text>"
            )
    summary = "; ".join(
        f"{b.label}: "
        + ", ".join(f"{s + ' ' if s else ''}{t}" for s, t in zip(series, b.texts, strict=True))
        for b in bars
    )
    return _svg(height, f"{title}. {summary}", body, _legend(series, height - 8))


def _axis(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


@dataclass(frozen=True)
class Interval:
    label: str
    point: float | None
    low: float | None
    high: float | None
    text: str


def intervals(title: str, rows: list[Interval], *, better: int = +1, unit: str = "") -> str:
    """Mean change with its 95% confidence interval per row, around a line at no change."""
    drawn = [r for r in rows if r.point is not None]
    if not drawn:
        return ""
    height = PAD * 2 + ROW_H * len(rows) + 24
    plot_w = WIDTH - LABEL_W - 40
    extent = max([abs(v) for r in drawn for v in (r.point, r.low, r.high) if v is not None] + [0.5])

    def x(value):
        return LABEL_W + plot_w * (value + extent) / (2 * extent)

    body = [
        f'<line x1="{x(0):.1f}" y1="{PAD - 4}" x2="{x(0):.1f}" y2="{height - 24}" '
        f'stroke="#4c6272" stroke-dasharray="4 3"/>',
        f'<text x="{x(0):.1f}" y="{height - 8}" text-anchor="middle" font-size="12" '
        f'fill="#4c6272">no change</text>',
        f'<text x="{LABEL_W}" y="{height - 8}" font-size="12" fill="#4c6272">'
        f"{'worse' if better > 0 else 'better'}</text>",
        f'<text x="{WIDTH - 40}" y="{height - 8}" text-anchor="end" font-size="12" '
        f'fill="#4c6272">{"better" if better > 0 else "worse"}</text>',
    ]
    for i, row in enumerate(rows):
        y = PAD + i * ROW_H + ROW_H / 2
        body.append(
            f'<text x="{LABEL_W - 8}" y="{y + 4:.0f}" text-anchor="end" font-size="13" '
            f'fill="#212b32">{escape(_short(row.label))}</text>'
        )
        if row.point is None:
            body.append(
                f'<text x="{x(0) + 6:.1f}" y="{y + 4:.0f}" font-size="13" fill="#4c6272">'
                f"{escape(row.text)}</text>"
            )
            continue
        if row.low is not None and row.high is not None:
            body.append(
                f'<line x1="{x(row.low):.1f}" y1="{y:.0f}" x2="{x(row.high):.1f}" y2="{y:.0f}" '
                f'stroke="{COLOURS[0]}" stroke-width="2"/>'
            )
        body.append(f'<circle cx="{x(row.point):.1f}" cy="{y:.0f}" r="5" fill="{COLOURS[0]}"/>')
    summary = "; ".join(f"{r.label}: {r.text}" for r in rows)
    return _svg(height, f"{title}{unit}. {summary}", body, [])
