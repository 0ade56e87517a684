"""`gridbot import --households FILE`: CSV or XLSX, UTF-8 or GBK, checked whole before writing."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import DataKey
from storage.importer import ImportFailed, decode_table
from storage.models import Household, HouseholdChange, OrgUnit

HEADER = ["code", "grid", "address", "head_name", "phone", "id_number", "members", "tags", "note"]
CARE_TAGS = (
    "低保户",
    "五保户",
    "特困家庭",
    "空巢老人",
    "留守妇女",
    "留守儿童",
    "残疾人家庭",
    "出租房屋",
    "流动人口",
)
KEY_TAGS = ("社区矫正人员", "刑满释放人员", "吸毒人员", "严重精神障碍患者")
TENANT_TAGS = frozenset({"出租房屋", "流动人口"})
VISIT_AFTER_CHANGE = timedelta(days=3)
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def id_number_valid(value: str) -> bool:
    """GB 11643-1999: 17 digits and a check character."""
    value = value.upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == value[17]


@dataclass
class HouseholdRow:
    line: int
    code: str
    grid: str
    address: str
    head_name: str
    phone: str
    id_number: str
    members: int
    care_tags: list[str]
    key_tags: list[str]
    note: str


@dataclass
class HouseholdPlan:
    rows: list[HouseholdRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of a CSV (UTF-8 or GBK, detected) or an XLSX file."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _xlsx_rows(path)
        return
    text = decode_table(path.read_bytes())
    if text is None:
        raise ImportFailed([f"{path}: neither UTF-8 nor GBK text"])
    reader = csv.reader(io.StringIO(text))
    for cells in reader:
        yield reader.line_num, cells


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        reason = type(error).__name__
        raise ImportFailed([f"{path}: not a readable XLSX file ({reason})"]) from None
    sheet = book.worksheets[0]
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        yield number, ["" if v is None else _cell(v) for v in row]
    book.close()


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check(path: Path, grid_codes: set[str]) -> HouseholdPlan:
    plan = HouseholdPlan()
    rows = read_rows(path)
    first = next(rows, (1, []))
    if [c.strip() for c in first[1][: len(HEADER)]] != HEADER:
        plan.problems.append(f"{path}: line 1: header must be {','.join(HEADER)}")
        return plan
    seen: set[str] = set()
    for line, cells in rows:
        if not any(str(c).strip() for c in cells):
            continue
        row, problem = _row(line, cells, grid_codes, seen)
        if problem:
            plan.problems.append(f"{path}: line {line}: {problem}")
        else:
            seen.add(row.code)
            plan.rows.append(row)
    return plan


def _row(
    line: int, cells: list[str], grids: set[str], seen: set[str]
) -> tuple[HouseholdRow | None, str | None]:
    cells = [str(c).strip() for c in cells] + [""] * (len(HEADER) - len(cells))
    values = dict(zip(HEADER, cells[: len(HEADER)], strict=True))
    tags = [t.strip() for t in values["tags"].replace("；", ";").split(";") if t.strip()]
    problem = _problem(values, tags, grids, seen)
    if problem:
        return None, problem
    return HouseholdRow(
        line,
        values["code"],
        values["grid"],
        values["address"],
        values["head_name"],
        values["phone"].replace(" ", ""),
        values["id_number"].upper(),
        int(values["members"] or 1),
        [t for t in tags if t in CARE_TAGS],
        [t for t in tags if t in KEY_TAGS],
        values["note"],
    ), None


def _problem(values: dict, tags: list[str], grids: set[str], seen: set[str]) -> str | None:
    phone = values["phone"].replace(" ", "")
    unknown = [t for t in tags if t not in CARE_TAGS and t not in KEY_TAGS]
    checks = (
        (not CODE.match(values["code"]), f"code {values['code']!r} is not a household code"),
        (values["code"] in seen, f"code {values['code']!r} appears twice"),
        (values["grid"] not in grids, f"grid {values['grid']!r} is not a known grid code"),
        (not values["address"], "address is empty"),
        (
            bool(phone) and not (MOBILE.match(phone) or LANDLINE.match(phone)),
            "phone is not a mainland mobile or landline number",
        ),
        (
            bool(values["id_number"]) and not id_number_valid(values["id_number"]),
            "id_number fails the GB 11643 checksum",
        ),
        (
            bool(values["members"]) and not values["members"].isdigit(),
            "members is not a whole number",
        ),
        (
            bool(unknown),
            f"unknown tag {'、'.join(unknown)}; allowed: {'、'.join(CARE_TAGS + KEY_TAGS)}",
        ),
    )
    return next((message for failed, message in checks if failed), None)


async def apply(
    session: AsyncSession,
    plan: HouseholdPlan,
    key: DataKey,
    now: datetime,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> dict:
    grids = {
        u.code: u.id for u in await session.scalars(select(OrgUnit).where(OrgUnit.level == "grid"))
    }
    existing = await _existing(session, [row.code for row in plan.rows])
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    fresh: list[dict] = []
    for done, row in enumerate(plan.rows, start=1):
        household = existing.get(row.code)
        if household is None:
            fresh.append(_new_row(row, grids[row.grid], key, now))
            counts["added"] += 1
        else:
            counts[_update(session, household, row, grids[row.grid], key, now)] += 1
        if done % BATCH == 0 or done == len(plan.rows):
            await _insert(session, fresh)
            fresh = []
            progress(done, len(plan.rows))
    return counts


BATCH = 5000


async def _insert(session: AsyncSession, rows: list[dict]) -> None:
    """New households go in as one multi-row INSERT per batch: the ORM's bookkeeping for a
    hundred thousand objects would cost more than the encryption."""
    if rows:
        await session.execute(insert(Household), rows)
    await session.flush()


def _new_row(row: HouseholdRow, grid_id: int, key: DataKey, now: datetime) -> dict:
    values = _values(row, grid_id)
    return {**_sealed(values, key), "code": row.code, "created_at": now, "updated_at": now}


async def _existing(session: AsyncSession, codes: list[str]) -> dict[str, Household]:
    found = {}
    for start in range(0, len(codes), 1000):
        chunk = codes[start : start + 1000]
        found.update(
            {
                h.code: h
                for h in await session.scalars(select(Household).where(Household.code.in_(chunk)))
            }
        )
    return found


def _update(
    session: AsyncSession,
    household: Household,
    row: HouseholdRow,
    grid_id: int,
    key: DataKey,
    now: datetime,
) -> str:
    before, after = _plain(household, key), _values(row, grid_id)
    changed = [name for name, value in after.items() if before.get(name) != value]
    if not changed:
        return "unchanged"
    for name, value in _sealed(after, key).items():
        setattr(household, name, value)
    household.updated_at = now
    session.add(
        HouseholdChange(household_id=household.id, at=now, source="import", fields=changed)
    )
    if "members" in changed or _tenants(before["tags"]) != _tenants(after["tags"]):
        household.visit_due_by = now + VISIT_AFTER_CHANGE
    return "updated"


def _tenants(tags: str) -> set[str]:
    return TENANT_TAGS & set(tags.split(";"))


def _values(row: HouseholdRow, grid_id: int) -> dict:
    return {
        "grid_id": grid_id,
        "address": row.address,
        "head_name": row.head_name,
        "phone": row.phone,
        "id_number": row.id_number,
        "members": row.members,
        "tags": ";".join(row.care_tags),
        "sensitive_tags": ";".join(row.key_tags),
        "note": row.note,
    }


SECRET_FIELDS = ("head_name", "phone", "id_number", "sensitive_tags", "note")


def _plain(household: Household, key: DataKey) -> dict:
    values = {
        name: key.decrypt(getattr(household, name), f"households.{name}") or ""
        for name in SECRET_FIELDS
    }
    return {
        **values,
        "grid_id": household.grid_id,
        "address": household.address,
        "members": household.members,
        "tags": household.tags or "",
    }


def _sealed(values: dict, key: DataKey) -> dict:
    """The column values to store: secrets encrypted, phone and ID findable by keyed hash."""
    sealed = {
        name: key.encrypt(value, f"households.{name}") if name in SECRET_FIELDS else value
        for name, value in values.items()
    }
    sealed["phone_hash"] = key.lookup_hash(values["phone"])
    sealed["id_hash"] = key.lookup_hash(values["id_number"])
    return sealed
