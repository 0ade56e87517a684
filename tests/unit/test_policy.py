"""The rules operators tune in the TOML file, read into the policy (handlers/policy.py), and
each resident's token bucket under them. Over HTTP, with the service holding a flood back:
tests/e2e/test_rate_limits.py and tests/e2e/test_hostile_guarantees_limits.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from config.settings import Settings, SettingsError
from handlers.chat.limits import take_token
from handlers.policy import Limits, Policy, parse_duration
from storage.models import Resident


def taken(resident: Resident, clock, limits: Limits, times: int) -> list[bool]:
    return [take_token(resident, clock.now(), limits) for _ in range(times)]


def test_bucket_refills_at_ten_a_minute_and_never_holds_more_than_the_burst(clock):
    resident, limits = Resident(openid="o_flood"), Limits()  # the product's: 10 a minute, 5

    assert taken(resident, clock, limits, 6) == [True] * 5 + [False]
    clock.advance(seconds=6)  # one token back
    assert taken(resident, clock, limits, 2) == [True, False]
    clock.advance(hours=3)  # a long quiet: the bucket is full again, but only to five
    assert taken(resident, clock, limits, 8) == [True] * 5 + [False] * 3


def test_a_clock_set_back_gives_no_tokens_and_takes_none_away(clock):
    resident, limits = Resident(openid="o_flood"), Limits(per_minute=10, burst=2)
    assert taken(resident, clock, limits, 1) == [True]
    clock.advance(minutes=-30)
    assert taken(resident, clock, limits, 2) == [True, False]


@pytest.mark.parametrize(
    "text, duration",
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        (" 2 h ", timedelta(hours=2)),
    ],
)
def test_durations_are_written_with_a_unit(text, duration):
    assert parse_duration(text, "[sla] accept") == duration


@pytest.mark.parametrize("text", ["soon", "0m", "3w", "1.5h", "", "-2h"])
def test_a_duration_that_is_not_one_is_refused_in_one_line_naming_where(text):
    with pytest.raises(SettingsError) as error:
        parse_duration(text, "[sla] accept")
    assert "\n" not in str(error.value) and "[sla] accept" in str(error.value)


@pytest.mark.parametrize(
    "table",
    [
        {"per_minute": 0},
        {"per_minute": -1},
        {"per_minute": "ten"},
        {"per_minute": True},
        {"burst": 0},
        {"burst": 2.5},
        {"burst": False},
        {"bursts": 5},
    ],
)
def test_bad_limits_stop_start_up_with_one_line(table):
    with pytest.raises(SettingsError) as error:
        Policy.from_settings(Settings(sections={"limits": table}))
    assert "\n" not in str(error.value) and "[limits]" in str(error.value)


def test_limits_and_retention_are_read_from_the_settings():
    policy = Policy.from_settings(
        Settings(
            sections={"limits": {"per_minute": 20, "burst": 3}, "retention": {"ticket_days": 30}}
        )
    )
    assert policy.limits == Limits(per_minute=20.0, burst=3)
    assert policy.retention_days == 30


@pytest.mark.parametrize("days", [0, -1, "30", 1.5])
def test_bad_retention_stops_start_up_with_one_line(days):
    with pytest.raises(SettingsError) as error:
        Policy.from_settings(Settings(sections={"retention": {"ticket_days": days}}))
    assert "\n" not in str(error.value) and "[retention]" in str(error.value)


def test_without_settings_the_policy_is_the_products_defaults():
    policy = Policy.from_settings(Settings())
    assert policy.sla_for("traffic", False).accept == timedelta(minutes=30)
    assert policy.sla_for("traffic", True).accept == timedelta(minutes=10)
    assert policy.limits == Limits(per_minute=10.0, burst=5)
    assert policy.rating_wait == timedelta(days=3)


def test_intake_defaults_give_the_duty_desk_reports_after_ten_minutes():
    policy = Policy.from_settings(Settings())
    assert policy.locate_within == timedelta(minutes=10)
    assert (policy.prompt_minutes, policy.duty_unit) == (10, "")


def test_intake_settings_are_read_from_their_section():
    table = {"locate_within": "5m", "duty_unit": "青禾县", "prompt_minutes": 3}
    policy = Policy.from_settings(Settings(sections={"intake": table}))
    assert policy.locate_within == timedelta(minutes=5)
    assert (policy.prompt_minutes, policy.duty_unit) == (3, "青禾县")


@pytest.mark.parametrize(
    "table, named",
    [
        ({"locate_within": "ten minutes"}, "[intake] locate_within"),
        ({"prompt_minutes": 0}, "[intake] prompt_minutes"),
        ({"prompt_minutes": "10"}, "[intake] prompt_minutes"),
        ({"locate": "10m"}, "[intake] has unknown keys"),
    ],
)
def test_bad_intake_settings_stop_start_up_with_one_line_naming_them(table, named):
    with pytest.raises(SettingsError) as refused:
        Policy.from_settings(Settings(sections={"intake": table}))
    assert named in str(refused.value) and "\n" not in str(refused.value)
