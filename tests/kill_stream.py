"""Residents of the demo county, each standing at a point of their own, and the stream of
their reports pushed as WeChat pushes them, a few at a time."""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass, field

from shapely.geometry import Point, shape

from bot.devkit.demo import DEMO_DATA
from bot.devkit.simulator import WeChatSimulator
from nlu.keywords import KeywordClassifier
from tests.wechat_retries import RETRY_SECONDS, Delivery, push

# One keyword each: the keyword classifier is sure of them (0.65), none is an emergency.
PHRASES = (
    "小区门口的垃圾没人清理",
    "路口的红绿灯不亮了",
    "门口的路灯坏了好几天",
    "夜里工地施工很吵",
    "村里的井盖丢了",
    "老板拖欠我三个月的钱",
    "想问问医保怎么交",
    "楼下那条河道越来越脏",
    "街上的油烟熏得人受不了",
    "学校门口天天堵车",
    "隔壁楼有位独居的大爷",
    "想找个律师问问",
    "楼下的饭店半夜噪音不断",
    "路边有人乱倒渣土",
    "我想咨询一下离婚的事",
)
SURE = 0.65
# Points this far apart (about 360 m and 330 m) are beyond the 200 m within which reports of
# one kind are linked to an open ticket: every report opens a ticket of its own.
STEP_LON, STEP_LAT = 0.004, 0.003
IN_FLIGHT = 10


@dataclass
class Report:
    resident: str
    text: str
    point: tuple[float, float]  # lon, lat
    delivery: Delivery = field(default_factory=Delivery)


def make_reports(count: int, rng: random.Random) -> list[Report]:
    """`count` residents at distinct points of the demo grids, each with a text of its own."""
    points = lattice()
    if count > len(points):
        raise ValueError(f"at most {len(points)} reports: the demo grids hold no more points")
    reports = [
        Report(f"o_kill_resident_{n:04d}", f"{PHRASES[n % len(PHRASES)]}，在{n}号楼附近", point)
        for n, point in enumerate(rng.sample(points, count))
    ]
    for report in reports:
        _check_sure(report.text)
    return reports


def lattice() -> list[tuple[float, float]]:
    """Points inside the demo grids, STEP_LON by STEP_LAT apart."""
    features = json.loads((DEMO_DATA / "grids.geojson").read_text(encoding="utf-8"))["features"]
    points = []
    for grid in (shape(feature["geometry"]) for feature in features):
        west, south, east, north = grid.bounds
        for i in range(int((east - west) / STEP_LON) + 1):
            for j in range(int((north - south) / STEP_LAT) + 1):
                lon, lat = round(west + i * STEP_LON, 6), round(south + j * STEP_LAT, 6)
                if grid.contains(Point(lon, lat)):
                    points.append((lon, lat))
    return sorted(set(points))


def _check_sure(text: str) -> None:
    prediction = KeywordClassifier().predict(text)
    if prediction.confidence != SURE or prediction.urgent or prediction.intent != "report":
        raise ValueError(f"the keyword classifier is not plainly sure of {text!r}")


async def place(sim: WeChatSimulator, reports: list[Report], spacing: float) -> None:
    """Every resident shares their location, so that their report is routed at once."""
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def locate(report: Report) -> None:
        async with gate:
            lon, lat = report.point
            delivery = await push(sim, sim.location(report.resident, lon, lat), spacing)
            assert delivery.answered, f"{report.resident}'s location: {delivery.outcomes}"

    await asyncio.gather(*(locate(report) for report in reports))


class Stream:
    """The reports pushed `in_flight` at a time, each with WeChat's retries."""

    def __init__(
        self,
        sim: WeChatSimulator,
        reports: list[Report],
        spacing: float = RETRY_SECONDS,
        in_flight: int = IN_FLIGHT,
    ):
        self.reports = reports
        self.sim, self.spacing = sim, spacing
        self._gate = asyncio.Semaphore(in_flight)
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._push_all())

    @property
    def posting(self) -> int:
        """POSTs out whose answer is not yet in."""
        return sum(report.delivery.posting for report in self.reports)

    @property
    def answers(self) -> int:
        """POSTs the server answered, whatever the status."""
        return sum(
            outcome.isdigit() for report in self.reports for outcome in report.delivery.outcomes
        )

    async def answered(self, count: int) -> None:
        """Until the server has answered `count` POSTs, or every report is through."""
        while self.answers < count and not self._task.done():
            await asyncio.sleep(0.01)

    async def finished(self) -> None:
        await self._task

    async def _push_all(self) -> None:
        await asyncio.gather(*(self._push(report) for report in self.reports))

    async def _push(self, report: Report) -> None:
        async with self._gate:
            await push(
                self.sim,
                self.sim.text(report.resident, report.text),
                self.spacing,
                report.delivery,
            )
