"""A typed place finds the grid: the gazetteer, built from the org tree (grid, village,
community, township and county names and their short forms) and the imported places (roads,
estates, landmarks, 自然村). Of the names found that point to a single grid, the one the other
names found agree with most wins, then the most specific (a place, a grid, a village …), then
the longest; a tie between grids finds none."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from storage.models import DataVersion, OrgUnit, Place
from storage.uow import UnitOfWork

# What a unit's name ends with, longest first: 东关社区 is also 东关, 清泉街道 also 清泉.
SUFFIXES = (
    "社区居委会",
    "居委会",
    "村委会",
    "办事处",
    "社区",
    "街道",
    "村",
    "镇",
    "乡",
    "县",
    "区",
)
NUMERALS = "一二三四五六七八九十"
GRID_NUMBER = re.compile(rf"^(?:第)?([{NUMERALS}]+|\d+)(网格|片区)$")
SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class PlaceMatch:
    grid_id: int
    path: str  # the grid's path, 青禾县/清泉街道/东关社区/东关一网格
    name: str  # the name found in the text
    rest: str = ""  # the text without the names found (folded): is there more than a place?


@dataclass(frozen=True)
class _Name:
    alias: str
    unit: _Unit  # the grid it names, or the unit (a grid is found only if it has one)
    within: str | None = None  # counts only when this unit's name is found too (第一网格)
    place: bool = False  # an imported place: more specific than the grid's own names

    @property
    def depth(self) -> int:
        return self.unit.path.count("/") + self.place


async def find_place(uow: UnitOfWork, text: str) -> PlaceMatch | None:
    """The grid a typed address names (`我住在清泉街道东关路12号` → 东关路's grid), or None
    when it names none, or several equally."""
    return (await gazetteer(uow)).find(text)


async def gazetteer(uow: UnitOfWork, kept: Gazetteers | None = None) -> Gazetteer:
    """The gazetteer as the database has it now: the one `kept` holds if the org tree and
    the places have not changed since it was built (one version read), else built anew."""
    if kept is None:
        return Gazetteer(await uow.org.tree(), await uow.org.places())
    return await kept.current(uow)


class Gazetteers:
    """The gazetteer a process keeps between messages, rebuilt when the data version
    DataVersion.ORG, read in the message's own transaction, has moved since it was built."""

    def __init__(self) -> None:
        self._version: int | None = None
        self._gazetteer: Gazetteer | None = None

    async def current(self, uow: UnitOfWork) -> Gazetteer:
        version = await uow.org.data_version(DataVersion.ORG)
        if self._gazetteer is None or version != self._version:
            # read after the version: never older than the version it is kept under
            self._gazetteer = Gazetteer(await uow.org.tree(), await uow.org.places())
            self._version = version
        return self._gazetteer


@dataclass(frozen=True)
class _Unit:
    """What the gazetteer keeps of a unit: plain values, not rows of a session."""

    id: int
    parent_id: int | None
    level: str
    name: str
    path: str


class Gazetteer:
    def __init__(self, units: Iterable[OrgUnit], places: Iterable[Place]):
        units = [_Unit(u.id, u.parent_id, u.level, u.name, u.path) for u in units]
        self.by_id = {unit.id: unit for unit in units}
        self.grids_under = _grids_under(units)
        self.names = [name for unit in units for name in _unit_names(unit, self.by_id)]
        self.names += [
            _Name(_fold(p.name), self.by_id[p.grid_id], place=True)
            for p in places
            if p.grid_id in self.by_id
        ]

    def find(self, text: str) -> PlaceMatch | None:
        folded = _fold(text)
        found = [name for name in self.names if name.alias and name.alias in folded]
        context = {name.unit.path for name in found if name.within is None}
        found = [name for name in found if name.within is None or name.within in context]
        ranked = sorted(
            (
                ((self._agreement(grid, context), name.depth, len(name.alias)), name, grid)
                for name in found
                if (grid := self._grid_of(name.unit)) is not None
            ),
            key=lambda item: item[0],
            reverse=True,
        )
        if not ranked:
            return None
        rank, name, grid = ranked[0]
        rivals = [other for key, _, other in ranked if key == rank and other.id != grid.id]
        rest = folded
        for alias in sorted({n.alias for n in found}, key=len, reverse=True):
            rest = rest.replace(alias, "")
        return None if rivals else PlaceMatch(grid.id, grid.path, name.alias, rest)

    def names_only_units(self, text: str) -> bool:
        """The message names places and says nothing else, though no single grid is found
        (`我住在东关社区`, a community of two grids)."""
        folded = _fold(text)
        found = [name.alias for name in self.names if name.alias and name.alias in folded]
        if not found:
            return False
        for alias in sorted(set(found), key=len, reverse=True):
            folded = folded.replace(alias, "")
        return len(ADDRESS_WORDS.sub("", folded)) <= 1

    def _grid_of(self, unit: _Unit) -> _Unit | None:
        if unit.level == "grid":
            return unit
        grids = self.grids_under.get(unit.path, [])
        return grids[0] if len(grids) == 1 else None

    @staticmethod
    def _agreement(grid: _Unit, context: set[str]) -> int:
        """How many of the other names found are this grid or a unit above it."""
        return sum(1 for path in context if grid.path == path or grid.path.startswith(path + "/"))


def _fold(text: str) -> str:
    return SPACES.sub("", unicodedata.normalize("NFKC", text))


def short_forms(name: str) -> list[str]:
    """The name and its short form without the kind of unit (at least two characters left)."""
    forms = [name]
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            forms.append(name[: -len(suffix)])
            break
    return forms


def _unit_names(unit: _Unit, by_id: dict[int, _Unit]) -> list[_Name]:
    names = [_Name(_fold(form), unit) for form in short_forms(unit.name)]
    village = by_id.get(unit.parent_id)
    if unit.level != "grid" or village is None:
        return names
    rest = _without_village(unit.name, village.name)
    names += [_Name(_fold(form + own), unit) for form in short_forms(village.name) for own in rest]
    return names + [_Name(_fold(own), unit, within=village.path) for own in rest]


def _without_village(grid: str, village: str) -> list[str]:
    """What names the grid within its village: 东关一网格 in 东关社区 is 一网格, 第一网格, 1网格
    and 第1网格 there (and so 东关社区第一网格, 东关1网格 …)."""
    rest = grid
    for form in short_forms(village):
        if grid.startswith(form) and len(grid) > len(form):
            rest = grid[len(form) :]
            break
    match = GRID_NUMBER.match(rest)
    if not match:
        return [rest]
    number, kind = match.groups()
    return [f"{ordinal}{n}{kind}" for ordinal in ("", "第") for n in {number, _arabic(number)}]


def _arabic(number: str) -> str:
    """一 → 1 … 十九 → 19; digits stay."""
    if number.isdigit():
        return number
    if len(number) == 1:
        return str(NUMERALS.index(number) + 1)
    tens, _, ones = number.partition("十")
    value = (NUMERALS.index(tens) + 1 if tens else 1) * 10
    return str(value + (NUMERALS.index(ones) + 1 if ones else 0))


def _grids_under(units: list[_Unit]) -> dict[str, list[_Unit]]:
    """For each unit's path, the grids below it."""
    by_id = {unit.id: unit for unit in units}
    out: dict[str, list[_Unit]] = {}
    for grid in (unit for unit in units if unit.level == "grid"):
        above = by_id.get(grid.parent_id)
        while above is not None:
            out.setdefault(above.path, []).append(grid)
            above = by_id.get(above.parent_id)
    return out


# What may stand around a place in a message that says only where the resident is:
# `我住在…12号`, `我家在…3栋2单元`, `地址是…`.
ADDRESS_WORDS = re.compile(
    r"我家住在|我家住|我家在|我住在|我住|住在|我在|就在|地址是|地址|位置是|位置|在|是|的|这边|那边"
    r"|[0-9零一二三四五六七八九十百]+(?:号楼|号院|号|栋|幢|单元|室|楼|层|户|组|排|弄|巷)"
    r"|[0-9]+|附近|旁边|对面|这里|那里|[\W_]+"
)


# A message that says where the resident lives or is (whoever sends it, placed or not).
STATED = re.compile(
    r"^(?:我家住在|我家住|我家在|我住在|我住|住在|我现在在|我在|地址是|我的地址|位置是)"
)


def states_address(text: str) -> bool:
    return bool(STATED.match(_fold(text))) and len(text) <= 40


def only_a_place(found: PlaceMatch) -> bool:
    """The message says where the resident is and nothing else (no report in it)."""
    return len(ADDRESS_WORDS.sub("", found.rest)) <= 1


def grid_label(path: str) -> str:
    """How a resident names a grid: its community or village and the grid, 东关社区东关一网格."""
    return "".join(path.split("/")[-2:])
