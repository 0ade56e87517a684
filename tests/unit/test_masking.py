"""Phone and ID numbers typed in free text, masked as the registry masks them (unit: no
database, no server). The numbers are fictional."""

from __future__ import annotations

import pytest

from handlers.masking import mask_text


def full_width(text: str) -> str:
    """What a Chinese input method in full-width mode types for ASCII."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


MASKED = {
    "电话13900000001": "电话139****0001",
    "139 0000 0001": "139****0001",
    "139-0000-0001": "139****0001",
    "139 - 0000 - 0001": "139****0001",
    "1 3 9 0 0 0 0 0 0 0 1": "139****0001",
    "13 900 000 001": "139****0001",
    "+86 139 0000 0001": "139****0001",
    "+8613900000001": "139****0001",
    "0086-13900000001": "139****0001",
    "8613900000001": "139****0001",
    "tel:13900000001。": "tel:139****0001。",
    "我家是3号楼，电话 13900000001 找张先生": "我家是3号楼，电话 139****0001 找张先生",
    "1 13900000001": "1 139****0001",
    "13900000001/13800000002": "139****0001/138****0002",
    "13900000001\n13900000002": "139****0001\n139****0002",
    "0371-12345678": "037****5678",
    "(0371)12345678": "037****5678",
    "0371 - 1234 5678": "037****5678",
    "010 87654321": "010****4321",
    "座机0371-12345678-801": "座机037****5678-801",
    "身份证371501195003120018": "身份证尾号 0018",
    "37150119880205003X": "尾号 003X",
    "37150119880205003x": "尾号 003X",
    "371501 19500312 0018": "尾号 0018",
    "老身份证 371501500312001 还能用吗": "老身份证 尾号 2001 还能用吗",
    "电话1390000…": "电话139****…",  # the start of a number a notice clipped
    "身份证 3715011950031…": "身份证 371****…",
}


@pytest.mark.parametrize("typed", list(MASKED))
def test_phone_and_id_numbers_are_masked_like_the_registry_masks_them(typed):
    assert mask_text(typed) == MASKED[typed]


@pytest.mark.parametrize(
    "typed",
    ["13900000001", "139-0000-0001", "0371-12345678", "37150119880205003X", "(0371)12345678"],
)
def test_numbers_typed_in_full_width_are_masked_too(typed):
    assert mask_text(f"电话：{full_width(typed)}。") == f"电话：{mask_text(typed)}。"


def test_invisible_and_wide_spaces_inside_a_number_do_not_hide_it():
    for space in ("\u3000", "\u00a0", "\u200b", "\ufeff", "\u2009"):
        assert mask_text(f"139{space}0000{space}0001") == "139****0001"


def test_every_number_in_a_message_is_masked_and_the_words_around_them_kept():
    typed = (
        "张建明 13900000001，身份证"
        + full_width("371501195003120018")
        + "，座机0371-12345678，谢谢"
    )

    assert mask_text(typed) == "张建明 139****0001，身份证尾号 0018，座机037****5678，谢谢"


UNTOUCHED = [
    "订单号 2139000000012345",  # a phone's digits inside a longer run
    "13900000001234",
    "No.139000000012",
    "3715011950031200189",  # an ID's digits inside a longer run
    "银行流水 20261126143000",
    "工单 GB-7K3PQ 已办结",
    "工单 GB-13900",
    "2026-11-26 13:00-14:00",
    "2026年11月26日 14:30 前",
    "¥13,900.00",
    "罚款 1390000 元",
    "3号楼2单元1301",
    "1301 1302 1303 1304",
    "12345678901",  # no mobile starts with 12
    "999999999999999",  # fifteen digits that are no date of birth
    "139****0001 尾号 0018",  # already masked
    "共 1234…",
    "",
]


@pytest.mark.parametrize("typed", UNTOUCHED)
def test_codes_dates_amounts_and_longer_digit_runs_are_left_as_typed(typed):
    assert mask_text(typed) == typed


def test_masking_twice_changes_nothing_more():
    once = mask_text("13900000001 0371-12345678 371501195003120018")
    assert mask_text(once) == once


HOSTILE = {
    "one long run": ("1" * 100_000, "1" * 100_000),
    "a phone's digits repeated without a break": ("13900000001" * 10_000,) * 2,
    "digits and spaces": ("1 " * 50_000, "1 " * 50_000),
    "dashes": ("-" * 100_000 + "1", "-" * 100_000 + "1"),
    "zero-width spaces": ("\u200b" * 100_000, "\u200b" * 100_000),
    "digits and spaces, clipped": ("1 " * 50_000 + "…", "1 " * 50_000 + "…"),
    "many phones": ("13900000001 " * 10_000, "139****0001 " * 10_000),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_long_hostile_inputs_come_back_whole(case):
    typed, expected = HOSTILE[case]
    assert mask_text(typed) == expected
