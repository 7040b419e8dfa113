"""Features import only the features below them, never one above, not even inside a function.

Reads every module's imports (``ast``, nothing is imported) and checks them against the layers.
A lower feature that needs a higher one to react announces what happened instead (a blinker
signal: ``auth.signals``, ``candidates.hooks``, ``questions.hooks``) and the higher one connects
a receiver in its ``listeners.py`` or services. Imports under ``if TYPE_CHECKING:`` never run
and are left out (they name a class for an annotation).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parent.parent / "portal"

# Bottom to top. Each may import from any earlier one.
LAYERS = ["mail", "auth", "audit", "texts", "calendars", "people", "candidates", "feedback", "questions", "meetings", "office_hours",
          "recordings", "prepare", "analytics", "privacy", "main"]
# Shared modules (portal/*.py) sit below every feature, except the ones that put the app together
# (and the backup, which keeps every feature's folders).
COMPOSITION_ROOTS = {"__init__", "cli", "worker", "models", "backup"}


def _in_type_checking(node: ast.AST, parents: dict) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def _imported(module: Path) -> list[tuple[str, int]]:
    """(portal.<first part>, line) for each import of our own code in ``module``."""
    parts = module.relative_to(PORTAL.parent).with_suffix("").parts  # ("portal", "meetings", "views", …)
    package = parts if module.name == "__init__.py" else parts[:-1]
    package = package[:-1] if package[-1] == "__init__" else package
    tree = ast.parse(module.read_text(), str(module))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                target = ".".join(base + ([node.module] if node.module else []))
                # ``from . import x`` / ``from .. import hooks``: x may be a module of its own
                names = [target] if node.module else [f"{target}.{alias.name}" for alias in node.names]
            else:
                names = [node.module or ""]
        else:
            continue
        if _in_type_checking(node, parents):
            continue
        found += [(name, node.lineno) for name in names if name.split(".")[0] == "portal"]
    return found


def _where(module: Path) -> str:
    """The feature a module belongs to, or ``core:<name>`` for the shared modules."""
    first = module.relative_to(PORTAL).parts[0]
    return first if first in LAYERS else f"core:{Path(first).stem}"


def _edges() -> dict[tuple[str, str], list[str]]:
    edges: dict[tuple[str, str], list[str]] = {}
    for module in sorted(PORTAL.rglob("*.py")):
        source = _where(module)
        for name, line in _imported(module):
            segments = name.split(".")
            if len(segments) < 2:
                continue
            target = segments[1] if segments[1] in LAYERS else f"core:{segments[1]}"
            if target != source:
                edges.setdefault((source, target), []).append(f"{module.relative_to(PORTAL.parent)}:{line}")
    return edges


def test_every_feature_package_has_a_layer():
    packages = {p.name for p in PORTAL.iterdir() if (p / "__init__.py").exists()}
    assert packages == set(LAYERS), "put a new feature package in LAYERS (what may it import?)"


def test_no_feature_imports_one_above_it():
    upward = [f"{source} → {target}: {', '.join(places)}"
              for (source, target), places in _edges().items()
              if source in LAYERS and target in LAYERS and LAYERS.index(target) > LAYERS.index(source)]
    assert not upward, "imports from a higher feature (announce a signal instead):\n" + "\n".join(upward)


def test_shared_modules_import_no_feature():
    upward = [f"{source} → {target}: {', '.join(places)}"
              for (source, target), places in _edges().items()
              if source.startswith("core:") and source[5:] not in COMPOSITION_ROOTS and target in LAYERS]
    assert not upward, "shared modules must not depend on features:\n" + "\n".join(upward)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle in ``graph`` (as a path that returns to its start), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_feature_graph_has_no_cycle():
    graph: dict[str, set[str]] = {}
    for source, target in _edges():
        if not (source.startswith("core:") and source[5:] in COMPOSITION_ROOTS):
            graph.setdefault(source, set()).add(target)
    assert _cycle(graph) is None, f"import cycle: {' → '.join(_cycle(graph))}"


def test_the_cycle_finder_finds_one():
    """The check above would notice a cycle (and names it)."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "d": {"a"}}) is None


@pytest.mark.parametrize("where, source, expected", [
    ("questions/probe.py", "from ..candidates import hooks\n", "portal.candidates"),
    ("questions/probe.py", "from .. import security\n", "portal.security"),
    ("questions/views/probe.py", "from ...meetings.models import Meeting\n", "portal.meetings.models"),
    ("questions/probe.py", "def f():\n    from ..meetings import notify\n", "portal.meetings"),
    ("questions/probe.py", "import portal.meetings.states\n", "portal.meetings.states"),
    ("questions/__init__.py", "from . import views\n", "portal.questions.views"),
])
def test_imports_inside_functions_and_relative_ones_are_read(tmp_path, monkeypatch, where, source, expected):
    fake = tmp_path / "portal" / where
    fake.parent.mkdir(parents=True)
    fake.write_text(source)
    monkeypatch.setattr(sys.modules[__name__], "PORTAL", tmp_path / "portal")
    assert [name for name, _line in _imported(fake)] == [expected]


def test_type_checking_imports_are_left_out(tmp_path, monkeypatch):
    fake = tmp_path / "portal" / "auth" / "models.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..people.models import X\n")
    monkeypatch.setattr(sys.modules[__name__], "PORTAL", tmp_path / "portal")
    assert _imported(fake) == []


def test_create_app_alone_connects_every_receiver(tmp_path):
    """In a fresh process (tests import modules the app might not): the app's own imports connect
    every receiver of every announcement."""
    script = """
import os
from flask_login import user_logged_in
from portal import create_app
from portal.auth import signals as auth
from portal.candidates import hooks as candidates
from portal.questions import hooks as questions
create_app({"TESTING": True, "SECRET_KEY": "x" * 64, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
def names(signal):
    return sorted(f"{r.__module__}.{r.__name__}" for r in (ref() if callable(ref) else ref
                  for ref in signal.receivers.values()) if r is not None)
for signal in (auth.account_created, auth.signed_in, auth.sign_in_refused, user_logged_in, candidates.decided,
               candidates.page_sections, candidates.list_counts, questions.directed):
    print(signal.name, names(signal))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            cwd=PORTAL.parent)
    connected = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert "portal.audit.listeners._account_created" in connected["account-created"]
    assert "portal.audit.listeners._signed_in" in connected["signed-in"]
    assert "portal.audit.listeners._sign_in_refused" in connected["sign-in-refused"]
    assert "portal.candidates.listeners._first_sign_in" in connected["logged-in"]
    assert "portal.meetings.listeners._offer_process_ended" in connected["candidate-decided"]
    assert "portal.feedback.services._feedback_section" in connected["candidate-page-sections"]
    assert "portal.questions.services._questions_section" in connected["candidate-page-sections"]
    assert "portal.feedback.services._feedback_counts" in connected["candidate-list-counts"]
    assert "portal.questions.services._question_counts" in connected["candidate-list-counts"]
    assert "portal.meetings.listeners._ask_in_writing" in connected["question-directed"]
