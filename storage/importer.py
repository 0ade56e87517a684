"""`gridbot import`: grids (GeoJSON), staff and routes (CSV), all or nothing. A staff file is
the whole roster: whoever it leaves out goes off duty. A staff row's `role` is one role or
several joined by `;` (`grid_worker;mediator`)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import DataKey
from storage.geo import GridIndex
from storage.models import DataVersion, OrgUnit, Place, Route, Staff, join_roles, split_roles
from storage.repos import Org

ROLES = (
    "grid_worker",
    "mediator",
    "security",
    "population",
    "corrections",
    "service",
    "police_assistant",
    "env_inspector",
    "legal_adviser",
    "supervisor",
    "duty",
)
LEVELS = ("county", "township", "village", "grid")
STAFF_HEADER = ["userid", "name", "phone", "role", "unit"]
ROUTES_HEADER = ["unit", "category", "role"]
PLACES_HEADERS = (["name", "grid"], ["name", "lat", "lon"])
PLACE_NAME_CHARS = 100
GRID_PROPERTIES = ("code", "name", "county", "township", "village")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
UNITS_FIRST = (
    "hint: {count} staff name units that do not exist yet; 请先导入网格（gridbot import "
    "--grids FILE，也可与 --staff 一起给出），或写网格代码、完整路径"
)
USERID = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


class ImportFailed(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class GridRow:
    code: str
    names: tuple[str, str, str, str]
    geometry: dict


@dataclass
class ImportPlan:
    grids: list[GridRow] = field(default_factory=list)
    staff: list[dict] = field(default_factory=list)
    routes: list[dict] = field(default_factory=list)
    places: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    roster: bool = False  # a staff file was given: everyone it leaves out goes off duty
    categories: frozenset[str] = frozenset()  # the duties a route may name


@dataclass
class ImportSummary:
    units_added: int = 0
    grids: int = 0
    staff: int = 0
    routes: int = 0
    places: int = 0
    off_duty: int = 0  # on duty before, left out of the staff file now
    rerouted: int = 0  # their open tickets, passed on by `on_leave`


# Given the people an import took off duty, passes their open tickets on (in the import's
# transaction) and says how many it passed.
OnLeave = Callable[[AsyncSession, list[Staff]], Awaitable[int]]


def read_grids(path: Path, plan: ImportPlan) -> None:
    text = _read_text(path, plan)
    if text is None:
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        plan.problems.append(f"{path}: line {error.lineno}: not valid JSON ({error.msg})")
        return
    features = data.get("features") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(features, list)
    ):
        plan.problems.append(f"{path}: line 1: not a GeoJSON FeatureCollection")
        return
    seen: set[str] = set()
    position = 0
    for number, feature in enumerate(features, start=1):
        line, position = _line_of(text, feature, position)
        where = f"{path}: feature {number}{line}"
        row = _grid_row(feature, where, plan.problems)
        if row and row.code in seen:
            plan.problems.append(f"{where}: code {row.code!r} appears twice")
        elif row:
            seen.add(row.code)
            plan.grids.append(row)


def _line_of(text: str, feature: object, start: int) -> tuple[str, int]:
    """' (line N)' where this feature's code appears, searching on from the previous one."""
    props = feature.get("properties") if isinstance(feature, dict) else None
    code = props.get("code") if isinstance(props, dict) else None
    if not isinstance(code, str):
        return "", start
    for spelling in (json.dumps(code, ensure_ascii=False), json.dumps(code)):
        index = text.find(spelling, start)
        if index >= 0:
            return f" (line {text.count(chr(10), 0, index) + 1})", index + len(spelling)
    return "", start


def _grid_row(feature: object, where: str, problems: list[str]) -> GridRow | None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        problems.append(f"{where}: not a GeoJSON Feature")
        return None
    props = feature.get("properties")
    props = props if isinstance(props, dict) else {}
    values = {key: str(props.get(key) or "").strip() for key in GRID_PROPERTIES}
    missing = [key for key, value in values.items() if not value]
    if missing:
        problems.append(f"{where}: property {', '.join(missing)} missing or empty")
        return None
    if not CODE.match(values["code"]):
        problems.append(f"{where}: code {values['code']!r} may hold only letters, digits, - and _")
        return None
    if any("/" in value for value in values.values()):
        problems.append(f"{where}: names may not contain '/'")
        return None
    problem = _geometry_problem(feature.get("geometry"))
    if problem:
        problems.append(f"{where}: {problem}")
        return None
    names = (values["county"], values["township"], values["village"], values["name"])
    return GridRow(values["code"], names, feature["geometry"])


def _geometry_problem(geometry: object) -> str | None:
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return "geometry must be a Polygon or MultiPolygon"
    try:
        polygon = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError):
        return "geometry coordinates are malformed"
    if polygon.is_empty:
        return "geometry is empty"
    minx, miny, maxx, maxy = polygon.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return "coordinates are not WGS-84 [longitude, latitude]"
    if not polygon.is_valid:
        return f"geometry is not valid ({shapely.is_valid_reason(polygon)})"
    return None


def decode_table(raw: bytes) -> str | None:
    """A CSV as Excel or WPS saves it: UTF-8 (with or without BOM) or GBK; None if neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def read_csv(path: Path, header: list[str], plan: ImportPlan) -> list[tuple[int, dict]]:
    try:
        text = decode_table(path.read_bytes())
    except OSError as error:
        plan.problems.append(f"{path}: cannot read ({error.strerror})")
        return []
    if text is None:
        plan.problems.append(f"{path}: neither UTF-8 nor GBK text")
        return []
    reader = csv.reader(io.StringIO(text))
    first = next(reader, [])
    if [cell.strip() for cell in first] != header:
        plan.problems.append(f"{path}: line 1: header must be {','.join(header)}")
        return []
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            plan.problems.append(
                f"{path}: line {reader.line_num}: {len(cells)} fields, expected {len(header)}"
            )
            continue
        rows.append((reader.line_num, dict(zip(header, (c.strip() for c in cells), strict=True))))
    return rows


def _read_text(path: Path, plan: ImportPlan) -> str | None:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        plan.problems.append(f"{path}: cannot read ({error.strerror})")
    except UnicodeDecodeError:
        plan.problems.append(f"{path}: not UTF-8 text")
    return None


def check_staff(path: Path, plan: ImportPlan) -> None:
    seen: set[str] = set()
    known_problems = len(plan.problems)
    rows = read_csv(path, STAFF_HEADER, plan)
    for line, row in rows:
        where = f"{path}: line {line}"
        problems = _staff_problems(row, seen)
        if problems:
            plan.problems.append(f"{where}: {'; '.join(problems)}")
        else:
            seen.add(row["userid"])
            plan.staff.append({**row, "where": where})
    plan.roster = True
    if not rows and len(plan.problems) == known_problems:
        plan.problems.append(
            f"{path}: lists nobody; a staff file is the whole roster, and "
            "everyone it leaves out would go off duty"
        )


def _staff_problems(row: dict, seen: set[str]) -> list[str]:
    """Everything wrong with the row, so one correction fixes it."""
    checks = [
        (USERID.match(row["userid"]), f"userid {row['userid']!r} is not a WeCom user id"),
        (row["userid"] not in seen, f"userid {row['userid']!r} appears twice"),
        (row["name"], "name is empty"),
        (
            PHONE.match(row["phone"].replace(" ", "")),
            f"phone {row['phone']!r} is not a phone number",
        ),
        (_roles_known(row["role"]), f"role {row['role']!r} is not one of {', '.join(ROLES)}"),
        (row["unit"], "unit is empty"),
    ]
    return [problem for ok, problem in checks if not ok]


def _roles_known(text: str) -> bool:
    """One role, or several joined by ';' (`grid_worker;mediator`), each a known one."""
    roles = split_roles(text)
    return bool(roles) and all(role in ROLES for role in roles)


def check_routes(path: Path, plan: ImportPlan) -> None:
    for line, row in read_csv(path, ROUTES_HEADER, plan):
        where = f"{path}: line {line}"
        problems = [
            f"{field} {row[field]!r} is unknown"
            for field, known in (("category", plan.categories), ("role", ROLES))
            if row[field] not in known
        ]
        if problems:
            plan.problems.append(f"{where}: {'; '.join(problems)}")
        else:
            plan.routes.append({**row, "where": where})


def check_places(path: Path, plan: ImportPlan) -> None:
    """A places file: `name,grid` (a grid code or path) or `name,lat,lon` (placed in the grid
    whose boundary holds the point, once the grids are known)."""
    text = _read_text(path, plan)
    first = (text or "").splitlines()[:1]
    header = [cell.strip() for cell in next(csv.reader(first), [])]
    if text is not None and header not in PLACES_HEADERS:
        plan.problems.append(f"{path}: line 1: header must be name,grid or name,lat,lon")
        return
    seen: dict[str, int] = {}
    for line, row in read_csv(path, header, plan) if text is not None else []:
        where = f"{path}: line {line}"
        problem = _place_problem(row, seen)
        if problem:
            plan.problems.append(f"{where}: {problem}")
            continue
        seen[row["name"]] = line
        plan.places.append({**row, "where": where})


def _place_problem(row: dict, seen: dict[str, int]) -> str | None:
    name = row["name"]
    if not name or len(name) > PLACE_NAME_CHARS:
        return f"name must be 1-{PLACE_NAME_CHARS} characters"
    if name in seen:
        return f"name {name!r} appears twice (first on line {seen[name]})"
    if "grid" in row:
        return None if row["grid"] else "grid is empty"
    try:
        lat, lon = float(row["lat"]), float(row["lon"])
    except ValueError:
        return f"lat {row['lat']!r} and lon {row['lon']!r} must be numbers"
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return "lat must be -90..90 and lon -180..180 (WGS-84 degrees)"
    row["lat"], row["lon"] = lat, lon
    return None


async def _upsert_places(session: AsyncSession, plan: ImportPlan, units: _UnitCache) -> int:
    rows = await Org(session).grid_boundaries()
    index = GridIndex((grid_id, json.loads(text)) for grid_id, text in rows if text)
    known = {p.name: p for p in await Org(session).places()}
    written = 0
    for row in plan.places:
        grid_id = _place_grid(row, units, index)
        if grid_id is None:
            plan.problems.append(f"{row['where']}: {_unplaced(row)}")
            continue
        place = known.get(row["name"]) or Place(name=row["name"])
        place.grid_id, place.lat, place.lon = grid_id, row.get("lat"), row.get("lon")
        session.add(place)
        written += 1
    return written


def _place_grid(row: dict, units: _UnitCache, index: GridIndex) -> int | None:
    if "grid" not in row:
        return index.locate(row["lon"], row["lat"])
    unit = units.resolve(row["grid"])
    return unit.id if unit is not None and unit.level == "grid" else None


def _unplaced(row: dict) -> str:
    if "grid" in row:
        return f"grid {row['grid']!r} is not a known grid code or path"
    return f"point {row['lat']},{row['lon']} is inside no grid"


async def apply(
    session: AsyncSession, plan: ImportPlan, on_leave: OnLeave | None = None
) -> ImportSummary:
    """Write the plan; raises ImportFailed (and the caller rolls back) on any problem. With a
    staff file, everyone it leaves out goes off duty and `on_leave` passes their tickets on."""
    summary = ImportSummary()
    units = _UnitCache(session, summary)
    await units.load()
    for grid in plan.grids:
        await units.upsert_grid(grid)
    unplaced = 0
    for row in plan.staff:
        unit = units.resolve(row["unit"])
        if unit is None:
            plan.problems.append(
                f"{row['where']}: unit {row['unit']!r} is not a grid code "
                "or a known path like 县/街道/社区"
            )
            unplaced += 1
            continue
        await _upsert_staff(session, row, unit)
        summary.staff += 1
    if unplaced and not units.by_path:  # staff before grids, not a typo
        plan.problems.append(UNITS_FIRST.format(count=unplaced))
    for row in plan.routes:
        unit = units.resolve(row["unit"])
        if unit is None:
            plan.problems.append(f"{row['where']}: unit {row['unit']!r} is unknown")
            continue
        await _upsert_route(session, unit, row)
        summary.routes += 1
    if plan.places:
        summary.places = await _upsert_places(session, plan, units)
    if plan.problems:
        raise ImportFailed(plan.problems)
    if plan.roster:  # after the routes: the tickets passed on follow the new ones
        await _take_off_the_unlisted(session, plan, summary, on_leave)
    if plan.grids:  # running servers rebuild their grid index when they see this change
        await Org(session).raise_data_version(DataVersion.GRIDS)
    if plan.grids or plan.places:  # and their gazetteer and kept chains, at the next message
        await Org(session).raise_data_version(DataVersion.ORG)
    if plan.routes:  # and the roles they keep, at the next message they route
        await Org(session).raise_data_version(DataVersion.ROUTES)
    summary.grids = len(plan.grids)
    return summary


async def _take_off_the_unlisted(
    session: AsyncSession, plan: ImportPlan, summary: ImportSummary, on_leave: OnLeave | None
) -> None:
    listed = [row["userid"] for row in plan.staff]
    leaving = list(
        await session.scalars(
            select(Staff)
            .where(Staff.active.is_(True), Staff.userid.not_in(listed))
            .order_by(Staff.userid)
        )
    )
    for person in leaving:
        person.active, person.off_duty_by = False, Staff.BY_IMPORT
    await session.flush()
    summary.off_duty = len(leaving)
    if on_leave and leaving:
        summary.rerouted = await on_leave(session, leaving)


class _UnitCache:
    def __init__(self, session: AsyncSession, summary: ImportSummary):
        self.session = session
        self.summary = summary
        self.by_path: dict[str, OrgUnit] = {}
        self.by_code: dict[str, OrgUnit] = {}

    async def load(self) -> None:
        for unit in await self.session.scalars(select(OrgUnit)):
            self._remember(unit)

    def _remember(self, unit: OrgUnit) -> None:
        self.by_path[unit.path] = unit
        if unit.code:
            self.by_code[unit.code] = unit

    def resolve(self, ref: str) -> OrgUnit | None:
        return self.by_code.get(ref) or self.by_path.get(ref.strip("/"))

    async def upsert_grid(self, grid: GridRow) -> None:
        parent = None
        for depth in range(1, 4):
            parent = await self._ensure("/".join(grid.names[:depth]), LEVELS[depth - 1], parent)
        path = "/".join(grid.names)
        unit = self.by_code.get(grid.code) or self.by_path.get(path)
        if unit is None:
            unit = OrgUnit(level="grid", code=grid.code)
            self.session.add(unit)
            self.summary.units_added += 1
        if unit.path:
            self.by_path.pop(unit.path, None)
        unit.code, unit.name, unit.path = grid.code, grid.names[3], path
        unit.parent_id, unit.boundary = parent.id, grid.geometry
        await self.session.flush()
        self._remember(unit)

    async def _ensure(self, path: str, level: str, parent: OrgUnit | None) -> OrgUnit:
        unit = self.by_path.get(path)
        if unit is None:
            unit = OrgUnit(
                level=level,
                name=path.rsplit("/", 1)[-1],
                path=path,
                parent_id=parent.id if parent else None,
            )
            self.session.add(unit)
            await self.session.flush()
            self._remember(unit)
            self.summary.units_added += 1
        return unit


async def _upsert_staff(session: AsyncSession, row: dict, unit: OrgUnit) -> None:
    staff = await session.scalar(select(Staff).where(Staff.userid == row["userid"]))
    if staff is None:
        staff = Staff(userid=row["userid"])
        session.add(staff)
    staff.name, staff.phone = row["name"], row["phone"].replace(" ", "")
    staff.role = join_roles(split_roles(row["role"]))
    staff.unit_id = unit.id
    if staff.off_duty_by != Staff.BY_OPERATOR:  # listed again: back on duty
        staff.active, staff.off_duty_by = True, None


async def _upsert_route(session: AsyncSession, unit: OrgUnit, row: dict) -> None:
    route = await session.scalar(
        select(Route).where(Route.unit_id == unit.id, Route.category == row["category"])
    )
    if route is None:
        route = Route(unit_id=unit.id, category=row["category"])
        session.add(route)
    route.role = row["role"]


def plan_import(
    grids: Path | None,
    staff: Path | None,
    routes: Path | None,
    *,
    categories: Collection[str],
    places: Path | None = None,
) -> ImportPlan:
    """Everything read and checked; `categories`: the duty ids a route may name."""
    plan = ImportPlan(categories=frozenset(categories))
    if grids:
        read_grids(grids, plan)
    if staff:
        check_staff(staff, plan)
    if routes:
        check_routes(routes, plan)
    if places:
        check_places(places, plan)
    return plan


async def run_import(
    database_url: str,
    grids: Path | None,
    staff: Path | None,
    routes: Path | None,
    on_leave: OnLeave | None = None,
    data_key: DataKey | None = None,
    *,
    categories: Collection[str],
    places: Path | None = None,
) -> ImportSummary:
    """Check everything, then write everything in one transaction, or nothing."""
    from storage.db import make_engine, make_sessionmaker, upgrade

    plan = plan_import(grids, staff, routes, categories=categories, places=places)
    if plan.problems and not plan.places:  # places are checked against the grids too, so
        raise ImportFailed(plan.problems)  # that every problem is named at once
    engine = make_engine(database_url, data_key=data_key)
    try:
        await upgrade(engine)
        async with make_sessionmaker(engine)() as session:
            summary = await apply(session, plan, on_leave)
            await session.commit()
        return summary
    finally:
        await engine.dispose()
