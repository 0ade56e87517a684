"""The rhythm of grid work: patrols, visits, and the counts digests and the assessment read."""

from __future__ import annotations

from storage.repos.base import Repository


class Rhythm(Repository):
    pass
