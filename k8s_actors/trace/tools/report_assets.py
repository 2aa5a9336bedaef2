"""The pieces of the HTML report that are not about traces: the style sheet, tables, SVG plots.

Role: everything `report` needs to draw a self-contained page, with no network: inline CSS, HTML
tables, and step-line plots as inline SVG (one `<path class="series">` per series, axes, ticks and
a legend). A plot with no data says why instead. Neighbours: `report` (assembles the page).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape

Series = Sequence[tuple[float, float]]
Scale = Callable[[float], float]

CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #222;
       background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.meta { color: #555; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 10px; color: #fff;
           font-weight: bold; }
.passed { background: #2e7d32; } .FAILED { background: #c62828; }
.unfinished { background: #ef6c00; }
table { border-collapse: collapse; margin: 4px 0 12px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #2e7d32; font-weight: bold; } .fail { color: #c62828; font-weight: bold; }
.counts { display: flex; gap: 32px; flex-wrap: wrap; }
.empty { color: #777; font-style: italic; border: 1px dashed #bbb; padding: 12px; width: 860px; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
"""

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
WIDTH, HEIGHT = 900, 280
LEFT, RIGHT, TOP, BOTTOM = 50, 190, 16, 34


def table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = ()
) -> str:
    """An HTML table; cells are escaped, columns listed in `numeric` align right."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{escape(cell)}</td>' if col in numeric else f"<td>{escape(cell)}</td>"
            for col, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def step_plot(title: str, series: Mapping[str, Series], end: float, why_empty: str) -> str:
    """Step lines of each series over [0, end] as inline SVG, or a note saying why it is empty."""
    if not any(series.values()):
        return f'<p class="empty" data-plot="{escape(title)}">{escape(why_empty)}</p>'
    end = end if end > 0 else 1.0
    top = max(1.0, max(value for points in series.values() for _, value in points))
    width, height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: float) -> float:
        return LEFT + t / end * width

    def y(value: float) -> float:
        return TOP + height - value / top * height

    parts = [_axes(end, top, x, y)]
    for number, (name, points) in enumerate(series.items()):
        colour = PALETTE[number % len(PALETTE)]
        # Later series are dashed so that equal counts drawn on top of each other stay visible.
        dash = "" if number % 2 == 0 else ' stroke-dasharray="7 4"'
        parts.append(_path(points, end, x, y, colour, name).replace("/>", dash + "/>"))
        parts.append(_legend(number, name, colour))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">'
        + "".join(parts)
        + "</svg>"
    )


def _axes(end: float, top: float, x: Scale, y: Scale) -> str:
    x0, x1, y0, y1 = x(0.0), x(end), y(0.0), y(top)
    lines = [
        f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y0:.1f}" stroke="#888"/>',
        f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x0:.1f}" y2="{y1:.1f}" stroke="#888"/>',
    ]
    for fraction in (0.0, 0.25, 0.5, 0.75, 1.0):
        t = end * fraction
        lines.append(f'<text x="{x(t):.1f}" y="{y0 + 16:.1f}" text-anchor="middle">{t:g}s</text>')
    for value in sorted({0.0, round(top / 2), top}):
        lines.append(
            f'<text x="{x0 - 6:.1f}" y="{y(value) + 4:.1f}" text-anchor="end">{value:g}</text>'
            f'<line x1="{x0:.1f}" y1="{y(value):.1f}" x2="{x1:.1f}" y2="{y(value):.1f}" '
            'stroke="#eee"/>'
        )
    return "".join(lines)


def _path(points: Series, end: float, x: Scale, y: Scale, colour: str, name: str) -> str:
    """A step line: each value holds until the next point, the last until `end`."""
    ordered = sorted(points)
    commands = [f"M{x(ordered[0][0]):.1f},{y(ordered[0][1]):.1f}"]
    for t, value in ordered[1:]:
        commands.append(f"H{x(t):.1f}V{y(value):.1f}")
    commands.append(f"H{x(end):.1f}")
    return (
        f'<path class="series" data-series="{escape(name)}" d="{"".join(commands)}" '
        f'fill="none" stroke="{colour}" stroke-width="2.5"/>'
    )


def _legend(number: int, name: str, colour: str) -> str:
    top = TOP + 6 + number * 18
    left = WIDTH - RIGHT + 14
    return (
        f'<rect x="{left}" y="{top}" width="12" height="12" fill="{colour}"/>'
        f'<text x="{left + 18}" y="{top + 10}">{escape(name)}</text>'
    )
