"""Benchmark of the console map's grid layer (/console/map/grids.json): 10,000 grids with
boundaries as detailed as digitised ones, simplified, encoded as the endpoint encodes them and
gzipped as aiohttp gzips them (zlib level 6). The target: under 2 MB gzipped.

.venv/bin/python bench/console_map.py
"""

from __future__ import annotations

import math
import random
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handlers.console import mapdata  # noqa: E402

SIDE = 100  # 100 × 100 = 10,000 grids
ORIGIN = (116.0, 36.0)
STEP = 0.005  # about 450 m × 550 m each
BENDS = 24  # points along each edge between two corners (a street or a field's edge)
SWAY = 0.0002  # degrees, about 20 m: how far an edge wanders from the straight line
NOISE = 0.00001  # about 1 m: the digitiser's hand
TARGET = 2_000_000


def _edge(start, end, rng: random.Random) -> list[tuple[float, float]]:
    """The points between two corners: a gentle curve with a little noise on it."""
    phase, waves = rng.uniform(0, math.tau), rng.choice((1, 2, 3))
    (x0, y0), (x1, y1) = start, end
    length = math.hypot(x1 - x0, y1 - y0)
    nx, ny = (y0 - y1) / length, (x1 - x0) / length  # the normal
    points = []
    for k in range(1, BENDS + 1):
        t = k / (BENDS + 1)
        off = SWAY * math.sin(math.pi * t) * math.sin(waves * math.pi * t + phase)
        points.append(
            (
                x0 + (x1 - x0) * t + nx * off + rng.uniform(-NOISE, NOISE),
                y0 + (y1 - y0) * t + ny * off + rng.uniform(-NOISE, NOISE),
            )
        )
    return points


def county(side: int = SIDE, step: float = STEP) -> list[tuple[int, dict]]:
    """side × side grids `step` degrees wide that tile a county, neighbours sharing their
    edges point for point, as (id, GeoJSON Polygon)."""
    rng = random.Random(1)
    jitter = min(0.001, step / 5)  # how far a corner wanders, never past a neighbour
    corner = {
        (i, j): (
            ORIGIN[0] + i * step + rng.uniform(-jitter, jitter),
            ORIGIN[1] + j * step + rng.uniform(-jitter, jitter),
        )
        for i in range(side + 1)
        for j in range(side + 1)
    }
    edges = {}

    def edge(a, b):
        if (b, a) in edges:
            return edges[b, a][::-1]
        return edges.setdefault((a, b), _edge(corner[a], corner[b], rng))

    grids = []
    for i in range(side):
        for j in range(side):
            ring = []
            loop = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
            for a, b in zip(loop, loop[1:] + loop[:1], strict=True):
                ring += [corner[a], *edge(a, b)]
            ring.append(ring[0])
            polygon = {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}
            grids.append((i * side + j, polygon))
    return grids


def layer_of(grids: list[tuple[int, dict]]) -> tuple[bytes, float]:
    """The endpoint's body for a duty desk that sees every grid (a few tickets each), and the
    seconds simplifying took."""
    import json

    stored = [(grid_id, json.dumps(shape)) for grid_id, shape in grids]  # as the database has
    start = time.perf_counter()
    shapes = mapdata.simplified(stored)
    took = time.perf_counter() - start
    body = mapdata.collection(
        mapdata.grid_feature(
            shapes[grid_id],
            f"第{grid_id + 1}网格",
            f"青禾县/第{grid_id // 1000 + 1}镇/第{grid_id // 25 + 1}村/第{grid_id + 1}网格",
            ["王某某"],
            (grid_id % 7, grid_id % 3),
        )
        for grid_id, _ in grids
    )
    return body, took


def gzipped(body: bytes) -> int:
    """The size aiohttp sends with Content-Encoding: gzip (zlib's default level, 6)."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return len(packer.compress(body) + packer.flush())


def main() -> None:
    grids = county()
    raw = sum(len(shape["coordinates"][0]) for _, shape in grids)
    body, took = layer_of(grids)
    start = time.perf_counter()
    size = gzipped(body)
    packing = time.perf_counter() - start
    print(f"grids: {len(grids)}   points before simplifying: {raw:,}   simplified in {took:.2f} s")
    print(f"layer: {len(body):,} bytes   gzipped: {size:,} bytes in {packing:.2f} s")
    print(f"target < {TARGET:,} bytes: {'met' if size < TARGET else 'MISSED'}")


if __name__ == "__main__":
    main()
