"""deploy/'s files as the tools that read them see them: the environment file in step with the app and
the README, the systemd units as systemd parses them, the Caddyfile as Caddy loads it."""

from __future__ import annotations

import inspect
import re
import secrets
import shutil
import ssl
import subprocess
import time

import pytest
from prodstack import DEPLOY, PUBLIC_NAME, ROOT, Connection, free_port, make_tls, read_env_file

from portal import config

# Read by deploy/gunicorn.conf.py, not by the app.
GUNICORN_VARIABLES = {"GUNICORN_BIND", "WEB_CONCURRENCY"}


def example_variables() -> set[str]:
    """Every variable the example names, set or shown commented out (``# NAME=value``)."""
    text = (DEPLOY / "portal.env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


def app_variables() -> set[str]:
    """The environment variables portal/config.py reads."""
    source = inspect.getsource(config.from_environment)
    names = set(re.findall(r'"([A-Z][A-Z0-9_]+)"', source)) - {"SQLALCHEMY_DATABASE_URI"}
    names |= set(config.RATE_LIMIT_SETTINGS) | {"PORTAL_ENV", "OIDC_PROVIDERS"}
    names |= {config._oidc_var(config.DEFAULT_OIDC_PROVIDER, f) for f in config._OIDC_FIELDS}
    return names


def readme_variables() -> set[str]:
    """The variables of the README's "Configuration" section (its tables' first column)."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    return {name for row in re.findall(r"^\| (`[^|]+)\|", section, re.MULTILINE)
            for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row)}


def test_the_example_environment_names_every_setting():
    """A setting the app reads or the README documents is in the example file, and the example names
    nothing else (a variable nobody reads would be a setting that silently does nothing)."""
    example, app, readme = example_variables(), app_variables(), readme_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "TRUSTED_PROXY_HOPS"} <= app
    assert {"SECRET_KEY", "OIDC_CLIENT_SECRET"} <= readme
    assert sorted(app - example) == [], "read by portal/config.py, missing from deploy/portal.env.example"
    assert sorted(readme - example) == [], "in the README's Configuration, missing from deploy/portal.env.example"
    assert sorted(example - app - readme - GUNICORN_VARIABLES) == [], "in the example, but nothing reads it"


def test_the_example_environment_is_production_ready_but_for_its_secrets():
    """Set values: production behind one proxy, gunicorn on loopback only; the secret left for the
    operator to generate (the app refuses to start without it)."""
    values = read_env_file(DEPLOY / "portal.env.example")
    assert values["PORTAL_ENV"] == "production" and values["TRUSTED_PROXY_HOPS"] == "1"
    assert values["PORTAL_BASE_URL"].startswith("https://")
    assert values["GUNICORN_BIND"].startswith("127.0.0.1:")
    assert values["SECRET_KEY"] == ""


def test_systemd_units_parse_cleanly(tmp_path):
    """systemd-analyze verify finds nothing to say about the units (it exits 0 even for unknown keys,
    so its output must be empty), with the checkout where /srv/portal would be."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    units = sorted((DEPLOY / "systemd").iterdir())
    assert {u.name for u in units} >= {"portal-web.service", "portal-worker@.service", "portal-migrate.service",
                                       "portal-purge.service", "portal-purge.timer"}
    for unit in units:
        text = unit.read_text().replace("/srv/portal", str(ROOT))
        (tmp_path / unit.name).write_text(text.replace("/etc/portal/portal.env", str(DEPLOY / "portal.env.example")))
    done = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / u.name) for u in units)],
                          check=False, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_the_caddyfile_with_production_defaults_is_valid(tmp_path):
    """`caddy validate` accepts deploy/Caddyfile as it ships (ACME, ports 80 and 443)."""
    env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path)}
    done = subprocess.run(["caddy", "validate", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
                          check=False, capture_output=True, text=True, timeout=60,
                          env=env)
    assert done.returncode == 0 and "Valid configuration" in done.stdout + done.stderr, done.stderr[-2000:]


def test_caddy_keeps_tokens_out_of_its_error_log(tmp_path):
    """When gunicorn is down, Caddy logs the failed request: the link's token and the cookie are not
    in that line, only the path's first segment."""
    ca, cert, key = make_tls(tmp_path)
    port = free_port()
    env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path), "CADDY_ADMIN": "off", "CADDY_HTTP_PORT": str(free_port()),
           "CADDY_HTTPS_PORT": str(port), "CADDY_BIND": "127.0.0.1", "CADDY_TLS": f"{cert} {key}",
           "PORTAL_DOMAIN": f"{PUBLIC_NAME}:{port}", "PORTAL_UPSTREAM": f"127.0.0.1:{free_port()}"}
    log = tmp_path / "caddy.log"
    with log.open("w") as out:
        caddy = subprocess.Popen(["caddy", "run", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
                                 env=env, stdout=out, stderr=subprocess.STDOUT)
    token, cookie = secrets.token_urlsafe(32), secrets.token_urlsafe(16)
    try:
        deadline = time.monotonic() + 15
        while True:
            connection = Connection(port, ssl.create_default_context(cafile=str(ca)), "127.0.0.1")
            try:
                connection.request("GET", f"/login/{token}?code={token}", headers={"Cookie": f"s={cookie}"})
                status = connection.getresponse().status
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
            finally:
                connection.close()
        assert status == 502
        time.sleep(0.3)
    finally:
        caddy.terminate()
        caddy.wait(10)
    text = log.read_text()
    assert '"uri": "/login/[redacted]"' in text
    assert token not in text and cookie not in text
