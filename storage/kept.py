"""What one process keeps between its units of work: the routing inputs that only an import
changes (each grid's chain of units, the role a category is routed to there). The sessions of
a process share one `KeptRouting` through their sessionmaker's `info`; whoever reads it first
checks the data versions in the database, in its own transaction, so no replica routes by a
tree or routes older than the data it reads. Who is on duty, and how busy, is never kept.
Ticket codes are kept too: checked free a batch at a time, each handed out once."""

from __future__ import annotations

from dataclasses import dataclass, field

KEPT_ROUTING = "kept_routing"  # its key in a session's info
SPARE_CODES = "spare_codes"  # a list of ticket codes no ticket had when they were checked


@dataclass(frozen=True)
class Unit:
    """A unit of the org tree as routing needs it: plain values, not a session's row (a
    row shared between sessions would be attached to two of them)."""

    id: int
    parent_id: int | None
    level: str
    name: str
    path: str


@dataclass
class KeptRouting:
    """Chains by grid id and routed roles by (grid id, category), valid for `versions`
    (DataVersion ORG and ROUTES as the database had them when they were read)."""

    versions: tuple[int, ...] | None = None
    chains: dict[int, list[Unit]] = field(default_factory=dict)
    roles: dict[tuple[int, str], str | None] = field(default_factory=dict)

    def at(self, versions: tuple[int, ...]) -> KeptRouting:
        """Itself, emptied first if the data has changed since what it holds was read."""
        if versions != self.versions:
            self.chains, self.roles, self.versions = {}, {}, versions
        return self

    def keep_chain(self, versions: tuple[int, ...], grid_id: int, chain: list[Unit]) -> None:
        """Kept if nobody has seen other versions since `versions` were read (what was read
        then may be older than what it would be kept under)."""
        if versions == self.versions:
            self.chains[grid_id] = chain

    def keep_role(
        self, versions: tuple[int, ...], grid_id: int, category: str, role: str | None
    ) -> None:
        if versions == self.versions:
            self.roles[grid_id, category] = role
