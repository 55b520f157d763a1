"""The dependency rule (DESIGN.md): core/ never imports the interface layers.

Core names background tasks by dotted string through core.common.queue, so a
task path like "jobs.tasks.x.y_task" handed to ``enqueue`` is allowed; an
import of those packages, by statement or by ``importlib.import_module``, is not.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "core"
FORBIDDEN = ("admin_site", "portal", "jobs", "devices")


def _is_forbidden(module: str | None) -> bool:
    return bool(module) and module.split(".")[0] in FORBIDDEN


def _dynamic_import_target(node: ast.Call) -> str | None:
    """The module named by import_module("x") / importlib.import_module("x") / __import__("x")."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if name not in ("import_module", "__import__", "import_string"):
        return None
    if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


def forbidden_imports(source: str, filename: str) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            problems += [f"line {node.lineno}: import {a.name}" for a in node.names if _is_forbidden(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _is_forbidden(node.module):
            problems.append(f"line {node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Call) and _is_forbidden(_dynamic_import_target(node)):
            problems.append(f"line {node.lineno}: dynamic import of {_dynamic_import_target(node)}")
    return problems


def core_sources() -> list[Path]:
    return sorted(p for p in CORE.rglob("*.py") if "__pycache__" not in p.parts)


def test_core_has_sources_to_check():
    # given / when
    sources = core_sources()
    # then: guards against the rule passing because it looked in the wrong place
    assert len(sources) >= 10
    assert CORE / "accounts" / "services.py" in sources


def test_core_never_imports_interface_layers():
    # given
    problems = {}
    # when
    for path in core_sources():
        found = forbidden_imports(path.read_text(encoding="utf-8"), str(path))
        if found:
            problems[str(path.relative_to(ROOT))] = found
    # then
    assert problems == {}, f"core/ must not import {', '.join(FORBIDDEN)}: {problems}"


@pytest.mark.parametrize(
    "source",
    [
        "import portal",
        "import jobs.tasks.notifications as t",
        "from admin_site.base import run_service",
        "def f():\n    from devices.models import Device",
        "import importlib\nimportlib.import_module('jobs.tasks')",
        "from django.utils.module_loading import import_string\nimport_string('portal.views.home')",
    ],
)
def test_checker_catches_each_kind_of_import(source):
    # when / then: the rule above would fail on any of these
    assert forbidden_imports(source, "example.py") != []


@pytest.mark.parametrize(
    "source",
    [
        "from core.common.queue import enqueue\nenqueue('jobs.tasks.notifications.send_message_task', 1)",
        "import portal_helpers",
        "from .jobs import x",
        "from django.db import transaction",
    ],
)
def test_checker_allows_task_paths_and_lookalikes(source):
    assert forbidden_imports(source, "example.py") == []
