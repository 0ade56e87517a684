"""With `[digest] charts = true`, supervisors also get a bar chart of tickets by category."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.scheduler import jobs, run_job
from handlers import texts
from tests.conftest import embedded_classifier
from tests.stack import running_stack

CHARTS = {"digest": {"daily": "18:00", "charts": True}}


async def test_digest_comes_with_a_png_chart_uploaded_to_wecom(seeded_url, clock):
    async with running_stack(seeded_url, clock, CHARTS, classifier=embedded_classifier()) as stack:
        await stack.locate("东关一网格")
        await stack.say("小区门口的垃圾堆了好几天没人清理")
        await stack.say("路口红绿灯坏了一上午")
        [job] = [j for j in jobs(stack.services.rhythm) if j.name == "digest-village"]
        clock.current = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai
        await run_job(stack.services, job)
        await stack.drain()

        received = stack.fake.to("zhouhaitao")  # 东关社区's supervisor
        assert any("工作简报" in text for text in received)
        [image] = [text for text in received if text.startswith("[image ")]
        media_id = image.removeprefix("[image ").rstrip("]")
        assert stack.fake.media[media_id].startswith(b"\x89PNG")


async def test_without_charts_the_digest_is_text_only(stack, clock):
    await stack.locate("东关一网格")
    await stack.say("小区门口的垃圾堆了好几天没人清理")
    [job] = [j for j in jobs(stack.services.rhythm) if j.name == "digest-village"]
    clock.current = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    await run_job(stack.services, job)
    await stack.drain()
    received = stack.fake.to("zhouhaitao")
    assert received and not any(text.startswith("[image ") for text in received)
    assert stack.fake.media == {}


async def test_a_unit_with_no_new_tickets_gets_no_blank_chart_and_is_told_why(seeded_url, clock):
    async with running_stack(seeded_url, clock, CHARTS, classifier=embedded_classifier()) as stack:
        await stack.locate("东关一网格")
        await stack.say("小区门口的垃圾堆了好几天没人清理")
        [job] = [j for j in jobs(stack.services.rhythm) if j.name == "digest-village"]
        clock.current = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
        await run_job(stack.services, job)
        await stack.drain()

        quiet = stack.fake.to("wuxiulan")  # 西苑社区's supervisor: nothing new there
        assert any("工作简报" in text for text in quiet)
        assert not any(text.startswith("[image ") for text in quiet)
        assert any(texts.DIGEST_NO_CHART in text for text in quiet)
        busy = stack.fake.to("zhouhaitao")
        assert any(text.startswith("[image ") for text in busy)
        assert not any(texts.DIGEST_NO_CHART in text for text in busy)
