"""Console tables line up in a terminal, where a Chinese character takes two columns."""

from __future__ import annotations

from wcwidth import wcswidth

from bot.cli.tables import table


def test_columns_start_at_the_same_terminal_column_whatever_the_script():
    lines = table(
        ("code", "state", "grid"),
        [["GB-4BWS8", "待接单", "东关一网格"], ["GB-7K2QX", "办理中", None]],
    ).splitlines()

    assert len(set(columns_of(lines, "s待办"))) == 1, lines
    assert len(set(columns_of(lines, "g东-"))) == 1, lines
    assert lines[2].endswith("-") and not any(line.endswith(" ") for line in lines)


def columns_of(lines: list[str], marks: str) -> list[int]:
    """The terminal column where each line's last `mark` starts."""
    return [wcswidth(line[: line.rindex(mark)]) for line, mark in zip(lines, marks, strict=True)]
