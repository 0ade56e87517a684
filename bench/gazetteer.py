"""The gazetteer's cost per unplaced resident's message, built anew against kept: a county of
10 townships × 10 communities × 3 grids (411 units) and 0, 1,000 or 5,000 imported places.

    .venv/bin/python bench/gazetteer.py

Built anew is what every such message paid before the gazetteer was kept per process (plus
reading every unit and place row, not counted here); kept, it pays one version read and the
lookup.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handlers.tickets.places import Gazetteer  # noqa: E402

ROUNDS = 20
TEXT = "我住在富民77路3号楼"


def county() -> list[SimpleNamespace]:
    units = [SimpleNamespace(id=1, parent_id=None, level="county", name="青禾县", path="青禾县")]

    def add(parent: SimpleNamespace, level: str, name: str) -> SimpleNamespace:
        unit = SimpleNamespace(
            id=len(units) + 1,
            parent_id=parent.id,
            level=level,
            name=name,
            path=f"{parent.path}/{name}",
        )
        units.append(unit)
        return unit

    for t in range(10):
        township = add(units[0], "township", f"第{t + 1}街道")
        for v in range(10):
            village = add(township, "village", f"{t}镇{v}社区")
            for number in "一二三":
                add(village, "grid", f"{t}镇{v}{number}网格")
    return units


def cpu_ms(work) -> float:
    started = time.process_time()
    for _ in range(ROUNDS):
        work()
    return (time.process_time() - started) / ROUNDS * 1000


def main() -> None:
    units = county()
    grids = [unit for unit in units if unit.level == "grid"]
    print("units  places  built anew (ms CPU)  kept: lookup (ms CPU)")
    for count in (0, 1000, 5000):
        places = [
            SimpleNamespace(name=f"富民{i}路", grid_id=grids[i % len(grids)].id)
            for i in range(count)
        ]
        built = cpu_ms(lambda places=places: Gazetteer(units, places).find(TEXT))
        kept = Gazetteer(units, places)
        lookup = cpu_ms(lambda kept=kept: kept.find(TEXT))
        print(f"{len(units):>5}  {count:>6}  {built:>19.2f}  {lookup:>21.2f}")


if __name__ == "__main__":
    main()
