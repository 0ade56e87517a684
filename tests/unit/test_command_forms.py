"""Staff commands parse by their exact form: a command word is followed by nothing, a space,
a code or a colon, never by more Chinese (handlers/chat/verbs.py)."""

from __future__ import annotations

import pytest

from handlers.chat.verbs import Command, parse


@pytest.mark.parametrize(
    "typed",
    [
        "户口本丢了怎么补办",
        "工单怎么查",
        "超时了怎么办",
        "走访一下张大爷",
        "接单员是谁",
        "户籍在哪办",
    ],
)
def test_a_question_starting_with_a_command_word_is_no_command(typed):
    assert parse(typed) is None


@pytest.mark.parametrize(
    "typed, command",
    [
        ("户 H0001", Command("household", "H0001")),
        ("户H0001", Command("household", "H0001")),
        ("户：H0001 全部", Command("household", "H0001", "全部")),
        ("接单GB-7K3PQ", Command("accept", "GB-7K3PQ")),
        ("超时", Command("overdue")),
    ],
)
def test_a_command_in_its_exact_form_is_read(typed, command):
    assert parse(typed) == command


def test_visit_history_is_its_own_command_not_a_household_named_records():
    assert parse("走访记录") == Command("visit_history")
    assert parse("走访记录 H0001") == Command("visit_history", "H0001")
    assert parse("走访 H0001 一切正常") == Command("visit", "H0001", "一切正常")
