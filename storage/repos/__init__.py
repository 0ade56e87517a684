"""Every query, as repositories over the unit of work's session, one per aggregate. The
statements every message runs are built once, with bound parameters: building and keying a
statement anew costs more CPU than PostgreSQL spends running it."""

from storage.repos.console import Console
from storage.repos.grid_map import GridMap
from storage.repos.notices import Notices
from storage.repos.open311 import Open311
from storage.repos.org import Org, under
from storage.repos.people import People
from storage.repos.registry import Registry
from storage.repos.rhythm import Rhythm
from storage.repos.tickets import OPEN_STATES, Tickets, ticket_query

__all__ = [
    "OPEN_STATES",
    "Console",
    "GridMap",
    "Notices",
    "Open311",
    "Org",
    "People",
    "Registry",
    "Rhythm",
    "Tickets",
    "ticket_query",
    "under",
]
