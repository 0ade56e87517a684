"""Each resident's token bucket alone, on the injected clock; a resident flooding the Official
Account over HTTP: tests/e2e/test_rate_limits.py."""

from __future__ import annotations

from handlers.chat.limits import take_token
from handlers.policy import Limits
from storage.models import Resident


def test_a_token_comes_back_every_six_seconds_at_ten_a_minute(clock):
    resident = Resident(openid="o_bucket")
    limits = Limits(per_minute=10, burst=1)
    assert take_token(resident, clock.now(), limits)  # the one in the bucket
    clock.advance(seconds=5)
    assert not take_token(resident, clock.now(), limits)  # not back yet
    clock.advance(seconds=1)
    assert take_token(resident, clock.now(), limits)  # six seconds after the first
    assert not take_token(resident, clock.now(), limits)
