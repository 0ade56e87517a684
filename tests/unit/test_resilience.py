"""The demo grids the resilience tests place residents in; the failures themselves:
tests/e2e/test_resilience.py."""

from __future__ import annotations

from tests.stack import POINTS


def test_points_of_demo_grids_are_known():
    assert {"东关一网格", "王庄村网格"} <= set(POINTS)
