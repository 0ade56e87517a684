"""Staff commands as typed (handlers/chat/verbs.py): full-width characters, extra spaces and
bare lower-case codes are read leniently, a note is kept as typed. Over HTTP, with the ticket
they act on: tests/e2e/test_case_desk.py."""

from __future__ import annotations

import pytest

from handlers.chat.verbs import Command, parse
from tests.desk import full_width

CODE = "GB-7K3PQ"
BARE = CODE.removeprefix("GB-")


def test_commands_accept_full_width_characters_extra_spaces_and_bare_lower_case_codes():
    assert parse(f"接单\u3000{CODE.lower()}") == Command("accept", CODE)
    assert parse(f"  到场   {BARE.lower()}  ") == Command("arrive", CODE)
    assert parse(f"办结\u3000\u3000{full_width(CODE)}　已清运完毕") == Command(
        "resolve", CODE, "已清运完毕"
    )


def test_full_width_my_tickets_and_help_commands_are_understood():
    assert parse("\u3000我的工单\u3000") == Command("my_tickets")
    assert parse("ＨＥＬＰ") == Command("help")
    assert parse(f"工单 {full_width(CODE.lower())}") == Command("show", CODE)


@pytest.mark.parametrize("typed", ["帮助", "help", "?", "？", "Help"])
def test_every_way_of_asking_for_help_is_help(typed):
    assert parse(typed).verb == "help"


def test_unknown_command_is_answered_with_the_help():
    """The parser's part: no command is read, so the staff handler answers with the help."""
    assert parse("今天天气不错") is None
    assert parse("") is None


def test_a_reason_is_kept_as_typed_with_its_full_width_punctuation():
    command = parse(f"上报 {CODE} 垃圾站归街道管，需要协调！")
    assert command == Command("escalate", CODE, "垃圾站归街道管，需要协调！")


def test_a_transfer_names_the_staff_member_after_the_code():
    assert parse(f"转派 {CODE} 赵小燕") == Command("transfer", CODE, "赵小燕")
    assert parse(f"指派 {BARE.lower()} zhaoxiaoyan") == Command("assign", CODE, "zhaoxiaoyan")


@pytest.mark.parametrize(
    "typed, verb",
    [
        ("我的工单", "my_tickets"),  # not 工单 with "我的" in front
        ("开始巡查", "patrol_start"),
        ("巡查结束 一切正常", "patrol_end"),
        ("结束巡查", "patrol_end"),
        ("巡查记录", "patrol_history"),
        ("查户 东关路12号", "find_household"),
    ],
)
def test_the_longest_command_word_wins(typed, verb):
    assert parse(typed).verb == verb


def test_household_codes_are_taken_as_typed_and_ticket_codes_are_normalised():
    assert parse("户 H0001 全部") == Command("household", "H0001", "全部")
    assert parse("工单 gb7k3pq") == Command("show", CODE)
    assert parse("工单 不是工单号").code == "不是工单号"
