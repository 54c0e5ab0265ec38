"""Tautoko as deployed, for tests: ``manage.py serve`` on 127.0.0.1 with its own database.

The server runs in its own process group on a free loopback port, against a database that
exists only for the test: a SQLite file, or a new PostgreSQL database when the suite runs
on PostgreSQL (created and dropped here). Every step has a time limit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "manage.py"
SLUG = "surge"
STEP_TIMEOUT = 60  # seconds for any one subprocess step

SETUP_SCRIPT = """
import json
from django.core.management import call_command
from tautoko.petitions.models import DecisionMaker, Petition
call_command("migrate", interactive=False, verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
maker = DecisionMaker.objects.create(slug="pm", name="Prime Minister")
petition = Petition.objects.create(
    slug="surge", title="Surge", summary="Many sign at once.", decision_maker=maker, goal=10
)
petition.open()
# All the load comes from 127.0.0.1: exempt it from the per-IP rate limits, as a deployment
# would its own monitoring; machines fill forms at once, so no minimum fill time; and a small
# proof-of-work, solved by every signer (POW_SOLVER), so that nothing here is shadow-flagged.
from tautoko.fraud.models import FraudSettings, Rule
Rule.objects.create(kind="network", value="127.0.0.0/8", action="allow", note="tests")
FraudSettings.objects.create(min_fill_seconds=0, pow_max_number=1000, pow_surge_max_number=1000)
print(json.dumps({"ok": True}))
"""

# Pasted into the signing scripts (standard library only): the sign form's proof-of-work
# solved as static/tautoko/pow.js does, returned as the value to post in its "pow" field.
POW_SOLVER = r"""
import base64 as _base64, hashlib as _hashlib, json as _json, re as _re


def pow_solve(page):
    found = _re.search(r'name="pow" value="([^"]*)"', page)
    if not found:
        return ""
    data = _json.loads(_base64.b64decode(found.group(1)))
    for number in range(int(data["maxNumber"]) + 1):
        if _hashlib.sha256(f"{data['salt']}{number}".encode()).hexdigest() == data["challenge"]:
            data["number"] = number
            break
    data.pop("maxNumber", None)
    return _base64.b64encode(_json.dumps(data).encode()).decode()
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_json(command: list[str], *, env: dict[str, str]) -> Any:
    """Run a command that prints JSON on its last line; return that JSON."""
    done = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=STEP_TIMEOUT
    )
    assert done.returncode == 0, f"{command[:3]} failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def manage_json(script: str, *, env: dict[str, str]) -> Any:
    return run_json([sys.executable, str(MANAGE), "shell", "-v", "0", "-c", script], env=env)


@contextlib.contextmanager
def fresh_database(var_dir: Path) -> Iterator[str]:
    """A DATABASE_URL for a database that exists only for this test."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{var_dir / 'surge.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    url = urllib.parse.urlparse(os.environ["DATABASE_URL"])
    # As Django does for its test database: create and drop from the maintenance database.
    admin_url = url._replace(path="/postgres").geturl()
    name = f"tautoko_surge_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def server_env(*, var_dir: Path, database_url: str, port: int) -> dict[str, str]:
    """Production settings for the server and the commands run beside it."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "TAUTOKO_", "EMAIL_"))
    } | {
        "DJANGO_SETTINGS_MODULE": "tautoko.settings",
        "SECRET_KEY": "real-server-test-secret-" + "s" * 40,
        "TAUTOKO_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "CACHE_KEY_PREFIX": f"surge-{secrets.token_hex(6)}",
        "PORT": str(port),
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        # One-shot workers run by the tests send the confirmation emails into memory.
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


@dataclasses.dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL the server and every process of its group: no chance to clean up."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@contextlib.contextmanager
def server(*, env: dict[str, str], port: int, log: Path, workers: int = 2) -> Iterator[Server]:
    command = [sys.executable, str(MANAGE), "serve", "--no-worker", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--threads", "4"]
    with log.open("wb") as output:
        # Its own process group, so the server and its granian workers all stop together.
        process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STEP_TIMEOUT
        while True:
            assert process.poll() is None, f"the server exited:\n{log.read_text()}"
            try:
                with urllib.request.urlopen(f"{base}/{SLUG}", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            assert time.monotonic() < deadline, f"the server never answered:\n{log.read_text()}"
            time.sleep(0.2)
        yield Server(base=base, process=process)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        # Granian's workers may outlive their parent by a moment: the whole group must go.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
