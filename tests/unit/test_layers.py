"""The layers keep to their rules (docs/architecture.md): use cases write no SQL and never
commit, storage knows nothing of the understanding of text, the service never loads the
demo kit. Read from the source, so a change that breaks a rule fails here, not in review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICE_EDGES = ("app", "webhooks", "wire", "dispatcher", "relay", "scheduler", "wechat_api")


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def calls(path: Path) -> set[str]:
    """Every `x.attr(...)` call's attribute name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }


@pytest.mark.parametrize("path", modules("handlers"), ids=lambda p: str(p.relative_to(ROOT)))
def test_use_cases_write_no_sql_and_never_commit(path):
    assert not {n for n in imported(path) if n.split(".")[0] == "sqlalchemy"}
    assert not calls(path) & {"commit", "execute", "scalar", "scalars", "begin"}


@pytest.mark.parametrize("path", modules("storage"), ids=lambda p: str(p.relative_to(ROOT)))
def test_storage_knows_nothing_of_nlu_or_the_use_cases(path):
    assert not {n for n in imported(path) if n.split(".")[0] in ("nlu", "handlers", "bot")}


@pytest.mark.parametrize("name", SERVICE_EDGES)
def test_the_running_service_never_imports_the_demo_kit(name):
    assert not {n for n in imported(ROOT / "bot" / f"{name}.py") if n.startswith("bot.devkit")}
