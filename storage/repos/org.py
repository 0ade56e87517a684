"""The org tree (grid → village → township → county), its routes and reference data."""

from __future__ import annotations

from sqlalchemy import Text, bindparam, cast, literal, select, update

from storage.db import insert_ignoring
from storage.kept import KEPT_ROUTING, KeptRouting, Unit
from storage.models import DataVersion, OrgUnit, Place, Route
from storage.repos.base import Repository


def _unit_chain():
    chain = (
        select(OrgUnit.id, OrgUnit.parent_id, literal(0).label("depth"))
        .where(OrgUnit.id == bindparam("unit_id"))
        .cte("chain", recursive=True)
    )
    chain = chain.union_all(
        select(OrgUnit.id, OrgUnit.parent_id, chain.c.depth + 1).where(
            OrgUnit.id == chain.c.parent_id
        )
    )
    return select(OrgUnit).join(chain, OrgUnit.id == chain.c.id).order_by(chain.c.depth)


UNIT_CHAIN = _unit_chain()
ROUTES = select(Route.unit_id, Route.role).where(
    Route.unit_id.in_(bindparam("unit_ids", expanding=True)),
    Route.category == bindparam("category"),
)
GRID_BY_CODE = select(OrgUnit).where(OrgUnit.code == bindparam("code"), OrgUnit.level == "grid")
VERSION = select(DataVersion.version).where(DataVersion.name == bindparam("name"))
_versions = DataVersion.__table__  # Core: no ORM entity to build per message
ROUTING_VERSIONS = (DataVersion.ORG, DataVersion.ROUTES)  # what the kept routing depends on
VERSIONS = select(_versions.c.name, _versions.c.version).where(
    _versions.c.name.in_(ROUTING_VERSIONS)
)


def under(path: str):
    """The condition on OrgUnit: this unit (by path) and every unit below it."""
    return (OrgUnit.path == path) | OrgUnit.path.startswith(path + "/", autoescape=True)


class Org(Repository):
    async def unit(self, unit_id: int) -> OrgUnit | None:
        return await self.session.get(OrgUnit, unit_id)

    async def chain(self, unit_id: int) -> list[OrgUnit]:
        """The unit and its ancestors, nearest first (one recursive query)."""
        return list(await self.session.scalars(UNIT_CHAIN, {"unit_id": unit_id}))

    async def route_role(self, chain: list[OrgUnit | Unit], category: str) -> str | None:
        """The role a category is routed to, from the unit nearest the grid that says."""
        ids = [unit.id for unit in chain]
        rows = await self.session.execute(ROUTES, {"unit_ids": ids, "category": category})
        roles = dict(rows.all())
        return next((roles[i] for i in ids if i in roles), None)

    async def routing_of(self, grid_id: int, category: str) -> tuple[list[Unit], str | None]:
        """The grid's chain (as `chain` has it, in plain values) and the role the category is
        routed to there (as `route_role`): kept by the process between messages when its
        sessionmaker keeps routing, and then one statement (the versions) while nothing
        changed."""
        kept, versions = await self._kept()
        chain = kept.chains.get(grid_id) if kept else None
        if chain is None:
            chain = [
                Unit(u.id, u.parent_id, u.level, u.name, u.path) for u in await self.chain(grid_id)
            ]
            if kept:
                kept.keep_chain(versions, grid_id, chain)
        if kept and (grid_id, category) in kept.roles:
            return chain, kept.roles[grid_id, category]
        role = await self.route_role(chain, category)
        if kept:
            kept.keep_role(versions, grid_id, category, role)
        return chain, role

    async def _kept(self) -> tuple[KeptRouting | None, tuple[int, ...] | None]:
        """The process's kept routing, emptied if an import changed the tree or the routes
        since it was filled, and the versions read to tell."""
        kept: KeptRouting | None = self.session.info.get(KEPT_ROUTING)
        if kept is None:
            return None, None
        found = dict((await self.session.execute(VERSIONS)).all())
        versions = tuple(found.get(name, 0) for name in ROUTING_VERSIONS)
        return kept.at(versions), versions

    async def subtree_ids(self, unit_id: int) -> list[int]:
        """The unit and every unit below it."""
        unit = await self.session.get(OrgUnit, unit_id)
        return list(await self.session.scalars(select(OrgUnit.id).where(under(unit.path))))

    async def grid_boundaries(self) -> list[tuple[int, str | None]]:
        """Every grid's id and boundary as GeoJSON text, left for the caller to decode."""
        rows = await self.session.execute(
            select(OrgUnit.id, cast(OrgUnit.boundary, Text)).where(OrgUnit.level == "grid")
        )
        return [(grid_id, text) for grid_id, text in rows]

    async def data_version(self, name: str) -> int:
        """How many times this kind of reference data has changed (0: never)."""
        return await self.session.scalar(VERSION, {"name": name}) or 0

    async def raise_data_version(self, name: str) -> None:
        """Record, in the caller's transaction, that this kind of reference data changed."""
        await self.session.execute(
            insert_ignoring(self.session, DataVersion, "name"), {"name": name, "version": 0}
        )
        await self.session.execute(
            update(DataVersion)
            .where(DataVersion.name == name)
            .values(version=DataVersion.version + 1)
        )

    async def grid_codes(self) -> set[str]:
        return set(await self.session.scalars(select(OrgUnit.code).where(OrgUnit.level == "grid")))

    async def grid_coded(self, code: str) -> OrgUnit | None:
        """The grid with this code; None for an unknown code or a unit that is not a grid."""
        return await self.session.scalar(GRID_BY_CODE, {"code": code})

    async def grids(self) -> list[OrgUnit]:
        """Every grid, by code."""
        query = select(OrgUnit).where(OrgUnit.level == "grid").order_by(OrgUnit.code)
        return list(await self.session.scalars(query))

    async def unit_named(self, name: str) -> OrgUnit | None:
        """The unit with this path (`青禾县/柳河镇`, slashes at either end ignored) or code."""
        query = select(OrgUnit).where((OrgUnit.path == name.strip("/")) | (OrgUnit.code == name))
        return await self.session.scalar(query)

    async def units_called(self, word: str) -> list[OrgUnit]:
        """Units this word names: a path (`青禾县/清泉街道`), a code or a unit's own name."""
        named = (OrgUnit.path == word.strip("/")) | (OrgUnit.name == word)
        query = select(OrgUnit).where(named | (OrgUnit.code == word.upper()))
        return list(await self.session.scalars(query.order_by(OrgUnit.path)))

    async def tree(self) -> list[OrgUnit]:
        """Every unit of the tree, by path (the gazetteer's names)."""
        return list(await self.session.scalars(select(OrgUnit).order_by(OrgUnit.path)))

    async def places(self) -> list[Place]:
        """The imported place names (roads, estates, landmarks, 自然村) and their grids."""
        return list(await self.session.scalars(select(Place).order_by(Place.name)))

    async def county(self, name: str = "") -> OrgUnit | None:
        """The county the Official Account serves: the unit named (path or code), else the
        first county of the tree."""
        if name:
            return await self.unit_named(name)
        query = select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.path)
        return await self.session.scalar(query.limit(1))

    async def units_under(self, path: str, levels: tuple[str, ...], limit: int) -> list[OrgUnit]:
        """The unit with this path and those below it at these levels, by path (the roster's
        tree, a few levels at a time)."""
        query = select(OrgUnit).where(under(path), OrgUnit.level.in_(levels))
        return list(await self.session.scalars(query.order_by(OrgUnit.path).limit(limit)))
