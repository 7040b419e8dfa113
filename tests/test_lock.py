"""The lock files (requirements.lock: what production installs; requirements-dev.lock: that plus the
test tools) pin, with hashes, exactly what pyproject.toml declares, so the two can't drift apart."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def entries(lock: str) -> dict[str, tuple[str, str]]:
    """{name: (version, the entry's whole text)} of a lock file written by pip-compile."""
    found = {}
    for block in re.split(r"\n(?=[^\s#])", (ROOT / lock).read_text()):
        line = block.lstrip("\n")
        if not line or line.startswith("#"):
            continue
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line)
        assert match, f"{lock}: not a pinned requirement: {line.splitlines()[0]!r}"
        found[canonicalize_name(match[1])] = (match[2], block)
    return found


def declared(group: str | None = None) -> list[Requirement]:
    project = PYPROJECT["project"]
    listed = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return [Requirement(text) for text in listed]


def extra_requirements(requirement: Requirement) -> list[Requirement]:
    """What the extras of a requirement (flask-limiter[redis], psycopg[binary]) bring in."""
    out = []
    for extra in requirement.extras:
        for text in metadata.requires(requirement.name) or []:
            needed = Requirement(text)
            if needed.marker and needed.marker.evaluate({"extra": extra}) and not Marker(
                    str(needed.marker)).evaluate({"extra": ""}):
                out.append(needed)
    return out


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_entry_is_pinned_with_hashes(lock):
    for name, (_, block) in entries(lock).items():
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", block), f"{lock}: {name} has no --hash"


@pytest.mark.parametrize("lock, groups", [("requirements.lock", [None]), ("requirements-dev.lock", [None, "dev"])])
def test_lock_covers_what_pyproject_declares(lock, groups):
    pinned = entries(lock)
    for group in groups:
        for requirement in declared(group):
            name = canonicalize_name(requirement.name)
            assert name in pinned, f"{requirement} (pyproject.toml) is missing from {lock}: run make lock"
            version = pinned[name][0]
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{lock} pins {name}=={version}, outside pyproject.toml's {requirement}: run make lock")
            for needed in extra_requirements(requirement):
                assert canonicalize_name(needed.name) in pinned, f"{lock} lacks {needed.name}, from {requirement}"
    # The project is installed with --no-build-isolation, so its build backend is pinned too.
    for text in PYPROJECT["build-system"]["requires"]:
        backend = Requirement(text)
        assert backend.specifier.contains(pinned[canonicalize_name(backend.name)][0]), f"{lock}: {backend}"


def test_runtime_pins_are_the_same_in_both_locks():
    deployed, dev = entries("requirements.lock"), entries("requirements-dev.lock")
    assert {n: v for n, (v, _) in deployed.items()} == {n: dev[n][0] for n in deployed if n in dev}
    assert set(deployed) <= set(dev)
    # Nothing in the deployed lock that only the tests need.
    dev_only = {canonicalize_name(r.name) for r in declared("dev")}
    assert not dev_only & set(deployed)


def test_the_distribution_name_is_our_own_and_make_install_uses_the_lock():
    assert PYPROJECT["project"]["name"] == "reverse-interview-portal"  # "portal" on the index is someone else's
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements-dev.lock" in makefile
    assert "--no-deps" in makefile
