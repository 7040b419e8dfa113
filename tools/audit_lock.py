"""Which pins of the lock files are outdated, or no longer offered by the package index (`make audit`).

Asks the index pip is configured with (`pip index versions NAME`, the same metadata `pip install`
reads) about each package pinned in requirements.lock and requirements-dev.lock, and prints:

* pins with a newer release (update with `make lock LOCK_ARGS=--upgrade`, or
  `LOCK_ARGS="--upgrade-package NAME"`, then run the tests);
* pins the index no longer lists among its versions (a release removed or, usually, yanked, often
  for a serious bug or a compromise): these make the exit status 1.

What it can't do: say whether a pinned version has a known vulnerability. That needs an advisory
database (OSV or the index's per-release vulnerability data), which this tool does not read; where
it is reachable, run `pip-audit --require-hashes --disable-pip -r requirements.lock` as well.

Usage: python tools/audit_lock.py [LOCK_FILE …]   (default: both lock files)
"""

from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ("requirements.lock", "requirements-dev.lock")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def pins(path: Path) -> dict[str, str]:
    return {name.lower().replace("_", "-"): version for name, version in PIN.findall(path.read_text())}


def offered(name: str) -> list[str] | None:
    """The versions the index offers for ``name`` (newest first), or None when the lookup failed."""
    try:
        result = subprocess.run([sys.executable, "-m", "pip", "index", "versions", name, "--disable-pip-version-check"],
                                check=False, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return None
    match = re.search(r"^Available versions: (.*)$", result.stdout, re.MULTILINE)
    return [v.strip() for v in match[1].split(",")] if match else None


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or [ROOT / name for name in LOCKS]
    pinned: dict[str, str] = {}
    for path in files:
        pinned.update(pins(path))
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = dict(zip(pinned, pool.map(offered, pinned), strict=True))
    outdated, gone, unknown = [], [], []
    for name, version in sorted(pinned.items()):
        versions = answers[name]
        if not versions:
            unknown.append(name)
            continue
        if version not in versions:
            gone.append(f"{name}=={version} (the index offers {versions[0]})")
            continue
        try:
            newest = max((v for v in versions if not Version(v).is_prerelease), key=Version, default=version)
            if Version(newest) > Version(version):
                outdated.append(f"{name} {version} -> {newest}")
        except InvalidVersion:
            unknown.append(name)
    print(f"{len(pinned)} pins in {', '.join(p.name for p in files)}")
    for title, rows in (("No longer offered (yanked or removed)", gone), ("Outdated", outdated),
                        ("Could not look up", unknown)):
        print(f"\n{title}: {len(rows)}")
        for row in rows:
            print(f"  {row}")
    print("\nNot checked: known vulnerabilities (no advisory database is read; see the docstring).")
    return 1 if gone else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
