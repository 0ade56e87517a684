"""The rhythm of grid work, from the TOML file: patrol times, visit cadences, digests, quiet
hours and the assessment's weights. All times are Asia/Shanghai wall-clock times."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from config.settings import Settings, SettingsError
from handlers.policy import parse_duration

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
DEFAULT_CADENCE = {
    "低保户": "30d",
    "五保户": "30d",
    "特困家庭": "30d",
    "空巢老人": "7d",
    "留守妇女": "30d",
    "留守儿童": "14d",
    "残疾人家庭": "30d",
    "出租房屋": "30d",
    "流动人口": "30d",
    "社区矫正人员": "7d",
    "刑满释放人员": "30d",
    "吸毒人员": "14d",
    "严重精神障碍患者": "14d",
}
DEFAULT_WEIGHTS = {
    "accept": 0.2,
    "resolve": 0.25,
    "satisfaction": 0.25,
    "patrol": 0.15,
    "visit": 0.15,
}


def parse_clock(text: Any, where: str) -> time:
    match = CLOCK.match(str(text).strip())
    if not match:
        raise SettingsError("GRIDBOT_CONFIG", f'{where}: {text!r} is not a time like "08:30"')
    return time(int(match.group(1)), int(match.group(2)))


def local(moment: datetime) -> datetime:
    return moment.astimezone(SHANGHAI)


@dataclass(frozen=True)
class Rhythm:
    patrol_times: tuple[time, ...] = (time(8, 30), time(14, 30))
    patrol_due: tuple[time, ...] = (time(12, 0), time(18, 0))
    cadence: Mapping[str, timedelta] = field(
        default_factory=lambda: {
            tag: parse_duration(value, "[visits.cadence]")
            for tag, value in DEFAULT_CADENCE.items()
        }
    )
    digest_daily: time = time(18, 0)
    charts: bool = False
    quiet_from: time | None = time(21, 30)
    quiet_until: time | None = time(7, 0)
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    excellent: float = 90.0  # 优秀 at or above
    passing: float = 60.0  # 合格 at or above, 不合格 below

    @classmethod
    def from_settings(cls, settings: Settings) -> Rhythm:
        patrol, visits = settings.section("patrol"), settings.section("visits")
        digest, quiet = settings.section("digest"), settings.section("quiet")
        grades = settings.section("assessment")
        times = tuple(parse_clock(t, "[patrol] times") for t in patrol.get("times", []))
        due = tuple(parse_clock(t, "[patrol] due") for t in patrol.get("due", []))
        if times and due and len(times) != len(due):
            raise SettingsError("GRIDBOT_CONFIG", "[patrol] times and due must pair up")
        cadence = {**DEFAULT_CADENCE, **visits.get("cadence", {})}
        start = parse_clock(quiet.get("from", "21:30"), "[quiet] from")
        until = parse_clock(quiet.get("until", "07:00"), "[quiet] until")
        return cls(
            patrol_times=times or cls.patrol_times,
            patrol_due=due or cls.patrol_due,
            cadence={
                tag: parse_duration(v, f"[visits.cadence] {tag}") for tag, v in cadence.items()
            },
            digest_daily=parse_clock(digest.get("daily", "18:00"), "[digest] daily"),
            charts=bool(digest.get("charts", False)),
            quiet_from=None if start == until else start,
            quiet_until=None if start == until else until,
            weights={**DEFAULT_WEIGHTS, **grades.get("weights", {})},
            excellent=float(grades.get("excellent", cls.excellent)),
            passing=float(grades.get("passing", cls.passing)),
        )

    def quiet_end(self, moment: datetime) -> datetime | None:
        """When the quiet hours around `moment` end, or None outside them."""
        if self.quiet_from is None:
            return None
        here = local(moment)
        now, start, until = here.time(), self.quiet_from, self.quiet_until
        inside = (start <= now or now < until) if start > until else start <= now < until
        if not inside:
            return None
        end = here.replace(hour=until.hour, minute=until.minute, second=0, microsecond=0)
        return end if end > here else end + timedelta(days=1)
