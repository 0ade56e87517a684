"""Benchmark of the grid lookup: 10,000 grid polygons, point-in-polygon through an STRtree.

.venv/bin/python bench/geo.py
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage.geo import GridIndex  # noqa: E402

SIDE = 100  # 100 × 100 = 10,000 grids
ORIGIN = (116.0, 36.0)
STEP = 0.005  # about 450 m × 550 m each


def grids() -> list[tuple[int, dict]]:
    """A county cut into irregular quadrilaterals (each corner jittered), like real grids."""
    rng = random.Random(1)
    corners = {
        (i, j): (
            ORIGIN[0] + i * STEP + rng.uniform(-0.001, 0.001),
            ORIGIN[1] + j * STEP + rng.uniform(-0.001, 0.001),
        )
        for i in range(SIDE + 1)
        for j in range(SIDE + 1)
    }
    out = []
    for i in range(SIDE):
        for j in range(SIDE):
            ring = [corners[i, j], corners[i + 1, j], corners[i + 1, j + 1], corners[i, j + 1]]
            out.append(
                (
                    i * SIDE + j,
                    {"type": "Polygon", "coordinates": [[list(p) for p in ring + ring[:1]]]},
                )
            )
    return out


def main() -> None:
    boundaries = grids()
    start = time.perf_counter()
    index = GridIndex(boundaries)
    build = time.perf_counter() - start
    rng = random.Random(2)
    extent = SIDE * STEP
    points = [
        (
            ORIGIN[0] + rng.uniform(-0.01, extent + 0.01),
            ORIGIN[1] + rng.uniform(-0.01, extent + 0.01),
        )
        for _ in range(20_000)
    ]
    timings, found = [], 0
    for lon, lat in points:
        t = time.perf_counter()
        found += index.locate(lon, lat) is not None
        timings.append(time.perf_counter() - t)
    ms = np.array(timings) * 1000
    print(f"grids: {len(index)}   index built in {build:.2f} s")
    print(
        f"lookups: {len(points)} ({found} inside a grid)   "
        f"p50 {np.percentile(ms, 50):.3f} ms   p99 {np.percentile(ms, 99):.3f} ms"
    )


if __name__ == "__main__":
    main()
