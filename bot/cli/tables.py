"""Tables for the console, aligned by the width a terminal gives each character (a Chinese
character takes two columns)."""

from __future__ import annotations

from collections.abc import Sequence

from wcwidth import wcswidth


def width(text: str) -> int:
    shown = wcswidth(text)
    return shown if shown >= 0 else len(text)  # a control character: count it as one


def pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


def table(headings: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Columns two spaces apart, `-` for a missing value, no trailing blanks."""
    cells = [[str(headings[i]) for i in range(len(headings))]]
    cells += [["-" if value is None else str(value) for value in row] for row in rows]
    widths = [max(width(row[i]) for row in cells) for i in range(len(headings))]
    return "\n".join(
        "  ".join(pad(v, w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )
