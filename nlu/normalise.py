"""What the models and the word lists read: one spelling of every message.

Traditional characters become simplified (OpenCC), full-width letters, digits and punctuation
half-width (NFKC), control characters spaces, links one placeholder; and every Han character
has a toneless pinyin reading, so that a homophone typo (小头 for 小偷, 补帖 for 补贴) shares
features with the word it stands for.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from nlu.classifier import MAX_MODEL_CHARS

LINK = "〈链接〉"
_LINK = re.compile(
    r"(https?://|www\.)\S+|(?<![a-z0-9.-])[a-z0-9-]+\.(com|cn|net|top|xyz|cc|vip|me|io)(?![a-z])(/\S*)?",
    re.I,
)
# A long number: a phone (139-0000-0003, 0371-86000001), an ID or account number, a resident's
# or an advert's.
LONG_NUMBER = re.compile(r"(?<!\d)\+?\d(?:[ -]?\d){6,}x?(?!\d)")
# OpenCC keeps 著 (著名 is simplified too); in a message 著火/著急/睡著 mean 着.
_ZHE = re.compile(r"著(?=[火急凉了呢啦吧])|(?<=[睡看跟接照冲顺])著")


@functools.cache
def _opencc():
    import opencc

    return opencc.OpenCC("t2s.json")


def normalise(text: str) -> str:
    """Simplified, half-width, lower-case, printable, spaces collapsed, clipped."""
    text = unicodedata.normalize("NFKC", text[: MAX_MODEL_CHARS * 2])
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = _ZHE.sub("着", _opencc().convert(text))
    text = _LINK.sub(f" {LINK} ", text)
    return " ".join(text.lower().split())[:MAX_MODEL_CHARS]


@functools.cache
def _readings() -> dict[int, str]:
    from pypinyin.pinyin_dict import pinyin_dict

    return pinyin_dict


@functools.lru_cache(maxsize=8192)
def reading(char: str) -> str | None:
    """The first toneless pinyin reading of a Han character, None for anything else."""
    marked = _readings().get(ord(char))
    if not marked:
        return None
    plain = unicodedata.normalize("NFKD", marked.split(",")[0])
    return "".join(ch for ch in plain if not unicodedata.combining(ch))


def pinyin_pairs(text: str) -> list[str]:
    """Readings of adjacent Han characters: 小偷 and 小头 both give 'xiao_tou'."""
    sounds = [reading(ch) for ch in text]
    return [f"p:{a}_{b}" for a, b in zip(sounds, sounds[1:], strict=False) if a is not None and b]


def warm_up() -> None:
    _opencc()
    _readings()
