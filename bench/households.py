"""Benchmark of the household import: 100,000 rows into SQLite, every sensitive field encrypted.

.venv/bin/python bench/households.py [ROWS]
"""

from __future__ import annotations

import asyncio
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.cli.registry import import_households  # noqa: E402
from bot.devkit.demo import seed  # noqa: E402
from storage.crypto import DataKey, new_key  # noqa: E402
from storage.db import make_engine, make_sessionmaker  # noqa: E402
from storage.households import CARE_TAGS, HEADER, ID_CHECK, ID_WEIGHTS  # noqa: E402

GRIDS = ("QH-QQ-DG-01", "QH-QQ-DG-02", "QH-QQ-XY-01", "QH-LH-WZ-01", "QH-LH-LJW-01")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "建国秀英志强丽华明军红梅小燕德福桂兰长生玉珍海涛"


def id_number(rng: random.Random) -> str:
    body = (
        f"371501{rng.randint(1940, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        f"{rng.randint(0, 999):03d}"
    )
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def write_file(path: Path, rows: int) -> None:
    rng = random.Random(7)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for n in range(rows):
            name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
            out.writerow(
                [
                    f"B{n:07d}",
                    rng.choice(GRIDS),
                    f"虚构路{n % 500}号{n}室",
                    name,
                    f"13{rng.randint(0, 999999999):09d}",
                    id_number(rng),
                    rng.randint(1, 6),
                    ";".join(rng.sample(CARE_TAGS, rng.randint(0, 2))),
                    "虚构备注" if n % 10 == 0 else "",
                ]
            )


async def run(rows: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        await seed(url)
        source = Path(folder) / "households.csv"
        write_file(source, rows)
        engine = make_engine(url)
        key = DataKey.from_text(new_key())
        try:
            for label in ("first import", "re-import, unchanged"):
                async with make_sessionmaker(engine)() as session:
                    from storage.models import RegistryKey

                    stored = await session.get(RegistryKey, 1)
                    if stored:  # the demo registry was written with the demo key
                        stored.key_id = key.key_id
                        await session.commit()
                    start = time.perf_counter()
                    counts = await import_households(session, source, key, quiet=True)
                    print(f"{label}: {rows} rows in {time.perf_counter() - start:.1f} s {counts}")
        finally:
            await engine.dispose()


if __name__ == "__main__":
    asyncio.run(run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
