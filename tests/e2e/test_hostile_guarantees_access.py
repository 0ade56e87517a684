"""Hostile tests of who sees and does what (issue 12): staff off duty see nothing (3); a
resident linked to a neighbour's ticket reads nothing of the other report and cannot rate,
reopen or close it (4); numbers residents type are masked for other residents and for staff
not handling the ticket (5); only the assignee or a supervisor of the unit transfers or
escalates, only a supervisor assigns, and the previous assignee is told (12).

The demo county (config/demo): 东关一网格 liminghua 李明华 (grid worker; household H0001 张建明
13900000001 371501195003120018 is in her grid); 东关二网格 zhaoxiaoyan; supervisors zhouhaitao
(东关社区), chenzhiqiang (清泉街道), wuxiulan (西苑社区, not above 东关); hanlei (police
assistant, 东关社区) and gaoshufen (mediator, 清泉街道) cover 东关一网格 without handling its
garbage; wanglifang is a grid worker of 柳河镇. All other people and numbers are fictional.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.devkit.demo import DEMO_DATA_KEY
from storage.models import Staff, Ticket, TicketEvent
from tests.cli import run_gridbot
from tests.hostile import code_in
from tests.stack import RESIDENT

ONLY_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
DEMO = Path(__file__).resolve().parents[2] / "config" / "demo"
NEIGHBOUR = "o_hostile_neighbour_01"
STAFF_IDS = (
    "liminghua",
    "zhaoxiaoyan",
    "zhouhaitao",
    "chenzhiqiang",
    "wuxiulan",
    "hanlei",
    "gaoshufen",
    "huangwenjie",
    "wanglifang",
)
# The first household's report: a name, a mobile in full-width digits, a spaced mobile, an
# ID number ending in X and an old 15-digit ID number.
NAME, NEIGHBOUR_NAME = "欧阳志远", "司马青云"
PHONES = ("13900000011", "13900000012", "13900000013")
ID_X, ID_OLD = "11010119900101207X", "110101900101123"
REPORT = (
    f"小区门口垃圾堆了好几天没人清理，臭得很。我是{NAME}，电话１３９００００００１１，"
    f"备用 139 0000 0012，+86-139-0000-0013，身份证{ID_X.lower()}，老证{ID_OLD}"
)
NEIGHBOUR_REPORT = f"单元门口的垃圾箱满了，好几天没人来收，我是{NEIGHBOUR_NAME}，电话13900000021"
NOTE = f"已联系{NAME}（13900000011）核实，身份证{ID_X}，垃圾已清运"


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def digits_view(text: str) -> str:
    """The text as someone reading it for numbers would: full-width folded, separators gone."""
    return re.sub(r"[\s\-+()（）]", "", unicodedata.normalize("NFKC", text))


def numbers_shown(text: str) -> list[str]:
    view = digits_view(text).upper()
    secrets = [*PHONES, ID_X, ID_OLD, "13900000021"]
    return [secret for secret in secrets if secret in view or secret[:14] in view]


def gridbot(url: str, *args: str):
    done = run_gridbot(
        *args, env={"GRIDBOT_DATABASE_URL": url, "GRIDBOT_DATA_KEY": DEMO_DATA_KEY}, timeout=90
    )
    assert done.returncode == 0, done.stderr
    return done


async def report(
    stack, text: str = REPORT, sender: str = RESIDENT, grid: str = "东关一网格"
) -> str:
    await stack.locate(grid, sender)
    return code_in(await stack.say(text, sender))


async def ticket_of(stack, code: str) -> Ticket:
    return next(t for t in await stack.tickets() if t.code == code)


async def assignee_of(stack, code: str) -> str | None:
    async with stack.services.sessionmaker() as session:
        query = select(Staff.userid).join(Ticket, Ticket.assignee_id == Staff.id)
        return await session.scalar(query.where(Ticket.code == code))


async def trail(stack, code: str) -> list[tuple]:
    async with stack.services.sessionmaker() as session:
        query = (
            select(TicketEvent.actor, TicketEvent.action, TicketEvent.note)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(Ticket.code == code)
            .order_by(TicketEvent.at, TicketEvent.id)
        )
        return [tuple(row) for row in await session.execute(query)]


async def heard_so_far(stack) -> dict[str, int]:
    await stack.drain()
    return {who: len(stack.fake.to(who)) for who in (*STAFF_IDS, RESIDENT, NEIGHBOUR)}


async def heard_since(stack, before: dict[str, int]) -> dict[str, list[str]]:
    await stack.drain()
    return {
        who: stack.fake.to(who)[count:]
        for who, count in before.items()
        if stack.fake.to(who)[count:]
    }


# 3. Staff removed from the roster or put off duty see nothing

HOUSEHOLD_SECRETS = ("张建明", "张*明", "13900000001", "371501195003120018", "0018", "东关路12号")
OFF_DUTY_COMMANDS = [
    "户 H0001 全部",
    "户 h0001 全部",
    full_width("户 H0001 全部"),
    "户\u3000H0001\u3000全部",
    "  户   H0001   全部  ",
    "户 H0001",
    "查户 东关路",
    "查户 张建明",
    "我的工单",
    "工单 {code}",
    "工单 {bare}",
    full_width("工单 {code}"),
    "接单 {code}",
    "办结 {code} 好了",
    "汇总",
    "超时",
    "督办 {code} 快",
    "指派 {code} hanlei",
    "转派 {code} hanlei",
    "上报 {code} x",
    "退回 {code} x",
    "走访 H0001 老人身体好",
    "开始巡查",
    "巡查结束 发现路灯坏了",
    "巡查记录",
    "采集 {code} 确认 H0001",
    "帮助",
]


def roster_without(tmp_path: Path, *userids: str) -> Path:
    lines = [
        line
        for line in (DEMO / "staff.csv").read_text("utf-8").splitlines()
        if line.split(",")[0] not in userids
    ]
    path = tmp_path / "staff.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def take_off(url: str, tmp_path: Path, how: str, *userids: str) -> None:
    if how == "off-duty":
        for userid in userids:
            gridbot(url, "staff", "off-duty", userid)
    else:
        gridbot(url, "import", "--staff", str(roster_without(tmp_path, *userids)))


def assert_shows_nothing(reply: str, code: str) -> None:
    for secret in (*HOUSEHOLD_SECRETS, code, code.removeprefix("GB-"), "垃圾", NAME):
        assert secret not in reply.upper() and secret not in reply, (secret, reply)
    assert numbers_shown(reply) == [], reply


@ONLY_SQLITE
@pytest.mark.parametrize("how", ["off-duty", "left-out-of-import"])
@pytest.mark.parametrize("userid", ["liminghua", "zhouhaitao"])
async def test_staff_taken_off_see_nothing_however_they_type_it(
    stack, seeded_url, tmp_path, how, userid
):
    code = await report(stack)
    assert "张建明" in await stack.staff_says(userid, "户 H0001 全部")  # allowed while on duty
    take_off(seeded_url, tmp_path, how, userid)
    before = await heard_so_far(stack)

    for command in OFF_DUTY_COMMANDS:
        typed = command.format(code=code, bare=code.removeprefix("GB-").lower())
        assert_shows_nothing(await stack.staff_says(userid, typed), code)
    for message in (
        stack.work.image(userid),
        stack.work.location(userid, 115.0, 36.0),
        stack.work.event(userid, "enter_agent"),
    ):
        reply = await stack.work.send(message)
        assert reply.status == 200
        assert_shows_nothing(reply.text or "", code)

    for text in (await heard_since(stack, before)).get(userid, []):
        assert_shows_nothing(text, code)


@ONLY_SQLITE
async def test_notice_still_queued_when_staff_go_off_duty_is_not_delivered_to_them(
    stack, seeded_url, tmp_path
):
    stack.fake.fail_next.append({"errcode": -1, "errmsg": "system busy"})
    code = await report(stack, f"小区门口垃圾堆了好几天没人清理，电话{PHONES[0]}")
    await stack.drain()  # WeChat is busy: the worker's notice waits for a retry
    assert stack.fake.to("liminghua") == []

    take_off(seeded_url, tmp_path, "off-duty", "liminghua")
    stack.services.clock.advance(minutes=10)
    await stack.drain()

    for text in stack.fake.to("liminghua"):
        assert_shows_nothing(text, code)


@ONLY_SQLITE
async def test_ticket_reopened_after_its_worker_went_off_duty_goes_to_someone_on_duty(
    stack, seeded_url, tmp_path
):
    code = await report(stack)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} 已清运")
    take_off(seeded_url, tmp_path, "off-duty", "liminghua")
    before = await heard_so_far(stack)

    assert "重新打开" in await stack.say("3")

    assert await assignee_of(stack, code) not in ("liminghua", None)
    assert code not in "".join((await heard_since(stack, before)).get("liminghua", []))


# 4. A resident linked as a duplicate reads nothing of the other report, acts on nothing


async def linked(stack) -> str:
    code = await report(stack)
    await stack.locate("东关一网格", NEIGHBOUR)
    reply = await stack.say(NEIGHBOUR_REPORT, NEIGHBOUR)
    assert code in reply, "the neighbour's report was not linked to the first household's"
    return code


def assert_nothing_of_the_other_report(text: str) -> None:
    for private in (NAME, "欧阳", "垃圾已清运"):
        assert private not in text, (private, text)
    assert [n for n in numbers_shown(text) if n != "13900000021"] == [], text
    for tail in ("0011", "0012", "0013", "207X", "1123"):
        assert tail not in digits_view(text).upper(), (tail, text)


async def test_linked_neighbour_reads_no_note_name_or_phone_through_the_whole_life_of_it(stack):
    code = await linked(stack)
    passive = []
    steps = [
        ("liminghua", f"接单 {code}"),
        ("zhouhaitao", f"督办 {code} 请联系{NAME}13900000011"),
        ("liminghua", f"到场 {code}"),
        ("liminghua", f"上报 {code} {NAME}家（13900000011）要求街道协调"),
        ("zhouhaitao", f"转派 {code} hanlei"),
        ("hanlei", f"接单 {code}"),
        ("hanlei", f"办结 {code} {NOTE}"),
    ]
    for userid, command in steps:
        await stack.staff_says(userid, command)
        for asked in ("查询", "我的工单", "进度怎么样了"):
            passive.append(await stack.say(asked, NEIGHBOUR))
    await stack.drain()

    told = stack.fake.to(NEIGHBOUR)
    assert any(code in text for text in told)  # they do hear how it goes
    for text in [*told, *passive]:
        assert_nothing_of_the_other_report(text)


@pytest.mark.parametrize(
    "answer",
    [
        "1",
        "１",
        "3",
        "３",
        "3 不满意",
        "不满意",
        "满意",
        "{code} 1",
        "{code} 3",
        "评价 {code} 3",
        "重新打开 {code}",
        "关闭 {code}",
        "撤销 {code}",
        "{bare} 不满意",
    ],
)
@ONLY_SQLITE
async def test_linked_neighbour_cannot_rate_reopen_or_close_the_ticket(stack, answer):
    code = await linked(stack)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} {NOTE}")
    steps = await trail(stack, code)
    before = await heard_so_far(stack)

    reply = await stack.say(answer.format(code=code, bare=code.removeprefix("GB-")), NEIGHBOUR)

    assert "感谢您的评价" not in reply and "已重新打开" not in reply  # neither rated nor reopened
    assert_nothing_of_the_other_report(reply)
    ticket = await ticket_of(stack, code)
    assert (ticket.state, ticket.level, ticket.rating) == ("resolved", 0, None)
    after = await trail(stack, code)
    assert after[: len(steps)] == steps
    assert [action for _, action, _ in after[len(steps) :]] in ([], ["duplicate"])
    heard = await heard_since(stack, before)
    for who in ("zhouhaitao", "chenzhiqiang", "huangwenjie"):  # no one hears of a rating
        assert not any(code in text for text in heard.get(who, [])), heard
    assert not any("不满意" in text or "重新办理" in text for text in heard.get("liminghua", []))


async def test_first_reporter_never_reads_the_linked_neighbours_name_or_phone(stack):
    code = await linked(stack)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} 已清运，另一户{NEIGHBOUR_NAME}也反映了")
    passive = [await stack.say(asked) for asked in ("查询", "我的工单")]
    await stack.drain()

    for text in [*stack.fake.to(RESIDENT), *passive]:
        assert "13900000021" not in digits_view(text) and "0021" not in text, text
        assert "单元门口的垃圾箱满了" not in text


# 5. Numbers typed by residents are masked for staff who do not handle the ticket


@pytest.mark.parametrize("userid", ["hanlei", "gaoshufen"])
async def test_staff_covering_the_grid_without_handling_it_see_every_number_format_masked(
    stack, userid
):
    code = await report(stack)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} {NOTE}")

    detail = await stack.staff_says(userid, f"工单 {code}")

    assert code in detail and "垃圾" in detail  # they may look, with numbers masked
    assert numbers_shown(detail) == [], detail


@ONLY_SQLITE
@pytest.mark.parametrize("handover", ["转派 {code} hanlei", "退回 {code} 不归我管"])
async def test_worker_who_passed_a_ticket_on_sees_its_numbers_masked_afterwards(stack, handover):
    code = await report(stack)
    assert numbers_shown(await stack.staff_says("liminghua", f"工单 {code}"))  # hers: in full
    await stack.staff_says("liminghua", handover.format(code=code))
    assert await assignee_of(stack, code) != "liminghua"
    before = await heard_so_far(stack)

    detail = await stack.staff_says("liminghua", f"工单 {code}")

    assert numbers_shown(detail) == [], detail
    for text in (await heard_since(stack, before)).get("liminghua", []):
        assert numbers_shown(text) == [], text


@ONLY_SQLITE
async def test_numbers_in_a_report_never_reach_another_resident_in_clear(stack):
    code = await linked(stack)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} {NOTE}")
    await stack.drain()

    for text in stack.fake.to(NEIGHBOUR):
        assert numbers_shown(text) in ([], ["13900000021"]), text


# 12. Only the assignee or a supervisor transfers or escalates; only a supervisor assigns

REFUSED = [
    ("zhaoxiaoyan", "转派 {code} zhaoxiaoyan"),
    ("zhaoxiaoyan", "上报 {code} 不归我"),
    ("zhaoxiaoyan", "指派 {code} zhaoxiaoyan"),
    ("hanlei", "转派 {code} hanlei"),
    ("hanlei", "上报 {code} 要上报"),
    ("hanlei", "指派 {code} hanlei"),
    ("gaoshufen", "转派 {code} gaoshufen"),
    ("gaoshufen", "上报 {code} x"),
    ("gaoshufen", "指派 {code} gaoshufen"),
    ("wuxiulan", "转派 {code} hanlei"),
    ("wuxiulan", "上报 {code} x"),
    ("wuxiulan", "指派 {code} hanlei"),
    ("wanglifang", "转派 {code} wanglifang"),
    ("liminghua", "指派 {code} hanlei"),
    ("liminghua", "指派 {code} liminghua"),
    ("hanlei", full_width("转派 {code} hanlei")),
    ("hanlei", "转派　{bare}　韩磊"),
    ("gaoshufen", "上报\u3000{bare_lower}\u3000x"),
    ("stranger_007", "指派 {code} hanlei"),
    ("hanlei", "转派 {code} 李明华"),
]


@ONLY_SQLITE
@pytest.mark.parametrize("userid, command", REFUSED)
async def test_transfer_escalate_or_assign_by_someone_not_allowed_changes_nothing(
    stack, userid, command
):
    code = await report(stack)
    steps = await trail(stack, code)
    level = (await ticket_of(stack, code)).level
    before = await heard_so_far(stack)
    bare = code.removeprefix("GB-")

    reply = await stack.staff_says(
        userid, command.format(code=code, bare=bare, bare_lower=bare.lower())
    )

    assert "已转给" not in reply and "已指派" not in reply and "已上报" not in reply, reply
    assert await assignee_of(stack, code) == "liminghua"
    assert (await ticket_of(stack, code)).level == level
    assert await trail(stack, code) == steps
    assert await heard_since(stack, before) == {}  # nobody was told anything


@ONLY_SQLITE
@pytest.mark.parametrize(
    "command",
    [
        "转派 {code} liminghua",
        "上报 {code} 我也想上报",
        "指派 {code} liminghua",
        "退回 {code} 不归我",
    ],
)
async def test_former_assignee_cannot_act_on_a_ticket_transferred_away(stack, command):
    code = await report(stack)
    assert "已转给" in await stack.staff_says("liminghua", f"转派 {code} hanlei")
    steps = await trail(stack, code)

    await stack.staff_says("liminghua", command.format(code=code))

    assert await assignee_of(stack, code) == "hanlei"
    assert await trail(stack, code) == steps


@ONLY_SQLITE
@pytest.mark.parametrize(
    "supervisor, command",
    [
        ("zhouhaitao", "转派 {code} hanlei"),
        ("zhouhaitao", "指派 {code} hanlei"),
        ("chenzhiqiang", "转派 {code} hanlei"),
        ("chenzhiqiang", "指派 {code} 韩磊"),
    ],
)
async def test_supervisor_handing_a_ticket_on_tells_the_previous_assignee(
    stack, supervisor, command
):
    code = await report(stack)
    before = await heard_so_far(stack)

    reply = await stack.staff_says(supervisor, command.format(code=code))

    assert code in reply
    assert await assignee_of(stack, code) == "hanlei"
    heard = await heard_since(stack, before)
    [told] = [text for text in heard.get("liminghua", []) if code in text]
    assert "韩磊" in told or "hanlei" in told
    assert any(code in text for text in heard.get("hanlei", []))


@ONLY_SQLITE
@pytest.mark.parametrize("userid", ["liminghua", "zhouhaitao"])
async def test_no_one_can_hand_a_ticket_to_someone_outside_its_grid(stack, userid):
    code = await report(stack)
    verb = "指派" if userid == "zhouhaitao" else "转派"
    for target in ("wanglifang", "王丽芳", "sunjianguo", "nobody_here"):
        await stack.staff_says(userid, f"{verb} {code} {target}")
        assert await assignee_of(stack, code) == "liminghua", target
