"""A long digest split into messages WeCom accepts; the digests, quiet hours and assessment as
supervisors receive them: tests/e2e/test_digests_assessment.py."""

from __future__ import annotations

from handlers.rhythm import digests

WECOM_TEXT_BYTES = digests.MAX_BYTES


def test_long_digest_is_split_into_messages_under_the_wecom_limit():
    lines = [f"· 青禾县第{n}网格（城区片区）：新增 {n} 件，办结 {n // 2} 件" for n in range(300)]

    parts = digests.chunks(lines)

    assert len(parts) > 1
    assert all(len(part.encode()) <= WECOM_TEXT_BYTES for part in parts)
    assert "\n".join(parts).splitlines() == lines  # nothing lost, nothing out of order


def test_a_single_overlong_digest_line_is_cut_to_fit_one_message():
    [part] = digests.chunks(["超时未办" * 1000])

    assert 0 < len(part.encode()) <= WECOM_TEXT_BYTES
