"""`[sla] reopen_within`: how long after a close its resident may reopen a ticket."""

from __future__ import annotations

from datetime import timedelta

import pytest

from config.settings import Settings, SettingsError
from handlers.policy import Policy


def test_reopen_window_is_seven_days_unless_set():
    assert Policy.from_settings(Settings()).reopen_within == timedelta(days=7)


def test_reopen_window_is_read_from_the_sla_section():
    settings = Settings(sections={"sla": {"reopen_within": "2d"}})
    assert Policy.from_settings(settings).reopen_within == timedelta(days=2)


def test_a_reopen_window_that_is_not_a_duration_names_the_key():
    settings = Settings(sections={"sla": {"reopen_within": "a week"}})
    with pytest.raises(SettingsError, match=r"\[sla\] reopen_within"):
        Policy.from_settings(settings)
