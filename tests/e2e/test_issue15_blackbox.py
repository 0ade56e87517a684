"""Issue 15, tested from its words alone (black box): every report gets an owner and a clock,
repeats join their ticket, residents act on their own reports, every message type has an
answer, the grid's QR code places a resident, supervisors' notices reach residents, and bad
input gets a clear answer. Over real HTTP with signed, encrypted XML, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
import secrets

import pytest

from bot.devkit.demo import DEMO_DATA_KEY
from bot.wire import signature
from tests.cli import CHANNELS, run_gridbot
from tests.desk import GARBAGE, NEIGHBOUR, assignee_of, code_in, full_width, report, trail
from tests.stack import POINTS, running_stack

FIRE = "楼道里着火了，烟很大，有人被困在楼上"
TYPED_HOME = "我住在清泉街道东关路12号"
TYPED_REPORT = "东关路12号门口垃圾堆了好几天没人清理，臭得很"
COMPLAINT = "根本没处理，垃圾还在那里！"
DUTY = "songlixin"  # role duty at 青禾县
COUNTY_SUPERVISOR = "huangwenjie"
DG01_WORKER, DG01_NAME = "liminghua", "李明华"
DG02_WORKER, DG02_NAME = "zhaoxiaoyan", "赵小燕"
XY01_NAME = "孙建国"
COMMUNITY_SUPERVISOR = "zhouhaitao"  # 东关社区
MADE_UP = "GB-ZZZZ9"


def fresh(name: str) -> str:
    return f"o_bb_{name}_{secrets.token_hex(3)}"


def asks_for_location(text: str) -> bool:
    return "位置" in text


async def wecom(stack, userid: str) -> list[str]:
    await stack.drain()
    return stack.fake.to(userid)


async def ticket(stack, code: str):
    return next(t for t in await stack.tickets() if t.code == code)


async def send_raw(sim, sender: str, inner: str):
    """Posts XML written by hand (nested fields as WeChat sends them), signed and encrypted
    as the simulator does for flat messages."""
    plain = (
        f"<xml><ToUserName><![CDATA[{sim.account}]]></ToUserName>"
        f"<FromUserName><![CDATA[{sender}]]></FromUserName>"
        f"<CreateTime>{int(sim.now())}</CreateTime>{inner}</xml>"
    )
    timestamp, nonce = sim.timestamp(), secrets.token_hex(5)
    query = {"timestamp": timestamp, "nonce": nonce}
    if sim.channel.name == "mp":
        query["signature"] = signature(sim.channel.token, timestamp, nonce)
        query["openid"] = sender
    if not sim.channel.encrypted:
        return await sim.post(query, plain.encode("utf-8"))
    encrypted = sim._prp().encrypt(plain, sim.channel.app_id).decode()
    query["msg_signature"] = signature(sim.channel.token, timestamp, nonce, encrypted)
    outer = f"<xml><ToUserName><![CDATA[{sim.account}]]></ToUserName>"
    if sim.channel.name == "mp":
        query["encrypt_type"] = "aes"
    else:
        outer += f"<AgentID>{sim.agentid}</AgentID>"
    outer += f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    return await sim.post(query, outer.encode("utf-8"))


async def send(stack, fields: dict):
    reply = await stack.mp.send(fields)
    assert reply.status == 200, reply.body
    return reply.text


# 1. Every report gets an owner and a clock


async def test_a_fire_from_a_resident_with_no_location_tells_the_duty_desk_and_county_at_once(
    stack,
):
    sender = fresh("fire")
    reply = await stack.say(FIRE, sender)

    first_lines = "\n".join(reply.splitlines()[:3])
    assert "119" in first_lines, reply
    assert asks_for_location(first_lines), reply
    code = code_in(reply)
    duty, county = await wecom(stack, DUTY), await wecom(stack, COUNTY_SUPERVISOR)
    assert any(code in m for m in duty), duty
    assert any(code in m for m in county), county
    found = await ticket(stack, code)
    assert found.assignee_id is not None and found.deadline_at is not None


async def test_an_unlocated_report_gets_the_duty_desk_and_a_deadline_once_locate_within_passes(
    stack, clock
):
    sender = fresh("unlocated")
    await stack.say(GARBAGE, sender)
    [waiting] = await stack.tickets()
    code = waiting.code
    clock.advance(minutes=11)
    await stack.check_unassigned()

    found = await ticket(stack, code)
    assert await assignee_of(stack, code) == DUTY
    assert found.deadline_at is not None
    assert any(code in m for m in await wecom(stack, DUTY))


async def test_no_ticket_is_left_without_owner_or_deadline_longer_than_locate_within(stack, clock):
    for n, text in enumerate([GARBAGE, "路口红绿灯坏了，车都乱开", "小区里的路灯不亮了好几天"]):
        await stack.say(text, fresh(f"many{n}"))
        clock.advance(minutes=3)
    clock.advance(minutes=10)
    await stack.check_unassigned()
    now = clock.now()
    for t in await stack.tickets():
        age = now - t.created_at.replace(tzinfo=now.tzinfo)
        if age.total_seconds() > 600 and t.state not in ("withdrawn", "closed", "resolved"):
            assert t.assignee_id is not None and t.deadline_at is not None, t.code


async def test_a_typed_address_asks_for_confirmation_then_places_the_resident(stack):
    sender = fresh("typed")
    question = await stack.say(TYPED_HOME, sender)
    assert "东关" in question and "1" in question, question
    assert not re.search(r"GB-[0-9A-Z]+", question), "a typed address is no ticket"

    placed = await stack.say("1", sender)
    assert DG01_NAME in placed, placed
    worker = await stack.say("我的网格员", sender)
    assert DG01_NAME in worker
    assert await stack.tickets() == []


async def test_a_report_naming_its_place_is_routed_to_that_grid_after_one_confirmation(stack):
    sender = fresh("typedreport")
    first = await stack.say(TYPED_REPORT, sender)
    assert "1" in first and "东关" in first, first
    await stack.say("1", sender)
    [only] = await stack.tickets()
    assert await assignee_of(stack, only.code) == DG01_WORKER
    assert any(only.code in m for m in await wecom(stack, DG01_WORKER))


async def test_full_width_digit_answers_the_place_confirmation(stack):
    sender = fresh("fullwidth")
    await stack.say(TYPED_HOME, sender)
    placed = await stack.say(full_width("1"), sender)
    assert DG01_NAME in placed, placed


async def test_bare_numbers_with_nothing_open_are_never_a_ticket(stack):
    sender = fresh("bare")
    for text in ["1", "3", "2", full_width("1")]:
        reply = await stack.say(text, sender)
        assert reply is None or not re.search(r"GB-[0-9A-Z]+", reply), reply
    assert await stack.tickets() == []


async def test_a_number_after_the_place_prompt_expired_is_neither_a_confirmation_nor_a_ticket(
    stack, clock
):
    sender = fresh("expired")
    await stack.say(TYPED_HOME, sender)
    clock.advance(minutes=11)
    reply = await stack.say("1", sender)
    assert reply is None or DG01_NAME not in reply, reply
    assert await stack.tickets() == []
    worker = await stack.say("我的网格员", sender)
    assert DG01_NAME not in worker, worker


# 2. Repeats and follow-ups join the open ticket


async def test_the_same_text_twice_is_one_ticket_and_the_resident_hears_it_was_added(stack):
    sender = fresh("twice")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    again = await stack.say(GARBAGE, sender)

    assert "已补充到工单" in again and code in again, again
    assert [t.code for t in await stack.tickets()] == [code]


async def test_a_complaint_after_an_unsatisfied_rating_joins_the_reopened_ticket(stack):
    sender = fresh("complaint")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.staff_says(DG01_WORKER, f"接单 {code}")
    await stack.staff_says(DG01_WORKER, f"办结 {code} 已清理干净")
    await stack.drain()
    await stack.say("3", sender)
    assert (await ticket(stack, code)).state not in ("resolved", "closed")

    joined = await stack.say(COMPLAINT, sender)
    assert "已补充到工单" in joined and code in joined, joined
    assert [t.code for t in await stack.tickets()] == [code]


# 3. Self-service


async def test_a_resident_withdraws_their_own_ticket_and_the_assignee_is_told(stack):
    sender = fresh("withdraw")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    before = len(await wecom(stack, DG01_WORKER))
    reply = await stack.say(f"撤回 {code} 已经自己处理好了", sender)

    assert code in reply
    assert (await ticket(stack, code)).state == "withdrawn"
    told = (await wecom(stack, DG01_WORKER))[before:]
    assert any(code in m for m in told), told


async def test_withdrawing_someone_elses_ticket_is_refused_like_a_made_up_code(stack):
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, NEIGHBOUR)
    before = len(await wecom(stack, DG01_WORKER))
    intruder = fresh("intruder")
    await stack.locate("QH-QQ-DG-01", intruder)

    theirs = await stack.say(f"撤回 {code}", intruder)
    made_up = await stack.say(f"撤回 {MADE_UP}", intruder)

    assert theirs.replace(code, "X") == made_up.replace(MADE_UP, "X")
    assert (await ticket(stack, code)).state != "withdrawn"
    assert (await wecom(stack, DG01_WORKER))[before:] == []
    assert "垃圾" not in theirs and "环境" not in theirs


async def test_supplementing_own_ticket_tells_the_assignee_and_others_look_made_up(stack):
    sender = fresh("supplement")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    before = len(await wecom(stack, DG01_WORKER))
    reply = await stack.say(f"补充 {code} 垃圾堆在3号楼东侧", sender)
    assert code in reply
    assert len(await stack.tickets()) == 1
    told = (await wecom(stack, DG01_WORKER))[before:]
    assert any(code in m for m in told), told
    assert any(note and "3号楼东侧" in note for _, _, note in await trail(stack, code))

    intruder = fresh("supplementer")
    theirs = await stack.say(f"补充 {code} 我来捣乱", intruder)
    made_up = await stack.say(f"补充 {MADE_UP} 我来捣乱", intruder)
    assert theirs.replace(code, "X") == made_up.replace(MADE_UP, "X")
    assert not any(note and "捣乱" in note for _, _, note in await trail(stack, code))


async def test_delete_my_information_asks_first_then_forgets_the_resident(stack):
    sender = fresh("forget")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    before = len(await wecom(stack, COMMUNITY_SUPERVISOR))

    question = await stack.say("删除我的信息", sender)
    assert "1" in question and "2" in question, question
    assert (await ticket(stack, code)).state != "withdrawn", "nothing happens before the 1"

    await stack.say("1", sender)
    assert (await ticket(stack, code)).state == "withdrawn"
    told = (await wecom(stack, COMMUNITY_SUPERVISOR))[before:]
    assert any(code in m for m in told), told
    listing = await stack.say("我的工单", sender)
    assert code not in listing, listing
    assert len(await stack.tickets()) == 1


async def test_asking_politely_to_delete_personal_information_opens_no_ticket(stack):
    sender = fresh("politely")
    await stack.locate("QH-QQ-DG-01", sender)
    reply = await stack.say("请删除我的个人信息", sender)
    assert "1" in reply
    assert await stack.tickets() == []
    await stack.say("2", sender)
    assert DG01_NAME in await stack.say("我的网格员", sender), "2 cancels: still placed"


async def test_a_deletion_confirmation_after_the_prompt_expired_forgets_nothing(stack, clock):
    sender = fresh("lateforget")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.say("删除我的信息", sender)
    clock.advance(minutes=11)
    await stack.say("1", sender)
    assert (await ticket(stack, code)).state != "withdrawn"
    assert len(await stack.tickets()) == 1


async def test_privacy_says_what_is_kept_how_long_and_who_sees_it(stack):
    reply = await stack.say("隐私", fresh("privacy"))
    assert await stack.tickets() == []
    assert "天" in reply or "年" in reply, reply
    assert "网格员" in reply or "工作人员" in reply, reply


async def test_the_help_lists_the_self_service_commands(stack):
    reply = await stack.say("帮助", fresh("help"))
    for command in ("撤回", "补充", "删除我的信息", "隐私"):
        assert command in reply, (command, reply)


# 4. Every message type has an answer


async def test_voice_without_recognition_asks_for_text_and_is_kept_on_the_open_ticket(stack):
    sender = fresh("voice")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    steps = len(await trail(stack, code))
    reply = await send(
        stack, stack.mp.message(sender, "voice", MediaId="voice-media-1", Format="amr")
    )
    assert reply == "没听清，请用文字再说一遍"
    assert len(await trail(stack, code)) > steps
    assert len(await stack.tickets()) == 1


async def test_voice_without_recognition_and_nothing_open_joins_the_next_report(stack):
    sender = fresh("voicefirst")
    await stack.locate("QH-QQ-DG-01", sender)
    reply = await send(stack, stack.mp.message(sender, "voice", MediaId="voice-2", Format="amr"))
    assert reply == "没听清，请用文字再说一遍"
    assert await stack.tickets() == []
    code = code_in(await stack.say(GARBAGE, sender))
    notes = " ".join(f"{a} {n}" for _, a, n in await trail(stack, code))
    assert "语音" in notes or "voice" in notes, notes


async def test_recognised_voice_is_a_report_like_text(stack):
    sender = fresh("recognised")
    await stack.locate("QH-QQ-DG-01", sender)
    reply = await send(
        stack,
        stack.mp.message(sender, "voice", MediaId="v3", Format="amr", Recognition=GARBAGE),
    )
    assert code_in(reply)


@pytest.mark.parametrize("kind", ["video", "shortvideo"])
async def test_videos_attach_to_the_open_ticket(stack, kind):
    sender = fresh(kind)
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    steps = len(await trail(stack, code))
    reply = await send(
        stack, stack.mp.message(sender, kind, MediaId=f"{kind}-1", ThumbMediaId="thumb-1")
    )
    assert reply is None or "不支持" not in reply, reply
    assert len(await trail(stack, code)) > steps
    assert len(await stack.tickets()) == 1


async def test_a_link_attaches_with_its_title(stack):
    sender = fresh("link")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await send(
        stack,
        stack.mp.message(
            sender,
            "link",
            Title="小区垃圾堆积照片合集",
            Description="邻居拍的",
            Url="https://example.org/photos/1",
        ),
    )
    notes = " ".join(str(n) for _, _, n in await trail(stack, code))
    assert "小区垃圾堆积照片合集" in notes, notes


@pytest.mark.parametrize("kind", ["file", "miniprogrampage", "holographic"])
async def test_unknown_message_types_get_a_polite_line(stack, kind):
    reply = await stack.mp.send(stack.mp.message(fresh("odd"), kind, Title="x"))
    assert reply.status == 200, reply.body
    assert reply.text, "a polite line, not silence"
    assert await stack.tickets() == []


@pytest.mark.parametrize(
    ("key", "command"),
    [("my_tickets", "查询"), ("my_worker", "我的网格员"), ("how_to_report", "帮助")],
)
async def test_each_menu_click_answers_as_its_chat_command(stack, key, command):
    sender = fresh("click")
    await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    clicked = await send(stack, stack.mp.event(sender, "CLICK", EventKey=key))
    typed = await stack.say(command, sender)
    assert clicked == typed, (clicked, typed)


async def test_the_guide_click_and_a_view_get_answers_without_error(stack):
    sender = fresh("guide")
    assert await send(stack, stack.mp.event(sender, "CLICK", EventKey="guide"))
    await send(stack, stack.mp.event(sender, "VIEW", EventKey="https://example.org/"))
    assert await stack.tickets() == []


# 5. The grid's QR code


async def test_subscribing_through_a_grid_qr_code_places_the_resident_and_names_the_worker(stack):
    sender = fresh("qr")
    welcome = await send(
        stack, stack.mp.event(sender, "subscribe", EventKey="qrscene_grid:QH-QQ-DG-02", Ticket="t")
    )
    assert DG02_NAME in welcome and "东关二网格" in welcome, welcome
    code = code_in(await stack.say(GARBAGE, sender))
    assert await assignee_of(stack, code) == DG02_WORKER


async def test_a_qr_code_of_a_grid_that_no_longer_exists_welcomes_and_asks_for_the_location(
    stack,
):
    sender = fresh("staleqr")
    welcome = await send(
        stack,
        stack.mp.event(sender, "subscribe", EventKey="qrscene_grid:QH-QQ-OLD-99", Ticket="t"),
    )
    assert welcome and asks_for_location(welcome), welcome
    assert "QH-QQ-OLD-99" not in welcome or "不" in welcome


async def test_scanning_a_grid_qr_code_when_already_following_places_the_resident(stack):
    sender = fresh("scan")
    await stack.locate("QH-QQ-DG-01", sender)
    reply = await send(
        stack, stack.mp.event(sender, "SCAN", EventKey="grid:QH-QQ-XY-01", Ticket="t")
    )
    assert XY01_NAME in reply, reply
    assert XY01_NAME in await stack.say("我的网格员", sender)


async def test_a_waiting_report_is_routed_when_the_resident_scans_their_grid(stack):
    sender = fresh("scanwait")
    await stack.say(GARBAGE, sender)
    [waiting] = await stack.tickets()
    code = waiting.code
    await send(stack, stack.mp.event(sender, "SCAN", EventKey="grid:QH-QQ-DG-02", Ticket="t"))
    assert await assignee_of(stack, code) == DG02_WORKER


# 6. Notices to residents


async def test_a_supervisors_notice_reaches_residents_who_wrote_recently(stack):
    sender = fresh("noticed")
    await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    elsewhere = fresh("elsewhere")
    await report(stack, "QH-LH-WZ-01", "村口的路灯坏了好几天了", elsewhere)
    await stack.drain()
    before, other = len(stack.fake.to(sender)), len(stack.fake.to(elsewhere))

    reply = await stack.staff_says(
        COMMUNITY_SUPERVISOR, "通知 东关社区：本周六上午开展消防安全宣传"
    )
    assert reply
    await stack.drain()
    got = stack.fake.to(sender)[before:]
    assert any("本周六上午开展消防安全宣传" in m for m in got), got
    assert stack.fake.to(elsewhere)[other:] == []


async def test_a_grid_worker_cannot_send_a_notice(stack):
    sender = fresh("notworker")
    await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.drain()
    before = len(stack.fake.to(sender))
    reply = await stack.staff_says(DG01_WORKER, "通知 明天停水")
    await stack.drain()
    assert reply
    assert not any("明天停水" in m for m in stack.fake.to(sender)[before:])


async def test_notices_over_the_daily_limit_are_refused_with_the_limit_named(stack):
    sender = fresh("limit")
    await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    for n in range(3):
        await stack.staff_says(COMMUNITY_SUPERVISOR, f"通知 东关社区：第{n + 1}条宣传")
    await stack.drain()
    before = len(stack.fake.to(sender))
    refused = await stack.staff_says(COMMUNITY_SUPERVISOR, "通知 东关社区：第四条宣传")
    await stack.drain()
    assert "3" in refused, refused
    assert not any("第四条宣传" in m for m in stack.fake.to(sender)[before:])


# Real WeChat events, nested as WeChat sends them

NESTED_MP = {
    "scancode_push": (
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_push]]></Event>"
        "<EventKey><![CDATA[scan]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]>"
        "</ScanType><ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo>"
    ),
    "scancode_waitmsg": (
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_waitmsg]]></Event>"
        "<EventKey><![CDATA[scan]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]>"
        "</ScanType><ScanResult><![CDATA[2]]></ScanResult></ScanCodeInfo>"
    ),
    "pic_sysphoto": (
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[pic_sysphoto]]></Event>"
        "<EventKey><![CDATA[photo]]></EventKey><SendPicsInfo><Count>2</Count><PicList>"
        "<item><PicMd5Sum><![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item>"
        "<item><PicMd5Sum><![CDATA[2b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item>"
        "</PicList></SendPicsInfo>"
    ),
    "pic_photo_or_album": (
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[pic_photo_or_album]]></Event>"
        "<EventKey><![CDATA[photo]]></EventKey><SendPicsInfo><Count>1</Count><PicList>"
        "<item><PicMd5Sum><![CDATA[5a75aaca956d97be686719218f275c6b]]></PicMd5Sum></item>"
        "</PicList></SendPicsInfo>"
    ),
    "pic_weixin": (
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[pic_weixin]]></Event>"
        "<EventKey><![CDATA[photo]]></EventKey><SendPicsInfo><Count>1</Count><PicList>"
        "<item><PicMd5Sum><![CDATA[5a75aaca956d97be686719218f275c6b]]></PicMd5Sum></item>"
        "</PicList></SendPicsInfo>"
    ),
    "MASSSENDJOBFINISH": (
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[MASSSENDJOBFINISH]]></Event>"
        "<MsgID>1988</MsgID><Status><![CDATA[sendsuccess]]></Status><TotalCount>100</TotalCount>"
        "<FilterCount>80</FilterCount><SentCount>75</SentCount><ErrorCount>5</ErrorCount>"
        "<CopyrightCheckResult><Count>2</Count><ResultList><item><ArticleIdx>1</ArticleIdx>"
        "<UserDeclareState>0</UserDeclareState></item><item><ArticleIdx>2</ArticleIdx>"
        "<UserDeclareState>0</UserDeclareState></item></ResultList><CheckState>2</CheckState>"
        "</CopyrightCheckResult>"
    ),
    "subscribe_msg_popup_event": (
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe_msg_popup_event]]>"
        "</Event><SubscribeMsgPopupEvent><List><TemplateId><![CDATA[tpl-1]]></TemplateId>"
        "<SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString>"
        "<PopupScene>2</PopupScene></List><List><TemplateId><![CDATA[tpl-2]]></TemplateId>"
        "<SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString>"
        "<PopupScene>2</PopupScene></List></SubscribeMsgPopupEvent>"
    ),
    "TEMPLATESENDJOBFINISH": (
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event>"
        "<MsgID>200163836</MsgID><Status><![CDATA[success]]></Status>"
    ),
}


@pytest.mark.parametrize("event", list(NESTED_MP))
async def test_nested_wechat_events_get_a_200(stack, event):
    reply = await send_raw(stack.mp, fresh("nested"), NESTED_MP[event])
    assert reply.status == 200, reply.body
    assert await stack.tickets() == []


async def test_location_select_with_send_location_info_places_the_resident(stack):
    sender = fresh("locselect")
    lon, lat = POINTS["QH-QQ-DG-01"]
    reply = await send_raw(
        stack.mp,
        sender,
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[location_select]]></Event>"
        "<EventKey><![CDATA[locate]]></EventKey><SendLocationInfo>"
        f"<Location_X><![CDATA[{lat}]]></Location_X><Location_Y><![CDATA[{lon}]]></Location_Y>"
        "<Scale><![CDATA[15]]></Scale><Label><![CDATA[东关路]]></Label><Poiname><![CDATA[]]>"
        "</Poiname></SendLocationInfo>",
    )
    assert reply.status == 200, reply.body
    assert DG01_NAME in await stack.say("我的网格员", sender)


async def test_wecom_batch_job_result_gets_a_200(stack):
    reply = await send_raw(
        stack.work,
        "sys",
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[batch_job_result]]></Event>"
        "<BatchJob><JobId><![CDATA[S0MrnndvRG5fadSlLwiBqiDDbM143UqTmKP3152FZk4]]></JobId>"
        "<JobType><![CDATA[sync_user]]></JobType><ErrCode>0</ErrCode>"
        "<ErrMsg><![CDATA[ok]]></ErrMsg></BatchJob>",
    )
    assert reply.status == 200, reply.body


async def test_a_menu_click_with_a_repeated_field_is_still_a_client_error_not_a_500(stack):
    reply = await send_raw(
        stack.mp,
        fresh("repeat"),
        "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[a]]></Content>"
        "<Content><![CDATA[b]]></Content><MsgId>1</MsgId>",
    )
    assert reply.status < 500, reply.body


# Hostile input


async def test_a_huge_text_gets_an_answer_and_at_most_one_ticket(stack):
    sender = fresh("huge")
    await stack.locate("QH-QQ-DG-01", sender)
    reply = await stack.mp.send(stack.mp.text(sender, GARBAGE + "啊" * 20000))
    assert reply.status in (200, 413) or 400 <= reply.status < 500, reply.status
    assert reply.status < 500
    assert len(await stack.tickets()) <= 1


async def test_control_characters_and_emoji_get_an_answer(stack):
    sender = fresh("ctrl")
    await stack.locate("QH-QQ-DG-01", sender)
    for text in ["\u0000\u0001\u0007\u001b[31m", "🔥🔥🔥", "😀", "\u200b\u202e垃圾"]:
        reply = await stack.mp.send(stack.mp.text(sender, text))
        assert reply.status < 500, (text, reply.body)
    reply = await stack.say("小区门口垃圾堆了好几天没人清理🤢🤢，臭得很\u0007", sender)
    assert code_in(reply)


async def test_withdrawing_another_residents_ticket_leaves_it_and_its_resident_alone(stack):
    owner = fresh("owner")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, owner)
    await stack.drain()
    heard = len(stack.fake.to(owner))
    await stack.say(f"撤回 {code} 不用处理了", fresh("other"))
    await stack.say(f"撤回 {code.removeprefix('GB-')}", fresh("other2"))
    await stack.drain()
    assert (await ticket(stack, code)).state != "withdrawn"
    assert stack.fake.to(owner)[heard:] == []


# The places file


def import_places(url: str, path) -> object:
    return run_gridbot(
        "import",
        "--places",
        str(path),
        env={"GRIDBOT_DATABASE_URL": url, "GRIDBOT_DATA_KEY": DEMO_DATA_KEY},
        stdin="",
        timeout=90,
    )


async def test_a_places_file_with_unknown_grids_and_duplicates_names_each_problem_writes_nothing(
    seeded_url, clock, tmp_path
):
    from tests.conftest import embedded_classifier

    places = tmp_path / "places.csv"
    places.write_text(
        "name,grid\n"
        "幸福里小区,QH-QQ-DG-02\n"
        "新华路,QH-NOPE-01\n"
        "槐树巷,QH-QQ-XY-01\n"
        "槐树巷,QH-QQ-DG-01\n"
        "老磨坊,QH-GONE\n",
        "utf-8",
    )
    result = await asyncio.to_thread(import_places, seeded_url, places)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    problems = [line for line in result.stderr.splitlines() if "line " in line]
    assert len(problems) == 3, result.stderr
    assert any("QH-NOPE-01" in p for p in problems)
    assert any("QH-GONE" in p for p in problems)
    assert any("槐树巷" in p for p in problems)

    async with running_stack(seeded_url, clock, classifier=embedded_classifier()) as stack:
        reply = await stack.say("我住在幸福里小区", fresh("places"))
        assert reply is None or "东关二网格" not in reply, reply


async def test_a_good_places_file_makes_a_typed_place_ask_for_its_grid(
    seeded_url, clock, tmp_path
):
    from tests.conftest import embedded_classifier

    places = tmp_path / "places.csv"
    places.write_text("name,grid\n幸福里小区,QH-QQ-DG-02\n", "utf-8")
    result = await asyncio.to_thread(import_places, seeded_url, places)
    assert result.returncode == 0, result.stderr

    async with running_stack(seeded_url, clock, classifier=embedded_classifier()) as stack:
        sender = fresh("goodplaces")
        question = await stack.say("我住在幸福里小区", sender)
        assert "东关" in question, question
        assert DG02_NAME in await stack.say("1", sender)


# Deeper: the issue's words, pushed


async def test_a_waiting_report_is_routed_once_the_typed_place_is_confirmed(stack):
    sender = fresh("waittyped")
    await stack.say(GARBAGE, sender)
    [waiting] = await stack.tickets()
    await stack.say(TYPED_HOME, sender)
    await stack.say("1", sender)
    assert await assignee_of(stack, waiting.code) == DG01_WORKER


@pytest.mark.parametrize(
    ("typed", "worker"),
    [("我住在王庄村", "王丽芳"), ("我家在李家洼", "李俊伟"), ("我住后洼", "李俊伟")],
)
async def test_village_names_short_forms_and_natural_villages_find_the_grid(stack, typed, worker):
    sender = fresh("gazetteer")
    question = await stack.say(typed, sender)
    assert "1" in question, question
    assert worker in await stack.say("1", sender)


async def test_the_most_recent_prompt_wins(stack):
    sender = fresh("recent")
    await stack.say(GARBAGE, sender)
    [waiting] = await stack.tickets()
    assert "1" in await stack.say("删除我的信息", sender)
    question = await stack.say("我住在西苑路", sender)
    assert "西苑" in question and "1" in question, question
    await stack.say("1", sender)
    assert (await ticket(stack, waiting.code)).state != "withdrawn", "the 1 answered the place"
    assert XY01_NAME in await stack.say("我的网格员", sender)
    assert await assignee_of(stack, waiting.code) == "sunjianguo"


@pytest.mark.parametrize("typed", [TYPED_HOME, "我住在西苑路"])
async def test_a_placed_resident_typing_where_they_live_opens_no_ticket(stack, typed):
    sender = fresh("placedtyped")
    await stack.locate("QH-QQ-XY-01", sender)
    reply = await stack.say(typed, sender)
    assert await stack.tickets() == [], reply


async def test_the_rating_keeps_its_own_window_beyond_prompt_minutes(stack, clock):
    sender = fresh("ratewindow")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.staff_says(DG01_WORKER, f"接单 {code}")
    await stack.staff_says(DG01_WORKER, f"办结 {code} 已清理干净")
    await stack.drain()
    clock.advance(minutes=30)
    await stack.say("3", sender)
    assert (await ticket(stack, code)).state not in ("resolved", "closed")
    assert (await ticket(stack, code)).rating is not None


async def test_a_full_width_rating_digit_rates(stack):
    sender = fresh("fwrate")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.staff_says(DG01_WORKER, f"接单 {code}")
    await stack.staff_says(DG01_WORKER, f"办结 {code} 已清理干净")
    await stack.drain()
    await stack.say(full_width("1"), sender)
    assert (await ticket(stack, code)).rating is not None
    assert len(await stack.tickets()) == 1


async def test_a_different_building_number_is_a_new_ticket_not_an_update(stack):
    sender = fresh("numbers")
    first = await report(stack, "QH-QQ-DG-01", "3号楼门口垃圾堆了好几天没人清理，臭得很", sender)
    reply = await stack.say("5号楼门口垃圾堆了好几天没人清理，臭得很", sender)
    assert "已补充到工单" not in reply, reply
    codes = [t.code for t in await stack.tickets()]
    assert first in codes
    assert len(codes) == 2 or "这是关于工单" in reply, reply


async def test_the_same_text_after_seven_quiet_days_is_a_new_ticket(stack, clock):
    sender = fresh("week")
    first = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    clock.advance(days=8)
    reply = await stack.say(GARBAGE, sender)
    assert "已补充到工单" not in reply, reply
    assert len(await stack.tickets()) == 2 and first in [t.code for t in await stack.tickets()]


async def test_another_residents_same_words_never_become_an_update_of_a_strangers_ticket(stack):
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, fresh("first"))
    other = fresh("second")  # in another village: never linked to the first
    await stack.locate("QH-LH-WZ-01", other)
    reply = await stack.say(GARBAGE, other)
    assert "已补充到工单" not in reply, reply
    assert code not in reply


async def test_a_partly_alike_report_asks_and_two_makes_it_a_new_ticket(stack):
    sender = fresh("partly")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    reply = await stack.say("单元门口的垃圾箱满了，好几天没人来收", sender)
    if "已补充到工单" in reply:
        assert code in reply
        return
    assert "这是关于工单" in reply and code in reply, reply
    await stack.say("2", sender)
    assert len(await stack.tickets()) == 2


async def test_a_partly_alike_report_answered_one_joins_the_ticket(stack):
    sender = fresh("partlyone")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    reply = await stack.say("单元门口的垃圾箱满了，好几天没人来收", sender)
    if "这是关于工单" in reply:
        answer = await stack.say("1", sender)
        assert code in answer, answer
    assert [t.code for t in await stack.tickets()] == [code]


async def test_an_emergency_is_never_held_back_by_the_is_this_about_question(stack):
    sender = fresh("emergencyafter")
    await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    reply = await stack.say(FIRE, sender)
    assert "119" in reply.splitlines()[0] or "119" in "\n".join(reply.splitlines()[:2]), reply
    assert "这是关于工单" not in reply
    assert len(await stack.tickets()) == 2


async def test_the_assignee_is_told_once_of_repeated_updates(stack, clock):
    sender = fresh("toldonce")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    before = len(await wecom(stack, DG01_WORKER))
    for _ in range(3):
        assert "已补充到工单" in await stack.say(GARBAGE, sender)
    clock.advance(minutes=61)
    await stack.check_deadlines()
    await stack.drain()
    about = [m for m in stack.fake.to(DG01_WORKER)[before:] if code in m and "补充" in m]
    assert len(about) == 1, about


async def test_a_withdrawn_ticket_leaves_every_deadline(stack, clock):
    sender = fresh("nodeadline")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.say(f"撤回 {code} 自己解决了", sender)
    await stack.drain()
    watchers = ["zhouhaitao", "chenzhiqiang", COUNTY_SUPERVISOR, DG01_WORKER]
    before = {w: len(stack.fake.to(w)) for w in watchers}
    clock.advance(hours=5)
    await stack.check_deadlines()
    clock.advance(days=4)
    await stack.check_deadlines()
    await stack.drain()
    for w in watchers:
        assert not any(code in m for m in stack.fake.to(w)[before[w] :]), w
    assert (await ticket(stack, code)).state == "withdrawn"


async def test_withdraw_alone_lists_what_can_be_withdrawn(stack):
    sender = fresh("list")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    reply = await stack.say("撤回", sender)
    assert code in reply
    assert (await ticket(stack, code)).state != "withdrawn"


async def test_the_withdrawal_reason_is_kept_on_the_trail(stack):
    sender = fresh("reason")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.say(f"撤回 {code} 物业已经清走了", sender)
    notes = " ".join(str(n) for _, _, n in await trail(stack, code))
    assert "物业已经清走了" in notes, notes


async def test_the_supervisor_hears_codes_only_when_a_resident_is_forgotten(stack):
    sender = fresh("codesonly")
    code = await report(
        stack, "QH-QQ-DG-01", "我叫张三丰，电话13912345678，门口垃圾堆了好几天", sender
    )
    before = len(await wecom(stack, COMMUNITY_SUPERVISOR))
    await stack.say("删除我的信息", sender)
    await stack.say(full_width("1"), sender)
    told = (await wecom(stack, COMMUNITY_SUPERVISOR))[before:]
    assert any(code in m for m in told), told
    assert not any("张三丰" in m or "13912345678" in m or sender in m for m in told), told


async def test_a_forgotten_resident_is_no_longer_placed(stack):
    sender = fresh("unplaced")
    await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.say("删除我的信息", sender)
    await stack.say("1", sender)
    reply = await stack.say("我的网格员", sender)
    assert DG01_NAME not in reply, reply


async def test_the_duty_desk_sees_a_located_ticket_anywhere_in_its_county(stack):
    code = await report(stack, "QH-LH-WZ-01", "村口的路灯坏了好几天了", fresh("wz"))
    seen = await stack.staff_says(DUTY, f"工单 {code}")
    assert code in seen and "路灯" in seen, seen


async def test_the_duty_desk_assigns_a_late_unlocated_report_once_the_place_is_known(stack, clock):
    sender = fresh("dutyassign")
    await stack.say(GARBAGE, sender)
    [waiting] = await stack.tickets()
    clock.advance(minutes=11)
    await stack.check_unassigned()
    assert await assignee_of(stack, waiting.code) == DUTY
    await stack.locate("QH-QQ-DG-01", sender)
    if await assignee_of(stack, waiting.code) != DG01_WORKER:
        await stack.staff_says(DUTY, f"指派 {waiting.code} liminghua")
    assert await assignee_of(stack, waiting.code) == DG01_WORKER
    assert any(waiting.code in m for m in await wecom(stack, DG01_WORKER))


async def test_the_duty_desk_assigns_an_unlocated_fire_once_the_place_is_known(stack):
    sender = fresh("firelater")
    code = code_in(await stack.say(FIRE, sender))
    await stack.locate("QH-QQ-DG-02", sender)
    if await assignee_of(stack, code) != DG02_WORKER:
        await stack.staff_says(DUTY, f"指派 {code} zhaoxiaoyan")
    assert await assignee_of(stack, code) == DG02_WORKER


async def test_an_unknown_menu_key_gets_the_help(stack):
    sender = fresh("oldkey")
    clicked = await send(stack, stack.mp.event(sender, "CLICK", EventKey="removed_button"))
    assert clicked == await stack.say("帮助", sender)


@pytest.mark.parametrize(
    "key",
    ["qrscene_grid:", "qrscene_grid:" + "X" * 300, "qrscene_", "qrscene_grid:QH-QQ-DG-01\u0000"],
)
async def test_odd_qr_scenes_get_a_welcome(stack, key):
    reply = await send(
        stack, stack.mp.event(fresh("oddqr"), "subscribe", EventKey=key, Ticket="t")
    )
    assert reply and "欢迎" in reply, reply


async def test_a_half_width_colon_and_a_whole_unit_notice_reach_residents(stack):
    sender = fresh("halfcolon")
    await report(stack, "QH-QQ-DG-02", GARBAGE, sender)
    await stack.drain()
    before = len(stack.fake.to(sender))
    await stack.staff_says(COMMUNITY_SUPERVISOR, "通知 QH-QQ-DG-02:明早八点小区停水两小时")
    await stack.staff_says(COMMUNITY_SUPERVISOR, "通知 周日下午社区有义诊")
    await stack.drain()
    got = stack.fake.to(sender)[before:]
    assert any("明早八点小区停水两小时" in m for m in got), got
    assert any("周日下午社区有义诊" in m for m in got), got


async def test_a_notice_to_a_unit_outside_the_supervisors_own_is_refused(stack):
    sender = fresh("xy")
    await report(stack, "QH-QQ-XY-01", GARBAGE, sender)
    await stack.drain()
    before = len(stack.fake.to(sender))
    reply = await stack.staff_says(COMMUNITY_SUPERVISOR, "通知 西苑社区：越权的通知")
    await stack.drain()
    assert reply
    assert not any("越权的通知" in m for m in stack.fake.to(sender)[before:])


async def test_residents_silent_for_more_than_48_hours_get_no_customer_service_notice(
    stack, clock
):
    sender = fresh("silent")
    await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.drain()
    clock.advance(hours=49)
    before = len(stack.fake.to(sender))
    await stack.staff_says(COMMUNITY_SUPERVISOR, "通知 东关社区：沉默居民不应收到客服消息")
    await stack.drain()
    assert not any("沉默居民" in m for m in stack.fake.to(sender)[before:])


async def test_a_notice_sent_at_night_waits_for_the_morning(stack, clock):
    sender = fresh("night")
    clock.advance(hours=12)  # 22:00 in Asia/Shanghai
    await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.drain()
    before = len(stack.fake.to(sender))
    await stack.staff_says(COMMUNITY_SUPERVISOR, "通知 东关社区：夜里发的通知")
    await stack.drain()
    assert not any("夜里发的通知" in m for m in stack.fake.to(sender)[before:])
    clock.advance(hours=10)  # 08:00
    await stack.drain()
    assert any("夜里发的通知" in m for m in stack.fake.to(sender)[before:])


async def test_the_daily_limit_is_counted_per_target_unit(stack):
    sender = fresh("pertarget")
    await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    for n in range(3):
        await stack.staff_says(COMMUNITY_SUPERVISOR, f"通知 东关社区：社区第{n + 1}条")
    await stack.drain()
    before = len(stack.fake.to(sender))
    await stack.staff_says(COMMUNITY_SUPERVISOR, "通知 东关一网格：网格自己的通知")
    await stack.drain()
    assert any("网格自己的通知" in m for m in stack.fake.to(sender)[before:])


async def test_a_notice_over_500_characters_is_refused(stack):
    sender = fresh("long")
    await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.drain()
    before = len(stack.fake.to(sender))
    reply = await stack.staff_says(COMMUNITY_SUPERVISOR, "通知 东关社区：" + "长" * 600)
    await stack.drain()
    assert "500" in reply, reply
    assert stack.fake.to(sender)[before:] == []


async def test_a_places_file_with_a_point_outside_every_grid_is_refused(seeded_url, tmp_path):
    places = tmp_path / "places.csv"
    places.write_text("name,lat,lon\n荒滩,36.530,116.450\n", "utf-8")
    result = await asyncio.to_thread(import_places, seeded_url, places)
    assert result.returncode != 0
    assert "荒滩" in result.stderr or "line 2" in result.stderr, result.stderr


async def test_a_places_file_with_a_wrong_header_is_one_clear_line(seeded_url, tmp_path):
    places = tmp_path / "places.csv"
    places.write_text("地名,网格\n幸福里小区,QH-QQ-DG-02\n", "utf-8")
    result = await asyncio.to_thread(import_places, seeded_url, places)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip(), "a clear line"


async def test_a_resolved_ticket_cannot_be_withdrawn(stack):
    sender = fresh("resolved")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.staff_says(DG01_WORKER, f"接单 {code}")
    await stack.staff_says(DG01_WORKER, f"办结 {code} 已清理干净")
    await stack.say(f"撤回 {code}", sender)
    assert (await ticket(stack, code)).state == "resolved"


async def test_a_withdrawn_ticket_takes_no_supplement_and_the_same_words_open_a_new_one(stack):
    sender = fresh("afterwithdraw")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.say(f"撤回 {code}", sender)
    steps = len(await trail(stack, code))
    await stack.say(f"补充 {code} 又堆起来了", sender)
    assert len(await trail(stack, code)) == steps
    again = await stack.say(GARBAGE, sender)
    assert "已补充到工单" not in again, again
    assert len(await stack.tickets()) == 2


async def test_the_same_words_twice_before_any_location_are_one_ticket(stack):
    sender = fresh("unlocatedtwice")
    await stack.say(GARBAGE, sender)
    again = await stack.say(GARBAGE, sender)
    [only] = await stack.tickets()
    assert "已补充到工单" in again and only.code in again, again


async def test_unheard_voice_older_than_a_day_does_not_join_the_next_report(stack, clock):
    sender = fresh("oldvoice")
    await stack.locate("QH-QQ-DG-01", sender)
    await send(stack, stack.mp.message(sender, "voice", MediaId="voice-old", Format="amr"))
    clock.advance(hours=25)
    code = code_in(await stack.say(GARBAGE, sender))
    notes = " ".join(f"{a} {n}" for _, a, n in await trail(stack, code))
    assert "语音" not in notes and "voice" not in notes, notes


# Forgetting, deeper


async def test_forgetting_anonymises_the_tickets_and_tells_the_assignee(stack):
    sender = fresh("anon")
    code = await report(
        stack, "QH-QQ-DG-01", "我叫张三丰，电话13912345678，门口垃圾堆了好几天", sender
    )
    before = len(await wecom(stack, DG01_WORKER))
    await stack.say("删除我的信息", sender)
    await stack.say("1", sender)
    found = await ticket(stack, code)
    assert "张三丰" not in found.text and "13912345678" not in found.text
    assert found.resident_id is None
    told = (await wecom(stack, DG01_WORKER))[before:]
    assert any(code in m for m in told), told


async def test_messages_queued_to_a_forgotten_resident_are_never_sent(stack, clock):
    sender = fresh("queued")
    clock.advance(hours=12)  # 22:00 in Asia/Shanghai: a notice waits for the morning
    await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.drain()
    await stack.staff_says(COMMUNITY_SUPERVISOR, "通知 东关社区：给已删除居民的通知")
    await stack.say("删除我的信息", sender)
    await stack.say("1", sender)
    clock.advance(hours=10)
    await stack.drain()
    assert not any("给已删除居民的通知" in m for m in stack.fake.to(sender))


async def test_a_notice_skips_residents_who_unfollowed(stack):
    sender = fresh("unfollowed")
    await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await send(stack, stack.mp.event(sender, "unsubscribe"))
    await stack.drain()
    before = len(stack.fake.to(sender))
    await stack.staff_says(COMMUNITY_SUPERVISOR, "通知 东关社区：取关的人收不到")
    await stack.drain()
    assert not any("取关的人收不到" in m for m in stack.fake.to(sender)[before:])


# The CLI against the fake WeChat


def cli_env(stack, url: str) -> dict[str, str]:
    settings = stack.services.settings
    return {
        **CHANNELS,
        "GRIDBOT_MP_APPID": settings.mp_appid,
        "GRIDBOT_MP_SECRET": settings.mp_secret,
        "GRIDBOT_MP_API_BASE": settings.mp_api_base,
        "GRIDBOT_DATABASE_URL": url,
        "GRIDBOT_DATA_KEY": DEMO_DATA_KEY,
    }


def cli(env: dict[str, str], *args: str):
    return run_gridbot(*args, env=env, stdin="", timeout=90)


async def test_menu_create_sets_the_three_buttons_the_issue_names(stack, seeded_url):
    result = await asyncio.to_thread(cli, cli_env(stack, seeded_url), "menu", "create")
    assert result.returncode == 0, result.stderr
    menu = stack.fake.menu
    assert [b["name"] for b in menu] == ["我要反映", "我的工单", "服务"]
    report_button, tickets_button, service = menu
    subs = {b["name"]: (b["type"], b.get("key")) for b in report_button["sub_button"]}
    assert subs == {
        "发送位置": ("location_select", "locate"),
        "怎么反映": ("click", "how_to_report"),
    }
    assert (tickets_button["type"], tickets_button["key"]) == ("click", "my_tickets")
    subs = {b["name"]: (b["type"], b.get("key")) for b in service["sub_button"]}
    assert subs == {"联系网格员": ("click", "my_worker"), "办事指南": ("click", "guide")}


def qr_matrices(url: str) -> list[list[list[bool]]]:
    import qrcode

    levels = [
        qrcode.constants.ERROR_CORRECT_L,
        qrcode.constants.ERROR_CORRECT_M,
        qrcode.constants.ERROR_CORRECT_Q,
        qrcode.constants.ERROR_CORRECT_H,
    ]
    matrices = []
    for level in levels:
        code = qrcode.QRCode(error_correction=level, border=0)
        code.add_data(url)
        code.make(fit=True)
        matrices.append(code.get_matrix())
    return matrices


async def test_a_grid_qr_code_is_a_permanent_string_scene_drawn_from_wechats_url(
    stack, seeded_url, tmp_path
):
    from PIL import Image

    from tests.qrcodes import decoded, modules_of

    out = tmp_path / "dg01.png"
    result = await asyncio.to_thread(
        cli, cli_env(stack, seeded_url), "qrcode", "--grid", "QH-QQ-DG-01", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    url = stack.fake.qrcodes["QR_LIMIT_STR_SCENE:grid:QH-QQ-DG-01"]
    picture = Image.open(out)
    assert picture.height > picture.width, "the grid's name and worker under the code"
    read = decoded(out)
    assert read == url if read is not None else modules_of(out) in qr_matrices(url)


async def test_qr_codes_for_every_grid_and_an_unknown_grid_in_one_line(
    stack, seeded_url, tmp_path
):
    env = cli_env(stack, seeded_url)
    result = await asyncio.to_thread(cli, env, "qrcode", "--all", "--out", str(tmp_path / "all"))
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "all").glob("*.png"))) == 5
    unknown = await asyncio.to_thread(cli, env, "qrcode", "--grid", "QH-NOPE-01")
    assert unknown.returncode != 0
    assert "Traceback" not in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1, unknown.stderr
    assert "QH-NOPE-01" in unknown.stderr


async def test_notice_list_shows_what_went_out(stack, seeded_url):
    sender = fresh("listed")
    await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.staff_says(COMMUNITY_SUPERVISOR, "通知 东关社区：周末社区消防演练")
    await stack.drain()
    result = await asyncio.to_thread(cli, cli_env(stack, seeded_url), "notice", "list")
    assert result.returncode == 0, result.stderr
    assert "东关社区" in result.stdout and "周末社区消防演练" in result.stdout, result.stdout


# The "is this about ticket X" question, left unanswered

PARTLY = "单元门口的垃圾箱满了，好几天没人来收"  # same duty as GARBAGE, partly alike


async def test_a_held_report_is_not_lost_when_its_question_expires(stack, clock):
    sender = fresh("heldlost")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    question = await stack.say(PARTLY, sender)
    assert "这是关于工单" in question and code in question, question
    clock.advance(minutes=11)
    await stack.check_unassigned()
    late = await stack.say("1", sender)
    assert not re.search(r"GB-(?!" + code[3:] + r")[0-9A-Z]+", late or ""), "1 is no report"
    clock.advance(hours=2)
    await stack.check_unassigned()
    await stack.drain()
    kept = [str(n) for _, _, n in await trail(stack, code)]
    kept += [t.text for t in await stack.tickets() if t.code != code]
    assert any("垃圾箱满了" in k for k in kept), kept


async def test_a_held_report_answered_with_other_words_joins_and_the_words_are_read_on(stack):
    sender = fresh("heldother")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    assert "这是关于工单" in await stack.say(PARTLY, sender)
    listing = await stack.say("查询", sender)
    assert code in listing, listing
    assert any(n and "垃圾箱满了" in n for _, _, n in await trail(stack, code))
    assert len(await stack.tickets()) == 1


async def test_a_fire_naming_its_place_is_alerted_at_once_and_routed_after_the_confirmation(
    stack,
):
    sender = fresh("fireplace")
    reply = await stack.say("东关路12号着火了，烟很大", sender)
    assert "119" in "\n".join(reply.splitlines()[:2]), reply
    code = code_in(reply)
    assert any(code in m for m in await wecom(stack, DUTY))
    await stack.say("1", sender)
    found = await ticket(stack, code)
    assert found.grid_id is not None and await assignee_of(stack, code) != DUTY


async def test_a_two_to_the_place_question_is_no_ticket_and_asks_for_the_location(stack):
    sender = fresh("placetwo")
    await stack.say(TYPED_HOME, sender)
    reply = await stack.say("2", sender)
    assert asks_for_location(reply), reply
    assert await stack.tickets() == []


async def test_an_unanswered_place_question_still_hands_the_report_over_in_time(stack, clock):
    sender = fresh("placeunanswered")
    await stack.say(TYPED_REPORT, sender)
    [waiting] = await stack.tickets()
    clock.advance(minutes=11)
    await stack.check_unassigned()
    found = await ticket(stack, waiting.code)
    assert found.assignee_id is not None and found.deadline_at is not None


# Settings the issue names


def configured(seeded_url, clock, sections: dict):
    from tests.conftest import embedded_classifier

    return running_stack(seeded_url, clock, sections=sections, classifier=embedded_classifier())


async def test_locate_within_is_honoured(seeded_url, clock):
    async with configured(seeded_url, clock, {"intake": {"locate_within": "5m"}}) as stack:
        await stack.say(GARBAGE, fresh("five"))
        [waiting] = await stack.tickets()
        clock.advance(minutes=4)
        await stack.check_unassigned()
        assert await assignee_of(stack, waiting.code) is None
        clock.advance(minutes=2)
        await stack.check_unassigned()
        assert await assignee_of(stack, waiting.code) == DUTY


async def test_prompt_minutes_is_honoured(seeded_url, clock):
    async with configured(seeded_url, clock, {"intake": {"prompt_minutes": 3}}) as stack:
        sender = fresh("three")
        await stack.say(TYPED_HOME, sender)
        clock.advance(minutes=4)
        reply = await stack.say("1", sender)
        assert DG01_NAME not in (reply or ""), reply
        assert await stack.tickets() == []


async def test_the_daily_limit_named_in_the_refusal_is_the_configured_one(seeded_url, clock):
    async with configured(seeded_url, clock, {"notice": {"per_day": 2}}) as stack:
        sender = fresh("two")
        await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
        for n in range(2):
            await stack.staff_says(COMMUNITY_SUPERVISOR, f"通知 东关社区：限额内第{n + 1}条")
        refused = await stack.staff_says(COMMUNITY_SUPERVISOR, "通知 东关社区：超出限额的一条")
        assert "2" in refused and "3" not in refused, refused
        await stack.drain()
        assert not any("超出限额的一条" in m for m in stack.fake.to(sender))
        assert sum("限额内" in m for m in stack.fake.to(sender)) == 2


async def test_residents_outside_the_48_hours_get_the_notice_template_when_set(seeded_url, clock):
    sections = {"templates": {"notice": "TPL-NOTICE-1"}}
    async with configured(seeded_url, clock, sections) as stack:
        sender = fresh("template")
        await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
        await stack.drain()
        clock.advance(hours=49)
        await stack.staff_says(COMMUNITY_SUPERVISOR, "通知 东关社区：模板消息送达的通知")
        await stack.drain()
        templated = [s for s in stack.fake.sent if s.to == sender and s.channel == "mp-template"]
        assert any("模板消息送达的通知" in s.text for s in templated), stack.fake.sent


async def test_a_video_with_nothing_open_joins_the_next_report(stack):
    sender = fresh("videofirst")
    await stack.locate("QH-QQ-DG-01", sender)
    await send(stack, stack.mp.message(sender, "video", MediaId="vid-9", ThumbMediaId="th"))
    assert await stack.tickets() == []
    code = code_in(await stack.say(GARBAGE, sender))
    assert len(await trail(stack, code)) > 2, await trail(stack, code)


async def test_a_plain_subscribe_welcomes_and_asks_for_the_location(stack):
    welcome = await send(stack, stack.mp.event(fresh("plain"), "subscribe"))
    assert welcome and asks_for_location(welcome), welcome


async def test_scanning_a_stale_grid_code_says_so_and_asks_for_the_location(stack):
    sender = fresh("stalescan")
    reply = await send(
        stack, stack.mp.event(sender, "SCAN", EventKey="grid:QH-XX-GONE", Ticket="t")
    )
    assert reply and asks_for_location(reply), reply


@pytest.mark.parametrize("typed", ["我住在东关社区", "我住在清泉街道", "我住在柳河镇"])
async def test_a_typed_place_of_several_grids_is_no_ticket(stack, typed):
    sender = fresh("ambiguous")
    reply = await stack.say(typed, sender)
    assert await stack.tickets() == [], reply


# The category question (1/2/3) under the one rule for numbers

VAGUE = "那边的东西坏了"  # the classifier is unsure: the resident is asked for the duty


async def test_a_number_after_the_category_question_expired_picks_nothing(stack, clock):
    sender = fresh("catexpired")
    await stack.locate("QH-LH-WZ-01", sender)
    question = await stack.say(VAGUE, sender)
    assert "1" in question and "3" in question, question
    [held] = await stack.tickets()
    clock.advance(minutes=11)
    await stack.say("2", sender)
    [still] = await stack.tickets()
    assert still.category == held.category
    await stack.check_unassigned()
    found = await ticket(stack, held.code)
    assert found.assignee_id is not None and found.deadline_at is not None


async def test_the_category_answered_in_time_is_taken(stack):
    sender = fresh("catintime")
    await stack.locate("QH-LH-WZ-01", sender)
    question = await stack.say(VAGUE, sender)
    second = re.search(r"2[.．、]\s*(\S+)", question).group(1)
    reply = await stack.say("2", sender)
    assert second in reply, reply
    assert len(await stack.tickets()) == 1


async def test_a_later_deletion_prompt_takes_the_number_before_the_category_question(stack):
    sender = fresh("catlater")
    await stack.locate("QH-LH-WZ-01", sender)
    question = await stack.say(VAGUE, sender)
    second = re.search(r"2[.．、]\s*(\S+)", question).group(1)
    await stack.say("删除我的信息", sender)
    reply = await stack.say("2", sender)
    assert second not in reply, reply
    assert "王丽芳" in await stack.say("我的网格员", sender), "2 cancelled the deletion"


MORE_MP = {
    "subscribe_msg_change_event": (
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe_msg_change_event]]>"
        "</Event><SubscribeMsgChangeEvent><List><TemplateId><![CDATA[tpl-1]]></TemplateId>"
        "<SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString></List>"
        "</SubscribeMsgChangeEvent>"
    ),
    "subscribe_msg_sent_event": (
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe_msg_sent_event]]>"
        "</Event><SubscribeMsgSentEvent><List><TemplateId><![CDATA[tpl-1]]></TemplateId>"
        "<MsgID>1700827132819554304</MsgID><ErrorCode>0</ErrorCode>"
        "<ErrorStatus><![CDATA[success]]></ErrorStatus></List><List>"
        "<TemplateId><![CDATA[tpl-2]]></TemplateId><MsgID>1700827132819554305</MsgID>"
        "<ErrorCode>20001</ErrorCode><ErrorStatus><![CDATA[fail]]></ErrorStatus></List>"
        "</SubscribeMsgSentEvent>"
    ),
    "view_miniprogram": (
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[view_miniprogram]]></Event>"
        "<EventKey><![CDATA[pages/index/index]]></EventKey><MenuId>1</MenuId>"
    ),
    "user_get_card": (
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[user_get_card]]></Event>"
        "<CardId><![CDATA[pFS7Fjg8kV1IdDz01r4SQwMkuCKc]]></CardId><IsGiveByFriend>0"
        "</IsGiveByFriend><UserCardCode><![CDATA[12312312]]></UserCardCode>"
        "<OuterStr><![CDATA[]]></OuterStr>"
    ),
    "kf_create_session": (
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_create_session]]></Event>"
        "<KfAccount><![CDATA[test1@test]]></KfAccount>"
    ),
}

MORE_WORK = {
    "change_contact": (
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event>"
        "<ChangeType><![CDATA[update_user]]></ChangeType><UserID><![CDATA[liminghua]]>"
        "</UserID><Department><![CDATA[1,2]]></Department><ExtAttr><Item>"
        "<Name><![CDATA[爱好]]></Name><Type>0</Type><Text><Value><![CDATA[旅游]]></Value></Text>"
        "</Item><Item><Name><![CDATA[卡号]]></Name><Type>1</Type><Web><Title><![CDATA[企业微信]]>"
        "</Title><Url><![CDATA[https://work.weixin.qq.com]]></Url></Web></Item></ExtAttr>"
    ),
    "template_card_event": (
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event>"
        "<EventKey><![CDATA[key111]]></EventKey><TaskId><![CDATA[taskid111]]></TaskId>"
        "<CardType><![CDATA[vote_interaction]]></CardType><ResponseCode><![CDATA[rc]]>"
        "</ResponseCode><SelectedItems><SelectedItem><QuestionKey><![CDATA[QuestionKey1]]>"
        "</QuestionKey><OptionIds><OptionId><![CDATA[OptionId1]]></OptionId><OptionId>"
        "<![CDATA[OptionId2]]></OptionId></OptionIds></SelectedItem></SelectedItems>"
    ),
    "location_select": (
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[location_select]]></Event>"
        "<EventKey><![CDATA[locate]]></EventKey><SendLocationInfo><Location_X>36.535"
        "</Location_X><Location_Y>116.36</Location_Y><Scale>15</Scale><Label><![CDATA[东关]]>"
        "</Label><Poiname><![CDATA[]]></Poiname></SendLocationInfo>"
    ),
}


@pytest.mark.parametrize("event", list(MORE_MP))
async def test_more_official_account_events_get_a_200(stack, event):
    reply = await send_raw(stack.mp, fresh("more"), MORE_MP[event])
    assert reply.status == 200, reply.body
    assert await stack.tickets() == []


@pytest.mark.parametrize("event", list(MORE_WORK))
async def test_wecom_events_with_nested_fields_get_a_200(stack, event):
    sender = "sys" if event == "change_contact" else DG01_WORKER
    reply = await send_raw(stack.work, sender, MORE_WORK[event] + "<AgentID>1000002</AgentID>")
    assert reply.status == 200, reply.body


# A linked neighbour knows the code but the ticket is not theirs


async def linked_pair(stack) -> tuple[str, str, str]:
    owner, neighbour = fresh("owner"), fresh("linked")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, owner)
    await stack.locate("QH-QQ-DG-01", neighbour)
    told = await stack.say("小区门口的垃圾堆了好几天没人管了", neighbour)
    assert code in told, told  # linked to the owner's ticket: they hear its code
    return owner, neighbour, code


async def test_a_linked_neighbour_cannot_withdraw_the_ticket_and_learns_nothing(stack):
    _, neighbour, code = await linked_pair(stack)
    theirs = await stack.say(f"撤回 {code}", neighbour)
    made_up = await stack.say(f"撤回 {MADE_UP}", neighbour)
    assert theirs.replace(code, "X") == made_up.replace(MADE_UP, "X")
    assert (await ticket(stack, code)).state != "withdrawn"


async def test_a_linked_neighbour_forgetting_themselves_leaves_the_owners_ticket_open(stack):
    owner, neighbour, code = await linked_pair(stack)
    await stack.say("删除我的信息", neighbour)
    await stack.say("1", neighbour)
    found = await ticket(stack, code)
    assert found.state != "withdrawn" and not found.anonymised
    assert code in await stack.say("查询", owner)


async def test_a_withdrawn_ticket_is_counted_apart_in_the_assessment(stack, seeded_url):
    import json

    sender = fresh("assessed")
    code = await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.say(f"撤回 {code}", sender)
    result = await asyncio.to_thread(
        cli, cli_env(stack, seeded_url), "report", "assessment", "--quarter", "2026Q4", "--json"
    )
    assert result.returncode == 0, result.stderr
    [row] = [r for r in json.loads(result.stdout) if r["userid"] == DG01_WORKER]
    assert (row["tickets"], row["withdrawn"]) == (0, 1), row


@pytest.mark.parametrize("text", ["通知", "通知 ", "通知 东关社区：", "通知 东关社区:   "])
async def test_an_empty_notice_sends_nothing_and_gets_an_answer(stack, text):
    sender = fresh("empty")
    await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.drain()
    before = len(stack.fake.to(sender))
    reply = await stack.staff_says(COMMUNITY_SUPERVISOR, text)
    await stack.drain()
    assert reply
    assert stack.fake.to(sender)[before:] == []


async def test_words_before_a_colon_that_name_no_unit_are_part_of_the_notice(stack):
    sender = fresh("words")
    await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.drain()
    before = len(stack.fake.to(sender))
    await stack.staff_says(COMMUNITY_SUPERVISOR, "通知 各位居民：明天上午九点到十一点停水")
    await stack.drain()
    got = stack.fake.to(sender)[before:]
    assert any("各位居民" in m and "停水" in m for m in got), got


async def test_a_unit_that_looks_real_but_is_none_is_refused_by_name(stack):
    sender = fresh("nounit")
    await report(stack, "QH-QQ-DG-01", GARBAGE, sender)
    await stack.drain()
    before = len(stack.fake.to(sender))
    reply = await stack.staff_says(COMMUNITY_SUPERVISOR, "通知 东关三网格：不存在的网格")
    await stack.drain()
    assert "东关三网格" in reply, reply
    assert stack.fake.to(sender)[before:] == []


async def test_the_daily_notice_limit_resets_at_midnight_in_shanghai(stack, clock):
    sender = fresh("midnight")
    await report(stack, "QH-QQ-DG-01", GARBAGE, sender)  # 10:00 in Asia/Shanghai
    for n in range(3):
        await stack.staff_says(COMMUNITY_SUPERVISOR, f"通知 东关社区：白天第{n + 1}条")
    clock.advance(hours=13, minutes=50)  # 23:50: the same day
    late = await stack.staff_says(COMMUNITY_SUPERVISOR, "通知 东关社区：午夜前的一条")
    assert "3" in late, late
    clock.advance(minutes=20)  # 00:10: a new day
    await stack.staff_says(COMMUNITY_SUPERVISOR, "通知 东关社区：新的一天第一条")
    clock.advance(hours=8)  # 08:10, past quiet hours
    await stack.drain()
    got = stack.fake.to(sender)
    assert not any("午夜前的一条" in m for m in got)
    assert any("新的一天第一条" in m for m in got), got
