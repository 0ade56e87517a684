"""A ticket's page in the console: where the resident stood, the photos they sent (fetched from
WeChat by gridbot, so the page loads nothing from elsewhere), their other attachments and the
households that reported the same problem, masked; every photo looked at is audited.

The demo county: liminghua works 东关一网格 under zhouhaitao (东关社区); the supervisor of
西苑社区 is outside it. People and numbers are fictional."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import AuditEntry
from tests.console import browser, signed_in
from tests.desk import GARBAGE, GARBAGE_AGAIN, NEIGHBOUR, report
from tests.stack import POINTS, RESIDENT

PHOTO = b"\xff\xd8\xff\xe0" + b"fictional jpeg bytes" * 50
PHONE_AGAIN = GARBAGE_AGAIN + "，我电话13900000001"


@pytest.fixture
async def ticket(console) -> str:
    """A garbage ticket with a photo and a voice message, and a neighbour linked to it."""
    code = await report(console, "东关一网格", GARBAGE)
    console.fake.mp_media["photo-media-1"] = (PHOTO, "image/jpeg")
    image = console.mp.message(
        RESIDENT, "image", MediaId="photo-media-1", PicUrl="http://mmbiz.qpic.cn/fake/1"
    )
    assert code in await console.answer(console.mp, image)
    voice = console.mp.message(RESIDENT, "voice", MediaId="voice-media-1", Format="amr")
    await console.answer(console.mp, voice)
    await console.locate("东关一网格", sender=NEIGHBOUR)
    assert code in await console.say(PHONE_AGAIN, sender=NEIGHBOUR)
    return code


async def page_of(console, userid: str, path: str) -> tuple[int, str, bytes]:
    async with browser() as http:
        await signed_in(console, http, userid)
        async with http.get(f"{console.base}{path}") as response:
            return response.status, response.content_type, await response.read()


async def test_the_page_shows_location_photos_attachments_and_linked_reports(console, ticket):
    status, _, body = await page_of(console, "zhouhaitao", f"/console/tickets/{ticket}")
    page = body.decode()

    assert status == 200
    lon, lat = POINTS["东关一网格"]
    assert f"{lat:.5f}, {lon:.5f}" in page
    [photo] = _photo_links(page, ticket)
    assert "语音" in page
    assert "又有 1 户反映同一问题" in page
    assert "139****0001" in page and "13900000001" not in page
    assert "mmbiz.qpic.cn" not in page  # WeChat's address never reaches the browser

    status, kind, image = await page_of(console, "zhouhaitao", photo)
    assert (status, kind, image) == (200, "image/jpeg", PHOTO)


async def test_a_photo_is_audited_and_out_of_scope_is_404(console, ticket):
    status, _, page = await page_of(console, "zhouhaitao", f"/console/tickets/{ticket}")
    [photo] = _photo_links(page.decode(), ticket)

    assert (await page_of(console, "zhouhaitao", photo))[0] == 200
    assert (await page_of(console, "wuxiulan", photo))[0] == 404  # 西苑社区's supervisor
    missing = f"/console/tickets/{ticket}/photos/99999"
    assert (await page_of(console, "zhouhaitao", missing))[0] == 404
    async with console.services.sessionmaker() as session:
        seen = (
            await session.execute(
                select(AuditEntry.actor, AuditEntry.outcome).where(
                    AuditEntry.action == "view_photo"
                )
            )
        ).all()
    assert ("staff:zhouhaitao", "allowed") in [tuple(row) for row in seen]
    assert ("staff:wuxiulan", "refused") in [tuple(row) for row in seen]


async def test_a_photo_wechat_no_longer_keeps_says_so(console, ticket):
    _, _, page = await page_of(console, "zhouhaitao", f"/console/tickets/{ticket}")
    [photo] = _photo_links(page.decode(), ticket)
    console.fake.mp_media.clear()  # three days later: WeChat answers 40007

    status, _, body = await page_of(console, "zhouhaitao", photo)

    assert status == 404
    assert "3 天" in body.decode()


async def test_a_page_without_location_or_attachments_says_so(console):
    await console.say(GARBAGE)  # no location sent
    code = (await console.tickets())[-1].code

    status, _, body = await page_of(console, "songlixin", f"/console/tickets/{code}")

    assert status == 200
    assert "未定位" in body.decode()
    assert "没有其他居民反映同一问题" in body.decode()
    assert "/photos/" not in body.decode()


def _photo_links(page: str, code: str) -> list[str]:
    prefix = f"/console/tickets/{code}/photos/"
    found = {prefix + rest.split('"', 1)[0] for rest in page.split('src="' + prefix)[1:] if rest}
    return sorted(found)


async def test_a_workers_photo_comes_from_wecom(console):
    code = await report(console, "东关一网格", GARBAGE)
    for command in (f"接单 {code}", f"到场 {code}", f"办结 {code} 垃圾已清运"):
        await console.staff_says("liminghua", command)
    console.fake.media["after-1"] = b"\x89PNG\r\n\x1a\n fictional png"
    await console.work.send(console.work.image("liminghua", "after-1"))
    _, _, page = await page_of(console, "zhouhaitao", f"/console/tickets/{code}")
    [photo] = _photo_links(page.decode(), code)

    status, kind, image = await page_of(console, "zhouhaitao", photo)

    assert (status, kind, image) == (200, "image/png", console.fake.media["after-1"])
