"""The registry's operator commands, run as subprocesses the way an operator runs them:
`gridbot import --households`, `serve` without the key, `registry rotate-key`,
`export households`, `audit list` and `resident forget`."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import socket
import subprocess

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.cli.registry import EXPORT_HEADER
from bot.devkit.demo import DEMO_DATA_KEY
from handlers.registry.retention import ANONYMISED
from storage.crypto import DataKey, key_of, new_key
from storage.models import (
    AuditEntry,
    Household,
    InboundMessage,
    OrgUnit,
    OutboxMessage,
    Resident,
    Staff,
    Ticket,
)
from tests.cli import run_gridbot
from tests.registry_files import (
    BAD_ROWS,
    DEMO_LINES,
    GRIDS,
    HOUSEHOLDS,
    ID_NUMBERS,
    NEXT_LINE,
    ONLY_SQLITE,
    PHONES,
    ROUTES,
    STAFF,
    session_for,
    write_households,
)
from tests.stack import RESIDENT

CHANNELS = {
    "GRIDBOT_MP_APPID": "wx0000000000demo01",
    "GRIDBOT_MP_SECRET": "mp-secret",
    "GRIDBOT_MP_TOKEN": "mp-token",
    "GRIDBOT_MP_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "GRIDBOT_WORK_CORPID": "ww0000000000demo01",
    "GRIDBOT_WORK_AGENTID": "1000002",
    "GRIDBOT_WORK_SECRET": "work-secret",
    "GRIDBOT_WORK_TOKEN": "work-token",
    "GRIDBOT_WORK_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
}


def gridbot_now(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_gridbot(*args, env=env, timeout=90)


async def gridbot(*args: str, url: str, key: str | None = None, **env: str):
    """The command in a thread, so a running stack keeps answering meanwhile."""
    env = {"GRIDBOT_DATABASE_URL": url, **env}
    if key:
        env["GRIDBOT_DATA_KEY"] = key
    return await asyncio.to_thread(gridbot_now, *args, env=env)


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


async def count(url: str, model) -> int:
    async with session_for(url) as session:
        return await session.scalar(select(func.count()).select_from(model))


async def audit_entries(url: str) -> list[AuditEntry]:
    async with session_for(url) as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


@pytest.fixture
async def county_url(database_url):
    """The demo county's grids, staff and routes imported by the operator; no households."""
    result = await gridbot(
        "import",
        "--grids",
        str(GRIDS),
        "--staff",
        str(STAFF),
        "--routes",
        str(ROUTES),
        url=database_url,
    )
    assert result.returncode == 0, result.stderr
    return database_url


# 1. Import ----------------------------------------------------------------------------------


@ONLY_SQLITE
async def test_household_import_prints_how_many_were_added(county_url):
    result = await gridbot(
        "import", "--households", str(HOUSEHOLDS), url=county_url, key=new_key()
    )

    assert result.returncode == 0, result.stderr
    assert "10 added, 0 updated, 0 unchanged" in result.stdout
    assert await count(county_url, Household) == 10


@ONLY_SQLITE
async def test_household_import_with_a_bad_phone_names_file_and_line_and_writes_nothing(
    county_url, tmp_path
):
    path = write_households(tmp_path, [*DEMO_LINES, BAD_ROWS["bad phone"][0]])

    result = await gridbot("import", "--households", str(path), url=county_url, key=new_key())

    assert result.returncode == 1
    assert "nothing was written" in result.stderr
    assert f"{path}: line {NEXT_LINE}: phone is not a mainland mobile" in result.stderr
    assert "1390000001" not in result.stderr  # the reason, not the personal data
    assert await count(county_url, Household) == 0


@ONLY_SQLITE
async def test_household_import_without_the_data_key_refuses_in_one_line(county_url):
    result = await gridbot("import", "--households", str(HOUSEHOLDS), url=county_url)

    assert result.returncode != 0
    assert "GRIDBOT_DATA_KEY" in one_line(result)
    assert await count(county_url, Household) == 0


@ONLY_SQLITE
async def test_import_that_says_nothing_was_written_really_wrote_nothing(database_url, tmp_path):
    bad = write_households(tmp_path, [*DEMO_LINES, BAD_ROWS["unknown tag"][0]])

    result = await gridbot(
        "import",
        "--grids",
        str(GRIDS),
        "--staff",
        str(STAFF),
        "--routes",
        str(ROUTES),
        "--households",
        str(bad),
        url=database_url,
        key=new_key(),
    )

    assert result.returncode == 1
    assert "nothing was written" in result.stderr
    assert (await count(database_url, OrgUnit), await count(database_url, Staff)) == (0, 0)


# 2. Start-up refuses without the key --------------------------------------------------------


def free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


async def serve(url: str, key: str | None) -> subprocess.CompletedProcess:
    return await gridbot(
        "serve", url=url, key=key, GRIDBOT_HOST="127.0.0.1", GRIDBOT_PORT=free_port(), **CHANNELS
    )


@ONLY_SQLITE
async def test_service_with_households_will_not_start_without_the_data_key(seeded_url):
    result = await serve(seeded_url, key=None)

    assert result.returncode != 0
    assert "GRIDBOT_DATA_KEY" in one_line(result)


@ONLY_SQLITE
async def test_service_will_not_start_with_another_data_key(seeded_url):
    result = await serve(seeded_url, key=new_key())

    assert result.returncode != 0
    assert "GRIDBOT_DATA_KEY" in one_line(result)


# 3. Key rotation ----------------------------------------------------------------------------


async def test_rotated_registry_reads_with_the_new_key_and_refuses_the_old(seeded_url):
    new = new_key()

    rotated = await gridbot(
        "registry", "rotate-key", url=seeded_url, key=DEMO_DATA_KEY, GRIDBOT_NEW_DATA_KEY=new
    )
    with_new = await gridbot("export", "households", url=seeded_url, key=new)
    with_old = await gridbot("export", "households", url=seeded_url, key=DEMO_DATA_KEY)

    assert rotated.returncode == 0, rotated.stderr
    assert "10 households" in rotated.stdout
    assert with_new.returncode == 0, with_new.stderr
    assert "张*明" in with_new.stdout and "139****0001" in with_new.stdout
    assert with_old.returncode != 0 and "GRIDBOT_DATA_KEY" in one_line(with_old)
    new_key_ = DataKey.from_text(new)
    async with session_for(seeded_url) as session:
        found = await session.scalar(
            select(Household).where(Household.phone_hash == new_key_.lookup_hash("13900000001"))
        )
    assert found.code == "H0001"
    assert key_of(found.phone) == key_of(found.id_number) == new_key_.key_id


async def test_new_key_prints_a_key_the_registry_accepts():
    result = await gridbot("registry", "new-key", url="sqlite+aiosqlite:///unused.db")

    assert result.returncode == 0
    DataKey.from_text(result.stdout.strip())


# 5. Export ----------------------------------------------------------------------------------


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@ONLY_SQLITE
async def test_export_is_masked_by_default(seeded_url):
    result = await gridbot("export", "households", url=seeded_url, key=DEMO_DATA_KEY)

    assert result.returncode == 0, result.stderr
    rows = csv_rows(result.stdout)
    assert rows[0] == EXPORT_HEADER and len(rows) == 11
    assert rows[1][:6] == [
        "H0001",
        "QH-QQ-DG-01",
        "清泉街道东关路12号1单元301",
        "张*明",
        "139****0001",
        "尾号 0018",
    ]
    for secret in [*PHONES, *ID_NUMBERS, "张建明", "社区矫正人员", "每周报到"]:
        assert secret not in result.stdout, secret
    (entry,) = await audit_entries(seeded_url)
    assert (entry.action, entry.purpose, entry.outcome) == ("export", "masked export", "allowed")


@ONLY_SQLITE
async def test_unmasked_export_without_a_purpose_is_refused_and_the_refusal_audited(seeded_url):
    result = await gridbot("export", "households", "--unmasked", url=seeded_url, key=DEMO_DATA_KEY)

    assert result.returncode == 2
    assert "--purpose" in result.stderr
    assert not any(phone in result.stdout for phone in PHONES)
    (entry,) = await audit_entries(seeded_url)
    assert (entry.action, entry.outcome) == ("export_unmasked", "refused")


@ONLY_SQLITE
async def test_refused_unmasked_export_prints_nothing_on_stdout(seeded_url):
    result = await gridbot("export", "households", "--unmasked", url=seeded_url, key=DEMO_DATA_KEY)

    assert result.returncode == 2
    assert result.stdout.strip() == ""


@ONLY_SQLITE
async def test_unmasked_export_with_a_purpose_writes_full_values_and_audits_the_purpose(
    seeded_url,
):
    purpose = "民政局低保复核 2026-11"
    result = await gridbot(
        "export",
        "households",
        "--unmasked",
        "--purpose",
        purpose,
        url=seeded_url,
        key=DEMO_DATA_KEY,
    )

    assert result.returncode == 0, result.stderr
    rows = {row[0]: row for row in csv_rows(result.stdout)[1:]}
    assert rows["H0001"][3:6] == ["张建明", "13900000001", "371501195003120018"]
    assert rows["H0003"][8:10] == ["社区矫正人员", "每周报到"]
    (entry,) = await audit_entries(seeded_url)
    assert (entry.action, entry.purpose, entry.outcome) == ("export_unmasked", purpose, "allowed")
    assert entry.actor.startswith("cli:")


@ONLY_SQLITE
async def test_xlsx_export_is_a_workbook_of_masked_households(seeded_url, tmp_path):
    out = tmp_path / "households.xlsx"

    result = await gridbot(
        "export",
        "households",
        "--format",
        "xlsx",
        "--out",
        str(out),
        url=seeded_url,
        key=DEMO_DATA_KEY,
    )

    assert result.returncode == 0, result.stderr
    book = load_workbook(out, read_only=True)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    assert rows[0] == EXPORT_HEADER and len(rows) == 11
    assert rows[1][3:5] == ["张*明", "139****0001"]
    assert not any(str(cell) in PHONES + ID_NUMBERS for row in rows for cell in row)


async def test_export_of_one_unit_holds_only_its_households(seeded_url):
    result = await gridbot(
        "export", "households", "--unit", "青禾县/柳河镇", url=seeded_url, key=DEMO_DATA_KEY
    )

    assert result.returncode == 0, result.stderr
    assert [row[0] for row in csv_rows(result.stdout)[1:]] == ["H0008", "H0009", "H0010"]


# 4. The audit log of chat lookups -----------------------------------------------------------


async def test_audit_list_shows_every_chat_look_and_refusal_as_json(stack):
    url = stack.services.settings.database_url
    await stack.staff_says("liminghua", "户 H0001")
    await stack.staff_says("liminghua", "户 H0001 全部")
    await stack.staff_says("zhaoxiaoyan", "户 H0001")
    await stack.staff_says("gaoshufen", "户 H0003 全部")
    await stack.staff_says("zhouhaitao", "查户 东关路")

    everything = await gridbot("audit", "list", "--json", url=url)
    mediator = await gridbot("audit", "list", "--actor", "gaoshufen", "--json", url=url)

    assert everything.returncode == 0, everything.stderr
    listed = [
        (e["actor"], e["action"], e["target"], e["outcome"], e["purpose"])
        for e in json.loads(everything.stdout)
    ]
    assert listed == [
        ("staff:liminghua", "view_masked", "H0001", "allowed", "chat: 户 H0001"),
        ("staff:liminghua", "view_full", "H0001", "allowed", "chat: 户 H0001 全部"),
        ("staff:zhaoxiaoyan", "view", "H0001", "refused", "chat: 户 H0001"),
        ("staff:gaoshufen", "view_full", "H0003", "refused", "chat: 户 H0003 全部"),
        ("staff:zhouhaitao", "search", "address:3 found", "allowed", "chat: 查户 (3 字)"),
    ]
    assert [e["action"] for e in json.loads(mediator.stdout)] == ["view_full"]


# 7. Forgetting a resident -------------------------------------------------------------------

REPORT = "我家楼下的垃圾堆了一个星期没人清，我是3号楼的老孙"


async def reported(stack) -> Ticket:
    await stack.locate("东关一网格")
    await stack.say(REPORT)
    await stack.drain()
    (ticket,) = await stack.tickets()
    return ticket


async def test_forgotten_resident_is_gone_but_their_tickets_stay_for_statistics(stack):
    before = await reported(stack)
    url = stack.services.settings.database_url

    result = await gridbot("resident", "forget", RESIDENT, url=url, key=DEMO_DATA_KEY)

    assert result.returncode == 0, result.stderr
    assert "1 tickets kept anonymously" in result.stdout
    async with stack.services.sessionmaker() as session:
        resident = await session.scalar(select(Resident).where(Resident.openid == RESIDENT))
        contents = list(await session.scalars(select(InboundMessage.content)))
    (after,) = await stack.tickets()
    assert resident is None
    assert (after.code, after.category, after.state) == (before.code, before.category, "assigned")
    assert after.text == ANONYMISED and after.resident_id is None
    assert not any(REPORT in (c or "") for c in contents)


async def test_forgotten_residents_words_are_not_kept_in_messages_sent_to_staff(stack):
    await reported(stack)
    url = stack.services.settings.database_url

    await gridbot("resident", "forget", RESIDENT, url=url, key=DEMO_DATA_KEY)

    async with stack.services.sessionmaker() as session:
        bodies = [
            json.dumps(m.body, ensure_ascii=False)
            for m in await session.scalars(select(OutboxMessage))
        ]
    assert bodies  # the grid worker was told
    assert not any("老孙" in body for body in bodies), bodies


@ONLY_SQLITE
async def test_forgetting_an_unknown_resident_says_so_in_one_line(seeded_url):
    result = await gridbot("resident", "forget", "o_nobody", url=seeded_url, key=DEMO_DATA_KEY)

    assert result.returncode == 1
    assert "o_nobody" in one_line(result)


async def test_rotation_seals_reports_again_so_they_read_with_the_new_key_only(stack):
    ticket = await reported(stack)
    url, new = stack.services.settings.database_url, new_key()

    rotated = await gridbot(
        "registry", "rotate-key", url=url, key=DEMO_DATA_KEY, GRIDBOT_NEW_DATA_KEY=new
    )
    with_new = await gridbot("ticket", "show", ticket.code, url=url, key=new)
    with_old = await gridbot("ticket", "show", ticket.code, url=url, key=DEMO_DATA_KEY)

    assert rotated.returncode == 0, rotated.stderr
    assert with_new.returncode == 0 and REPORT in with_new.stdout, with_new.stderr
    assert with_old.returncode != 0 and "GRIDBOT_DATA_KEY" in one_line(with_old)
