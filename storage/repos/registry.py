"""民情档案: households, their changes, change requests from 基础信息采集, the audit log."""

from __future__ import annotations

from storage.repos.base import Repository


class Registry(Repository):
    pass
