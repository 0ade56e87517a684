"""Staff.has_role as SQL, on SQLite and PostgreSQL: whole role names inside the `role` text,
the `_` of a role name not a wildcard; and staff.csv's role column takes `;`-joined roles."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from nlu.categories import CATEGORY_IDS
from storage.importer import ROLES, plan_import
from storage.models import OrgUnit, Staff, join_roles

DEMO_STAFF = Path(__file__).resolve().parents[2] / "config" / "demo" / "staff.csv"
PEOPLE = {
    "both": "grid_worker;mediator",
    "worker": "grid_worker",
    "mediator": "mediator",
    "lookalike": "gridXworker",  # what `grid_worker` would match were `_` a wildcard
    "longer": "supervisor_deputy;duty",
    "everything": join_roles(ROLES),  # 113 characters: the widened column holds them all
}


async def test_has_role_in_a_query_finds_exactly_who_holds_the_role(sessionmaker):
    async with sessionmaker() as session:
        unit = OrgUnit(level="county", name="测试县", path="测试县")
        session.add(unit)
        await session.flush()
        session.add_all(
            Staff(userid=userid, name=userid, phone="13800000000", role=role, unit_id=unit.id)
            for userid, role in PEOPLE.items()
        )
        await session.flush()

        async def holding(*roles: str) -> set[str]:
            query = select(Staff.userid).where(Staff.has_role(*roles))
            return set(await session.scalars(query))

        assert await holding("grid_worker") == {"both", "worker", "everything"}
        assert await holding("mediator") == {"both", "mediator", "everything"}
        assert await holding("supervisor") == {"everything"}  # not `supervisor_deputy`
        assert await holding("duty", "mediator") == {"both", "mediator", "longer", "everything"}
        everyone_but = select(Staff.userid).where(~Staff.has_role("grid_worker"))
        assert set(await session.scalars(everyone_but)) == {"mediator", "lookalike", "longer"}


def staff_file(tmp_path: Path, role: str) -> Path:
    lines = DEMO_STAFF.read_text("utf-8").splitlines()
    cells = lines[1].split(",")
    cells[3] = role
    path = tmp_path / "staff.csv"
    path.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", "utf-8")
    return path


def test_staff_csv_takes_several_roles_joined_by_semicolons(tmp_path):
    plan = plan_import(
        None, staff_file(tmp_path, "grid_worker;mediator"), None, categories=CATEGORY_IDS
    )

    assert plan.problems == []
    assert plan.staff[0]["role"] == "grid_worker;mediator"


def test_staff_csv_names_an_unknown_role_among_several(tmp_path):
    plan = plan_import(
        None, staff_file(tmp_path, "grid_worker;wizard"), None, categories=CATEGORY_IDS
    )

    [problem] = plan.problems
    assert "line 2" in problem and "'grid_worker;wizard' is not one of" in problem
