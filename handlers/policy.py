"""The rules of the service that operators tune in the TOML file, read once at start."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from config.settings import Settings, SettingsError
from nlu.categories import CATEGORY_IDS

DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str, where: str) -> timedelta:
    match = DURATION.match(str(text))
    if not match or int(match.group(1)) == 0:
        raise SettingsError(
            "GRIDBOT_CONFIG",
            f'{where}: {text!r} is not a duration like "90s", "30m", "2h" or "3d"',
        )
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class Sla:
    """Time limits: to accept once assigned, to be on site once accepted (must-attend cases),
    and to resolve once accepted."""

    accept: timedelta = timedelta(minutes=30)
    on_site: timedelta = timedelta(hours=2)
    resolve: timedelta = timedelta(days=3)

    def overridden(self, table: Mapping[str, Any], where: str) -> Sla:
        changes = {
            name: parse_duration(table[name], f"{where} {name}")
            for name in ("accept", "on_site", "resolve")
            if name in table
        }
        return replace(self, **changes)


URGENT_SLA = Sla(
    accept=timedelta(minutes=10), on_site=timedelta(minutes=30), resolve=timedelta(days=1)
)


@dataclass(frozen=True)
class Limits:
    """Each resident's token bucket: `burst` messages at once, `per_minute` on average."""

    per_minute: float = 10.0
    burst: int = 5

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> Limits:
        unknown = set(table) - {"per_minute", "burst"}
        if unknown:
            raise SettingsError("GRIDBOT_CONFIG", f"[limits] has unknown keys: {sorted(unknown)}")
        per_minute, burst = table.get("per_minute", cls.per_minute), table.get("burst", cls.burst)
        if (
            not isinstance(per_minute, int | float)
            or isinstance(per_minute, bool)
            or per_minute <= 0
        ):
            raise SettingsError(
                "GRIDBOT_CONFIG",
                f"[limits] per_minute: {per_minute!r} is not a positive number of messages",
            )
        if not isinstance(burst, int) or isinstance(burst, bool) or burst < 1:
            raise SettingsError(
                "GRIDBOT_CONFIG",
                f"[limits] burst: {burst!r} is not a whole number of messages, at least 1",
            )
        return cls(per_minute=float(per_minute), burst=burst)


@dataclass(frozen=True)
class Notices:
    """Notices to residents (政策宣传): at most `per_day` a unit a day, sent `per_minute` at
    a time; `template` (a template id) reaches residents outside the 48-hour window."""

    per_day: int = 3
    per_minute: int = 60
    template: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> Notices:
        table = settings.section("notice")
        counts = {key: table.get(key, getattr(cls, key)) for key in ("per_day", "per_minute")}
        for key, value in counts.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                problem = f"[notice] {key}: {value!r} is not a whole number, at least 1"
                raise SettingsError("GRIDBOT_CONFIG", problem)
        template = str(settings.section("templates").get("notice", "")).strip()
        return cls(**counts, template=template)


@dataclass(frozen=True)
class Intake:
    """`[intake]`: when an unplaced report goes to the duty desk, which county's desk, and how
    long a numbered question stays open."""

    locate_within: timedelta = timedelta(minutes=10)
    duty_unit: str = ""
    prompt_minutes: int = 10

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> Intake:
        unknown = set(table) - {"locate_within", "duty_unit", "prompt_minutes"}
        if unknown:
            raise SettingsError("GRIDBOT_CONFIG", f"[intake] has unknown keys: {sorted(unknown)}")
        within = table.get("locate_within")
        minutes = table.get("prompt_minutes", cls.prompt_minutes)
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 1:
            raise SettingsError(
                "GRIDBOT_CONFIG",
                f"[intake] prompt_minutes: {minutes!r} is not a whole number of minutes, "
                "at least 1",
            )
        return cls(
            locate_within=(
                parse_duration(within, "[intake] locate_within")
                if within is not None
                else cls.locate_within
            ),
            duty_unit=str(table.get("duty_unit", "")).strip(),
            prompt_minutes=minutes,
        )


@dataclass(frozen=True)
class Policy:
    # Below this confidence the resident is asked to pick the category among the top three.
    choice_threshold: float = 0.45
    sla: Sla = Sla()
    urgent_sla: Sla = URGENT_SLA
    category_sla: Mapping[str, Sla] = field(default_factory=dict)
    rating_wait: timedelta = timedelta(days=3)  # then closed as satisfied by default
    reopen_within: timedelta = timedelta(days=7)  # a closed ticket its resident may reopen
    photo_window: timedelta = timedelta(minutes=10)  # photos after 办结 attach to it
    duplicate_radius_m: float = 200.0  # same category this near and this recent is linked
    duplicate_window: timedelta = timedelta(hours=48)
    retention_days: int = 1095  # closed tickets keep personal details this long
    limits: Limits = Limits()
    alert_gap: timedelta = timedelta(minutes=1)  # one emergency alert per resident this often
    # [intake]: a report with no location goes to the county's duty desk after this long;
    # the county is `duty_unit` (a path or code; empty: the first county of the tree).
    locate_within: timedelta = timedelta(minutes=10)
    duty_unit: str = ""
    prompt_minutes: int = 10  # a question answered by number stays open this many minutes
    notices: Notices = Notices()

    @property
    def prompt_window(self) -> timedelta:
        return timedelta(minutes=self.prompt_minutes)

    def sla_for(self, category: str, urgent: bool) -> Sla:
        return self.urgent_sla if urgent else self.category_sla.get(category, self.sla)

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        nlu = settings.section("nlu")
        table = settings.section("sla")
        base = Sla().overridden(table, "[sla]")
        categories = {
            c: base.overridden(table[c], f"[sla.{c}]")
            for c in CATEGORY_IDS
            if isinstance(table.get(c), Mapping)
        }
        known = {"accept", "on_site", "resolve", "urgent", "reopen_within", *CATEGORY_IDS}
        unknown = set(table) - known
        if unknown:
            raise SettingsError("GRIDBOT_CONFIG", f"[sla] has unknown keys: {sorted(unknown)}")
        urgent = URGENT_SLA.overridden(table.get("urgent", {}), "[sla.urgent]")
        days = settings.section("retention").get("ticket_days", cls.retention_days)
        if not isinstance(days, int) or days < 1:
            raise SettingsError(
                "GRIDBOT_CONFIG",
                f"[retention] ticket_days: {days!r} is not a whole number of days",
            )
        intake = Intake.from_table(settings.section("intake"))
        return cls(
            locate_within=intake.locate_within,
            duty_unit=intake.duty_unit,
            prompt_minutes=intake.prompt_minutes,
            choice_threshold=float(nlu.get("threshold", cls.choice_threshold)),
            sla=base,
            urgent_sla=urgent,
            category_sla=categories,
            reopen_within=parse_duration(table.get("reopen_within", "7d"), "[sla] reopen_within"),
            retention_days=days,
            limits=Limits.from_table(settings.section("limits")),
            notices=Notices.from_settings(settings),
        )
