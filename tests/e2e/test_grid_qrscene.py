"""A grid's QR code scanned, over signed and encrypted XML as WeChat posts it: a new follower
(subscribe with EventKey qrscene_grid:CODE) or a follower (SCAN, EventKey grid:CODE) is placed
in that grid and told who its worker is, with no location; a code for a grid that no longer
exists gets the welcome without a grid and a request for the location.

The demo county (config/demo): 东关一网格 QH-QQ-DG-01 (grid worker 李明华), 东关二网格
QH-QQ-DG-02 (赵小燕), 王庄村网格 QH-LH-WZ-01 (王丽芳, environment routed to 马永富)."""

from __future__ import annotations

from sqlalchemy import update

from storage.models import OrgUnit
from tests.desk import grid_of_resident
from tests.hostile import one_text_message, raw_reply
from tests.stack import RESIDENT

TICKET = "gQFx8DwAAAAAAAAAAS5odHRwOi8vd2VpeGluLnFxLmNvbS9xLzAyZmFrZQ"  # fictional


def subscribe_with_scene(stack, scene: str, sender: str = RESIDENT) -> dict:
    return stack.mp.event(sender, "subscribe", EventKey=f"qrscene_{scene}", Ticket=TICKET)


def scan(stack, scene: str, sender: str = RESIDENT) -> dict:
    return stack.mp.event(sender, "SCAN", EventKey=scene, Ticket=TICKET)


async def grid_of(stack, openid: str = RESIDENT) -> str | None:
    grid = await grid_of_resident(stack, openid)
    return grid.code if grid else None


async def test_new_follower_who_scans_a_grid_code_is_placed_and_told_the_worker(stack):
    query, body = stack.mp.sign(subscribe_with_scene(stack, "grid:QH-QQ-DG-01"))
    assert "Encrypt" in body and "QH-QQ-DG-01" not in body  # really sealed on the wire

    status, _, reply = await raw_reply(stack.mp, query, body.encode())

    assert status == 200
    text = one_text_message(reply)
    assert "欢迎关注" in text and "隐私说明" in text  # the welcome and the consent, as always
    assert "东关一网格" in text and "李明华" in text and "13800000001" in text
    assert "不用再发送位置" in text and "发送一次您的位置" not in text
    assert await grid_of(stack) == "QH-QQ-DG-01"


async def test_report_then_follower_scan_routes_the_waiting_report_without_a_location(stack):
    reply = await stack.say("村口那条河里有人倒了好多建筑垃圾")
    assert "位置" in reply and [t.state for t in await stack.tickets()] == ["new"]

    reply = await stack.answer(stack.mp, scan(stack, "grid:QH-LH-WZ-01"))

    assert "王庄村网格" in reply and "王丽芳" in reply
    assert "之前反映的问题已转交处理" in reply
    assert [t.state for t in await stack.tickets()] == ["assigned"]
    await stack.drain()
    assert len(stack.fake.to("mayongfu")) == 1  # 柳河镇 routes environment to its inspector
    assert "王丽芳" in await stack.say("我们的网格员是谁")


async def test_scan_of_another_grid_moves_a_located_resident(stack):
    await stack.locate("东关一网格")
    reply = await stack.answer(stack.mp, scan(stack, "grid:QH-QQ-DG-02"))
    assert "东关二网格" in reply and "赵小燕" in reply
    assert await grid_of(stack) == "QH-QQ-DG-02"


async def test_code_of_a_grid_that_no_longer_exists_welcomes_and_asks_for_the_location(stack):
    reply = await stack.answer(stack.mp, subscribe_with_scene(stack, "grid:QH-QQ-OLD-09"))

    assert "欢迎关注" in reply and "隐私说明" in reply
    assert "已停用" in reply and "发送一次您的位置" in reply
    assert "网格员：" not in reply
    assert await grid_of(stack) is None
    later = await stack.say("楼下的路灯坏了好几天了")
    assert "位置" in later  # the report waits for a location, as any unplaced one


async def test_scan_naming_a_unit_that_is_not_a_grid_is_not_a_placement(stack):
    async with stack.services.sessionmaker() as session:
        village = update(OrgUnit).where(OrgUnit.path == "青禾县/清泉街道/东关社区")
        await session.execute(village.values(code="QH-QQ-DG"))
        await session.commit()

    reply = await stack.answer(stack.mp, scan(stack, "grid:QH-QQ-DG"))

    assert "已停用" in reply and "位置" in reply
    assert await grid_of(stack) is None


async def test_codes_that_are_not_a_grids_get_the_usual_answers(stack):
    reply = await stack.answer(stack.mp, subscribe_with_scene(stack, "campaign_2026"))
    assert "欢迎关注" in reply and "发送一次您的位置" in reply

    reply = await stack.answer(stack.mp, scan(stack, "campaign_2026"))
    assert reply is None  # not ours: nothing to say
    assert await grid_of(stack) is None


async def test_a_forged_scene_of_any_length_is_a_stale_code_not_an_error(stack):
    forged = "grid:" + "网格'; DROP TABLE org_units;--" * 200
    reply = await stack.answer(stack.mp, scan(stack, forged))
    assert "已停用" in reply
    assert await grid_of(stack) is None
