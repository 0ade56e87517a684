"""The demo console alone, without a subprocess: what `#` stands for. The `gridbot` command run
as an operator runs it: tests/e2e/test_cli.py."""

from __future__ import annotations


def test_demo_console_hash_stands_for_the_ticket_not_for_an_example_in_a_reply():
    from bot.devkit.console import Console
    from handlers import texts

    shown: list[str] = []
    console = Console(None, None, "o_console", {}, {}, show=shown.append)
    console.say("【新工单】GB-4BWS8")
    console.say(texts.NEED_CODE.format(verb="工单"))

    assert console.last_code == "GB-4BWS8" and texts.EXAMPLE_CODE in shown[-1]


def test_every_subcommand_help_opens_with_a_description():
    import argparse

    from bot.cli.main import _parser

    def undescribed(parser: argparse.ArgumentParser, name: str) -> list[str]:
        found = [] if parser.description else [name]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for verb, sub in action.choices.items():
                    found += undescribed(sub, f"{name} {verb}")
        return found

    assert undescribed(_parser(), "gridbot") == []
