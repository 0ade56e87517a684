"""`[open311]`: per_minute, jurisdiction, private_reads; a bad value is one line naming it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from config.settings import Open311Options, SettingsError, load_settings


def options(table: dict) -> Open311Options:
    return Open311Options.from_settings(replace(load_settings({}), sections={"open311": table}))


def test_without_a_section_posts_are_limited_to_60_a_minute_and_reads_are_public():
    assert options({}) == Open311Options(per_minute=60, jurisdiction="", private_reads=False)


def test_the_settings_are_taken_as_written():
    table = {"per_minute": 5, "jurisdiction": " qinghe.example.cn ", "private_reads": True}

    assert options(table) == Open311Options(5, "qinghe.example.cn", True)


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ({"per_minute": 0}, "per_minute"),
        ({"per_minute": "lots"}, "per_minute"),
        ({"per_minute": True}, "per_minute"),
        ({"private_reads": "yes"}, "private_reads"),
        ({"jurisdiction": 12}, "jurisdiction"),
        ({"perminute": 5}, "perminute"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(table, named):
    with pytest.raises(SettingsError) as raised:
        options(table)

    message = str(raised.value)
    assert "\n" not in message and "[open311]" in message and named in message
