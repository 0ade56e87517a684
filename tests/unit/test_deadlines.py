"""Time limits as the TOML file sets them, read into the policy; a late ticket climbing the
hierarchy on the running service: tests/e2e/test_deadlines.py."""

from __future__ import annotations

import pytest

from config.settings import Settings, SettingsError
from handlers.policy import Policy


def settings_with(sla: dict) -> Settings:
    return Settings(sections={"sla": sla})


def test_time_limits_per_category_and_for_urgent_tickets():
    policy = Policy.from_settings(
        settings_with(
            {"accept": "30m", "environment": {"resolve": "2d"}, "urgent": {"accept": "90s"}}
        )
    )
    assert policy.sla_for("traffic", False).resolve.days == 3
    assert policy.sla_for("environment", False).resolve.days == 2
    assert policy.sla_for("environment", False).accept.seconds == 30 * 60
    assert policy.sla_for("traffic", True).accept.seconds == 90


@pytest.mark.parametrize(
    "bad",
    [{"accept": "soon"}, {"accept": "0m"}, {"resolve": "3w"}, {"enviroment": {"resolve": "1d"}}],
)
def test_bad_time_limit_stops_start_up_with_one_line(bad):
    with pytest.raises(SettingsError) as error:
        Policy.from_settings(settings_with(bad))
    assert "\n" not in str(error.value) and "[sla" in str(error.value)
