"""The Nu HTML checker (vnu.jar, from the npm package ``vnu-jar`` that ``make install`` puts in
``.venv/vnu``) as one HTTP service on loopback for the whole test session.

Pages and htmx fragments are POSTed to it as ``text/html``; its JSON answer lists errors with line
numbers. A fragment (no doctype) is validated inside a minimal document that fits its first
element (a ``<tr>`` inside a table, an ``<li>`` inside a list, …), with line numbers counted from
the fragment's own first line.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VNU_VERSION = "26.9.27"  # the Makefile installs this version; keep both in step
VNU_JAR = Path(os.environ.get("VNU_JAR", ROOT / ".venv/vnu/node_modules/vnu-jar/build/dist/vnu.jar"))
START_TIMEOUT = 90  # seconds; the JVM and the schemas load in about 4

# A fragment is checked inside the smallest document where its first element is allowed.
_HEAD = '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>htmx fragment</title></head><body>'
_WRAPPERS = {
    "tr": ("<table><tbody>", "</tbody></table>"),
    "td": ("<table><tbody><tr>", "</tr></tbody></table>"),
    "th": ("<table><tbody><tr>", "</tr></tbody></table>"),
    "tbody": ("<table>", "</table>"),
    "thead": ("<table>", "</table>"),
    "tfoot": ("<table>", "</table>"),
    "caption": ("<table>", "</table>"),
    "colgroup": ("<table>", "</table>"),
    "li": ("<ul>", "</ul>"),
    "dt": ("<dl>", "</dl>"),
    "dd": ("<dl>", "</dl>"),
    "option": ("<select aria-label=\"fragment\">", "</select>"),
    "optgroup": ("<select aria-label=\"fragment\">", "</select>"),
}
_FIRST_TAG = re.compile(r"^\s*(?:<!--.*?-->\s*)*<([a-zA-Z][a-zA-Z0-9-]*)", re.DOTALL)


def is_document(html: str) -> bool:
    return html.lstrip().lower().startswith("<!doctype")


def as_document(fragment: str) -> tuple[str, int]:
    """The fragment inside a minimal valid document, and how many lines come before it."""
    match = _FIRST_TAG.match(fragment)
    before, after = _WRAPPERS.get(match.group(1).lower() if match else "", ("", ""))
    return f"{_HEAD}{before}\n{fragment}\n{after}</body></html>\n", 1


class NuChecker:
    """``java -cp vnu.jar nu.validator.servlet.Main PORT`` bound to 127.0.0.1, started once."""

    def __init__(self):
        self.process: subprocess.Popen | None = None
        self.url: str | None = None
        self.log = None
        self._warming: threading.Thread | None = None
        self._failure = ""

    def start(self) -> None:
        """Start the JVM and warm it up in the background (the first check waits for it); fail
        clearly when Java or the jar is missing."""
        if self.process is not None:
            return
        java = shutil.which("java")
        if java is None:
            pytest.fail("The Nu HTML checker needs Java (11 or newer) on PATH: apt-get install "
                        "default-jre-headless, then run `make test` again.", pytrace=False)
        if not VNU_JAR.is_file():
            pytest.fail(f"The Nu HTML checker is missing at {VNU_JAR}: run `make install` (it runs "
                        f"`npm install --prefix .venv/vnu vnu-jar@{VNU_VERSION}`) or set VNU_JAR.",
                        pytrace=False)
        from helpers import free_port

        port = free_port()
        # The suite may run under libfaketime: the checker needs neither it nor a moved clock.
        env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "FAKETIME")}
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (open while the JVM runs; closed in stop)
        self.process = subprocess.Popen(
            # A small heap, the serial collector and the quick compiler: ready in about 4 s instead
            # of 9, at 300 MB instead of 600 (one per pytest-xdist worker).
            [java, "-Xss2m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
             "-Dnu.validator.servlet.bind-address=127.0.0.1",
             "-cp", str(VNU_JAR), "nu.validator.servlet.Main", str(port)],
            env=env, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{port}/?out=json"
        self._warming = threading.Thread(target=self._warm_up, name="nu-warm-up", daemon=True)
        self._warming.start()

    def _warm_up(self) -> None:
        """Wait until the checker answers, then have it check one page (its first check is slow)."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self._failure = f"The Nu HTML checker exited with {code}:\n{self._log_tail()}"
                return
            try:
                self._messages(f"{_HEAD}<p>warm-up</p></body></html>")
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self._failure = f"The Nu HTML checker did not answer within {START_TIMEOUT} s:\n{self._log_tail()}"

    def _log_tail(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def _messages(self, html: str) -> list[dict]:
        request = urllib.request.Request(
            self.url, data=html.encode("utf-8"), method="POST",
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)["messages"]

    def errors(self, html: str) -> list[dict]:
        """Nu's errors (not warnings or info) for one HTML document."""
        self.start()
        if self._warming is not None:
            self._warming.join()
            self._warming = None
        if self._failure:
            pytest.fail(self._failure, pytrace=False)
        return [m for m in self._messages(html)
                if m.get("type") in ("error", "non-document-error") or m.get("subType") == "fatal"]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._warming is not None:
            self._warming.join(5)
            self._warming = None
        self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None


CHECKER = NuChecker()
