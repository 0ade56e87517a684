"""How alike two messages of one resident are, before any ticket is touched."""

from __future__ import annotations

import pytest

from handlers.tickets.repeats import NEAR, SAME, other_numbers, similarity

GARBAGE = "小区门口垃圾堆了好几天没人清理，臭得很"


def test_the_same_words_are_alike_whatever_the_punctuation_and_width():
    assert similarity(GARBAGE, GARBAGE) == 1.0
    assert similarity(GARBAGE, "小区门口垃圾堆了好几天没人清理!!臭得很") == 1.0
    assert similarity("ＡＢ路口灯坏了", "ab路口灯坏了") == 1.0


@pytest.mark.parametrize(
    ("text", "lowest", "highest"),
    [
        ("小区门口垃圾堆了好几天了，还是没人清理", SAME, 1.01),  # the same matter
        ("单元门口的垃圾箱满了，好几天没人来收", NEAR, SAME),  # perhaps: asked
        ("楼下有人在烧垃圾，烟很大", 0.0, NEAR),  # another matter
    ],
)
def test_how_alike_decides_joined_asked_or_new(text, lowest, highest):
    assert lowest <= similarity(GARBAGE, text) < highest


def test_other_numbers_tell_two_places_apart_but_a_detail_added_does_not():
    assert other_numbers("3号楼门口垃圾", "5号楼门口垃圾")
    assert not other_numbers("3号楼门口垃圾", "３号楼门口垃圾，已经5天了")
    assert not other_numbers("门口垃圾", "3号楼门口垃圾")
