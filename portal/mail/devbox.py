"""Development mail: an aiosmtpd sink that files every message, and a reader for /dev/mail.

The sink writes each message as one ``.eml`` file into a folder (``instance/devmail`` by
default), so the web process, the worker and the sink can be separate processes.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from aiosmtpd.controller import Controller

_NAME = re.compile(r"^[0-9]{17}-[0-9a-f]{32}\.eml$")


class MaildirSink:
    """aiosmtpd handler: accept everything, store each message as a file."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):  # the name aiosmtpd calls
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")[:17]
        name = f"{stamp}-{uuid.uuid4().hex}.eml"
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(envelope.original_content or envelope.content)
        os.replace(tmp, self.directory / name)
        return "250 Message accepted for delivery"


def run_sink(directory: Path, host: str, port: int, stop: threading.Event | None = None) -> None:
    """Serve SMTP on host:port until ``stop`` is set (or forever)."""
    controller = Controller(MaildirSink(directory), hostname=host, port=port)
    controller.start()
    try:
        while not (stop and stop.is_set()):
            time.sleep(0.5)
    finally:
        controller.stop()


@dataclass
class StoredMail:
    name: str
    subject: str
    sender: str
    to: str
    date: datetime | None
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    @property
    def html(self) -> str | None:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else None

    @property
    def attachments(self) -> list[str]:
        return [part.get_filename() or "attachment" for part in self.message.iter_attachments()]


def _load(path: Path) -> StoredMail:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    try:
        date = parsedate_to_datetime(message["Date"]) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    return StoredMail(
        name=path.name,
        subject=str(message["Subject"] or "(no subject)"),
        sender=str(message["From"] or ""),
        to=str(message["To"] or ""),
        date=date,
        message=message,
    )


def list_mail(directory: Path, limit: int = 200) -> list[StoredMail]:
    """Newest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    names = sorted((p for p in directory.iterdir() if _NAME.match(p.name)), reverse=True)
    return [_load(path) for path in names[:limit]]


def read_mail(directory: Path, name: str) -> StoredMail | None:
    """One stored message by file name; ``None`` for anything that is not one of ours."""
    if not _NAME.match(name):
        return None
    path = Path(directory) / name
    return _load(path) if path.is_file() else None
