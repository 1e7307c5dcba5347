"""Draw the figures `agenda.py` printed as an SVG chart for the docs (standard library only).

Usage: python benchmarks/agenda.py 10000 100000 1000000 > figures.txt
       python benchmarks/chart.py figures.txt docs/assets/large-books.svg

Two panels, both on log-log axes against the number of customers: the wall
time, and the peak memory of all processes together, one line per mode.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

COLOURS = {"memory": "#7a7a7a", "stream-1": "#1f77b4", "stream-2": "#2ca02c", "unsorted": "#d62728"}
WIDTH, HEIGHT, MARGIN = 360, 260, 48
Figures = dict[str, list[tuple[int, float, float]]]


def read(path: Path) -> Figures:
    """Mode -> [(customers, seconds, total MiB)] from agenda.py's printed table."""
    lines: dict[str, list[tuple[int, float, float]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split()
        if len(cells) == 6 and cells[0].isdigit():
            n, mode, seconds, _, _, total = cells
            lines.setdefault(mode, []).append((int(n), float(seconds), float(total)))
    return lines


def panel(
    lines: dict[str, list[tuple[int, float, float]]], column: int, title: str, x0: int
) -> str:
    """One log-log panel of *column* (1: seconds, 2: MiB) at horizontal offset *x0*."""
    points = [p for series in lines.values() for p in series]
    xs = [math.log10(p[0]) for p in points]
    ys = [math.log10(p[column]) for p in points]
    x_lo, x_hi = min(xs) - 0.1, max(xs) + 0.1
    y_lo, y_hi = math.floor(min(ys)), math.ceil(max(ys))

    def at(n: float, value: float) -> tuple[float, float]:
        x = x0 + MARGIN + (math.log10(n) - x_lo) / (x_hi - x_lo) * (WIDTH - 2 * MARGIN)
        y = HEIGHT - MARGIN - (math.log10(value) - y_lo) / (y_hi - y_lo) * (HEIGHT - 2 * MARGIN)
        return x, y

    parts = [f'<text x="{x0 + WIDTH / 2}" y="20" text-anchor="middle">{title}</text>']
    left, bottom = x0 + MARGIN, HEIGHT - MARGIN
    parts.append(f'<line x1="{left}" y1="{MARGIN}" x2="{left}" y2="{bottom}" stroke="black"/>')
    parts.append(
        f'<line x1="{left}" y1="{bottom}" x2="{x0 + WIDTH - MARGIN}" y2="{bottom}" stroke="black"/>'
    )
    for power in range(y_lo, y_hi + 1):
        _, y = at(10**x_lo, 10**power)
        parts.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{10**power:g}</text>')
    for n in sorted({p[0] for p in points}):
        x, _ = at(n, 10**y_lo)
        parts.append(f'<text x="{x}" y="{bottom + 16}" text-anchor="middle">{n:,}</text>')
    for mode, series in lines.items():
        coords = " ".join("{:.1f},{:.1f}".format(*at(p[0], p[column])) for p in sorted(series))
        colour = COLOURS.get(mode, "black")
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("figures", type=Path)
    parser.add_argument("svg", type=Path)
    args = parser.parse_args()
    lines = read(args.figures)
    legend = [
        f'<rect x="{20 + 120 * i}" y="{HEIGHT + 4}" width="12" height="12" fill="{COLOURS[m]}"/>'
        f'<text x="{36 + 120 * i}" y="{HEIGHT + 14}">{m}</text>'
        for i, m in enumerate(m for m in COLOURS if m in lines)
    ]
    svg = "\n".join(
        [
            (
                f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * WIDTH}"'
                f' height="{HEIGHT + 24}" font-family="sans-serif" font-size="11">'
            ),
            panel(lines, 1, "seconds (log)", 0),
            panel(lines, 2, "peak MiB, all processes (log)", WIDTH),
            *legend,
            "</svg>",
        ]
    )
    args.svg.parent.mkdir(parents=True, exist_ok=True)
    args.svg.write_text(svg + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
