"""What the real-browser tests share: headless Chromium from the system (Debian's `chromium`,
which `.ci/run` installs; Playwright's own browser downloads are never used), found through
GRIDBOT_CHROMIUM or the PATH. Without it they skip with one line, except under CI=true,
where a missing browser is a failure: CI must not pass by testing nothing."""

from __future__ import annotations

import os
import shutil

import pytest


def chromium_path() -> str:
    """The Chromium to drive; skips the test (fails it under CI) when there is none."""
    given = os.environ.get("GRIDBOT_CHROMIUM", "").strip()
    found = given if given and os.access(given, os.X_OK) else None
    found = found or (None if given else shutil.which("chromium"))
    if found:
        return found
    missing = (
        f"GRIDBOT_CHROMIUM={given} is not an executable"
        if given
        else "no chromium on PATH (apt-get install chromium, or set GRIDBOT_CHROMIUM)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests need Chromium under CI: {missing}")
    pytest.skip(f"browser tests skipped: {missing}")


def playwright_or_skip():
    """playwright.async_api (the `test` extra); missing, a skip (a failure under CI)."""
    try:
        from playwright import async_api
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("browser tests need playwright under CI (pip install -e '.[test]')")
        pytest.skip("browser tests skipped: playwright is not installed")
    return async_api
