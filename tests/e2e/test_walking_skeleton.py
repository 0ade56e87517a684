"""End to end over HTTP: a resident's report reaches the grid worker, who accepts and resolves."""

from __future__ import annotations

import asyncio
import re

from tests.stack import RESIDENT

GRID_WORKER = "liminghua"  # 李明华, grid worker of 东关一网格 in the demo county


def code_in(text: str) -> str:
    return re.search(r"GB-[0-9A-Z]+", text).group(0)


async def test_report_reaches_grid_worker_and_resident_hears_back(stack):
    await stack.locate("东关一网格")
    reply = await stack.say("小区门口垃圾堆了好几天没人清理，臭得很")
    code = code_in(reply)
    assert "环境问题巡查" in reply and "李明华" in reply

    await stack.drain()
    notices = stack.fake.to(GRID_WORKER)
    assert len(notices) == 1 and code in notices[0] and "垃圾" in notices[0]

    assert code in await stack.staff_says(GRID_WORKER, f"接单 {code}")
    await stack.drain()
    assert any("受理" in text and code in text for text in stack.fake.to(RESIDENT))

    assert "已办结" in await stack.staff_says(GRID_WORKER, f"办结 {code} 已联系环卫清运完毕")
    await stack.drain()
    resolved = stack.fake.to(RESIDENT)[-1]
    assert "已办结" in resolved and "已联系环卫清运完毕" in resolved


async def test_safe_mode_report_delivered_three_times_makes_one_ticket_and_one_notice(stack):
    await stack.locate("东关一网格")
    fields = stack.mp.text(RESIDENT, "楼道里有人飞线给电动车充电，太危险了")
    query, body = stack.mp.sign(fields)
    assert "Encrypt" in body and "飞线" not in body  # really encrypted on the wire

    replies = [await stack.mp.post(query, body.encode()) for _ in range(3)]

    assert [r.status for r in replies] == [200, 200, 200]
    assert replies[0].text and "治安巡逻防范" in replies[0].text
    assert len(await stack.tickets()) == 1
    await stack.drain()
    assert len(stack.fake.to("hanlei")) == 1  # 东关社区's police assistant, by route


async def test_concurrent_duplicate_deliveries_make_one_ticket(stack):
    await stack.locate("东关二网格")
    query, body = stack.mp.sign(stack.mp.text(RESIDENT, "路口红绿灯坏了，车都乱开"))
    replies = await asyncio.gather(*(stack.mp.post(query, body.encode()) for _ in range(3)))
    assert all(r.status == 200 for r in replies)
    assert len(await stack.tickets()) == 1
    await stack.drain()
    assert len(stack.fake.to("zhaoxiaoyan")) == 1


async def test_report_before_location_is_kept_and_routed_when_location_arrives(stack):
    reply = await stack.say("村口那条河里有人倒了好多建筑垃圾")
    assert "位置" in reply
    assert [t.state for t in await stack.tickets()] == ["new"]

    reply = await stack.locate("王庄村网格")
    assert "王庄村网格" in reply and "王丽芳" in reply  # the grid and its worker
    await stack.drain()
    assert len(stack.fake.to("mayongfu")) == 1  # 柳河镇 routes environment to its inspector
    assert [t.state for t in await stack.tickets()] == ["assigned"]


async def test_location_outside_every_grid_is_answered_plainly(stack):
    reply = await stack.mp.send(stack.mp.location(RESIDENT, 116.45, 36.53))
    assert "不在" in reply.text


async def test_photo_attaches_to_latest_open_ticket(stack):
    await stack.locate("西苑一网格")
    code = code_in(await stack.say("小区里的路灯坏了一排，晚上黑漆漆的"))
    reply = await stack.mp.send(stack.mp.image(RESIDENT))
    assert code in reply.text


async def test_subscribe_gets_welcome_with_privacy_notice(stack):
    reply = await stack.mp.send(stack.mp.event(RESIDENT, "subscribe"))
    assert "欢迎" in reply.text and "隐私" in reply.text and "位置" in reply.text


async def test_staff_cannot_accept_someone_elses_ticket(stack):
    await stack.locate("东关一网格")
    code = code_in(await stack.say("门口的垃圾桶满了好几天没人收"))
    reply = await stack.staff_says("sunjianguo", f"接单 {code}")
    assert "不是派给您的" in reply
    assert [t.state for t in await stack.tickets()] == ["assigned"]
