"""Hooks that must run in pytest's main process, which under pytest-xdist (``make test``) loads only
top-level conftest files: the one-line summary of the page checks the browser journeys ran
(tests/browser/browser_helpers.py: axe-core, the Nu HTML checker, no sideways scrolling at 375 px),
added up over the worker processes."""

from __future__ import annotations

import sys

import pytest

_from_workers: list[dict] = []


def _checked_here() -> dict | None:
    helpers = sys.modules.get("browser_helpers")  # imported only where browser journeys ran
    return helpers.STATS.totals() if helpers is not None and helpers.STATS.pages else None


def pytest_sessionfinish(session):
    totals = _checked_here()
    if totals and hasattr(session.config, "workeroutput"):  # a pytest-xdist worker
        session.config.workeroutput["page_checks"] = totals


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    totals = getattr(node, "workeroutput", {}).get("page_checks")
    if totals:
        _from_workers.append(totals)


def pytest_terminal_summary(terminalreporter):
    parts = _from_workers or [t for t in [_checked_here()] if t]
    if not parts:
        return
    total = {key: sum(p[key] for p in parts) for key in ("pages", "documents", "fragments", "errors")}
    seconds = {key: sum(p["seconds"][key] for p in parts) for key in parts[0]["seconds"]}
    spent = ", ".join(f"{key} {value:.1f} s" for key, value in seconds.items())
    workers = f" in {len(parts)} processes" if len(parts) > 1 else ""
    terminalreporter.write_line(
        f"page checks: {total['pages']} pages (axe, Nu, 375 px) · {total['documents']} HTML documents and "
        f"{total['fragments']} fragments validated, {total['errors']} errors · time{workers}: {spent}")
