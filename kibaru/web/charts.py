"""The small inline SVG of a source's articles per day (no script, no external asset)."""

from __future__ import annotations

WIDTH = 112
HEIGHT = 22


def sparkline_points(values: list[int], width: int = WIDTH, height: int = HEIGHT) -> str:
    """The ``points`` of an SVG polyline drawing ``values`` left to right, scaled to the
    largest (a flat line at the bottom when all are zero)."""
    if not values:
        return ""
    top = max(values) or 1
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{index * step:.1f},{height - 1 - (value / top) * (height - 2):.1f}"
        for index, value in enumerate(values)
    )
