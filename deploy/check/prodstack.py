"""The production stack of deploy/, started for real on loopback, for `make production-check`.

Caddy runs deploy/Caddyfile with a certificate from a CA made here (the client trusts that CA and
nothing else); gunicorn, the worker and the migrations run the very ExecStart lines of
deploy/systemd/, with the settings of deploy/portal.env.example and this machine's overrides
(a throwaway PostgreSQL database, Redis database 12, an aiosmtpd sink, free ports). Everything is
stopped, and the database dropped, when the ``with`` block ends, also after a failure.
"""

from __future__ import annotations

import contextlib
import datetime
import http.client
import ipaddress
import os
import re
import secrets
import shlex
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import psycopg
import redis
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
# A Redis database nobody else on this machine uses (tests: 15, the README's examples: 0); flushed.
REDIS_URL = "redis://127.0.0.1:6379/12"
PUBLIC_NAME = "localhost"
# Small, so the check reaches it quickly; every other limit is the example file's.
TOKEN_LINK_LIMIT = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_env_file(path: Path) -> dict[str, str]:
    """The KEY=value lines of a systemd EnvironmentFile (comments skipped, double quotes removed)."""
    values = {}
    for line in path.read_text().splitlines():
        match = re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            value = match.group(2)
            values[match.group(1)] = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    return values


def exec_start(unit: str) -> list[str]:
    """The ExecStart command of deploy/systemd/<unit>, with the checkout in place of /srv/portal."""
    text = (DEPLOY / "systemd" / unit).read_text()
    line = re.search(r"^ExecStart=(.+)$", text, re.MULTILINE).group(1)
    return shlex.split(line.replace("/srv/portal", str(ROOT)))


def make_tls(folder: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key): a CA made for this run and a certificate
    it signs for the public name, as a company's own CA or Let's Encrypt would."""
    now = datetime.datetime.now(datetime.UTC)

    def certificate(subject, issuer, public_key, signing_key, ca: bool):
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(hours=1))
                   .not_valid_after(now + datetime.timedelta(days=2))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if not ca:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName(PUBLIC_NAME), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Production check CA")])
    ca = certificate(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True)
    leaf = certificate(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, PUBLIC_NAME)]), ca_name,
                       key.public_key(), ca_key, ca=False)
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


class Mailbox:
    """aiosmtpd handler keeping every message it accepts: the company's SMTP server."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def wait_for(self, address: str, after: int, timeout: float = 20) -> EmailMessage:
        """The first message to ``address`` beyond the first ``after`` ones, waiting for the worker."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                mine = [m for m in self.messages if address in str(m["To"])]
            if len(mine) > after:
                return mine[after]
            time.sleep(0.1)
        raise AssertionError(f"no e-mail to {address} within {timeout} s")

    def count(self, address: str) -> int:
        with self.lock:
            return sum(address in str(m["To"]) for m in self.messages)


class Connection(http.client.HTTPSConnection):
    """HTTPS to the public name on loopback, from a chosen client address (127.0.0.x), verified
    against the check's CA only."""

    def __init__(self, port: int, context: ssl.SSLContext, client: str):
        super().__init__(PUBLIC_NAME, port, context=context, timeout=15, source_address=(client, 0))

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout, self.source_address)
        self.sock = self._context.wrap_socket(sock, server_hostname=PUBLIC_NAME)


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Stack:
    base_url: str
    https_port: int
    http_port: int
    web_port: int
    folder: Path
    context: ssl.SSLContext
    mailbox: Mailbox
    logs: dict[str, Path] = field(default_factory=dict)

    def request(self, method: str, path: str, client: str = "127.0.0.1", body: str | None = None,
                headers: dict | None = None) -> Response:
        """One request through Caddy over HTTPS, from ``client``."""
        connection = Connection(self.https_port, self.context, client)
        headers = dict(headers or {})
        if body is not None:
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return Response(response.status, response.headers, response.read())
        finally:
            connection.close()

    def log_text(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in self.logs.values())


def _wait(what: str, ready, processes: list[subprocess.Popen], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args[0]} exited with {process.returncode} while waiting for {what}")
        with contextlib.suppress(OSError):
            if ready():
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not ready within {timeout} s")
        time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM (what systemd sends), then SIGKILL to its process group if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


@contextlib.contextmanager
def production_stack():
    """Start Caddy, 2 gunicorn workers, an outbox worker, PostgreSQL and Redis databases and an SMTP
    sink; yield a :class:`Stack`; stop and remove all of it."""
    database = f"portal_production_check_{os.getpid()}_{secrets.token_hex(4)}"
    with contextlib.ExitStack() as cleanup:
        folder = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="production-check-")))
        ca, cert, key = make_tls(folder)
        context = ssl.create_default_context(cafile=str(ca))  # this CA only, not the system's
        https_port, http_port, web_port, smtp_port = (free_port() for _ in range(4))

        mailbox = Mailbox()
        controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        cleanup.callback(controller.stop)

        try:
            with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=5) as admin:
                admin.execute(f'CREATE DATABASE "{database}"')
        except psycopg.OperationalError as error:
            raise RuntimeError(f"The production check needs PostgreSQL on 127.0.0.1:5432 (user postgres, "
                               f"allowed to create databases): {error}") from None

        def drop_database():
            with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

        cleanup.callback(drop_database)
        limits = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
        try:
            limits.flushdb()
        except redis.exceptions.ConnectionError as error:
            raise RuntimeError(f"The production check needs Redis on 127.0.0.1:6379: {error}") from None
        cleanup.callback(limits.close)
        cleanup.callback(limits.flushdb)

        base_url = f"https://{PUBLIC_NAME}:{https_port}"
        env = {name: os.environ[name] for name in ("PATH", "LANG", "LC_ALL") if name in os.environ}
        env.update(read_env_file(DEPLOY / "portal.env.example"))
        env.update(
            HOME=str(folder), PORTAL_ENV="production", SECRET_KEY=secrets.token_hex(32),
            DATABASE_URL=f"{POSTGRES}/{database}", REDIS_URL=REDIS_URL, PORTAL_BASE_URL=base_url,
            TRUSTED_PROXY_HOPS="1", GUNICORN_BIND=f"127.0.0.1:{web_port}", WEB_CONCURRENCY="2",
            SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_port), SMTP_STARTTLS="false", SMTP_USERNAME="",
            SMTP_PASSWORD="", PHOTO_DIR=str(folder / "photos"), MEDIA_DIR=str(folder / "media"),
            RATE_LIMIT_TOKEN_LINKS=f"{TOKEN_LINK_LIMIT} per 10 minutes",
            PROMETHEUS_MULTIPROC_DIR=str(folder / "metrics"),  # the units' RuntimeDirectory
        )
        (folder / "metrics").mkdir()
        run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True, "timeout": 60}
        for command in (exec_start("portal-migrate.service"),
                        [*exec_start("portal-migrate.service")[:3], "create-user", "it-check@example.com",
                         "--role", "recruiter", "--name", "Check Recruiter"]):
            done = subprocess.run(command, check=False, **run)
            if done.returncode:
                raise RuntimeError(f"{shlex.join(command)} failed:\n{done.stdout}{done.stderr}")

        stack = Stack(base_url, https_port, http_port, web_port, folder, context, mailbox)
        caddy_env = {"PATH": env["PATH"], "HOME": str(folder), "XDG_DATA_HOME": str(folder / "caddy-data"),
                     "XDG_CONFIG_HOME": str(folder / "caddy-config"), "CADDY_ADMIN": "off",
                     "CADDY_HTTP_PORT": str(http_port), "CADDY_HTTPS_PORT": str(https_port),
                     "CADDY_BIND": "127.0.0.1", "CADDY_TLS": f"{cert} {key}",
                     "PORTAL_DOMAIN": f"{PUBLIC_NAME}:{https_port}", "PORTAL_UPSTREAM": f"127.0.0.1:{web_port}"}
        commands = {
            "web": (exec_start("portal-web.service"), env),
            "worker": (exec_start("portal-worker@.service"), env),
            "caddy": (["caddy", "run", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"], caddy_env),
        }
        processes = []
        for name, (command, environment) in commands.items():
            stack.logs[name] = folder / f"{name}.log"
            log = cleanup.enter_context(stack.logs[name].open("w"))
            process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
            cleanup.callback(_stop, process)
            processes.append(process)
        try:
            _wait("the portal behind Caddy", lambda: stack.request("GET", "/readyz").status == 200, processes)
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{stack.log_text()[-4000:]}") from None
        yield stack
