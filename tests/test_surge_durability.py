"""SIGKILL in the middle of a surge: no acknowledged signature is lost, counts stay exact.

The server (granian, several processes, group commit on SQLite) takes signatures from eight
signing processes; once a few hundred have been acknowledged it is killed with SIGKILL, with
signatures in flight. Every signature the server acknowledged (a 302 to "check your
email") must be in the database exactly once; the database must be intact; a restarted
server must go on signing; and after confirming and folding, the count must equal the rows.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.test import SimpleTestCase

from tests.realserver import (
    MANAGE,
    POW_SOLVER,
    ROOT,
    SETUP_SCRIPT,
    SLUG,
    STEP_TIMEOUT,
    free_port,
    fresh_database,
    manage_json,
    server,
    server_env,
)

SIGNERS = 8
KILL_AFTER_ACKNOWLEDGED = 300

# Each signing process signs as fast as it can, a new browser per signer, and prints every
# acknowledged address at once (so the test sees them while the surge goes on). It stops
# when the server stops answering, or after its time limit.
SIGNER_SCRIPT = (
    POW_SOLVER
    + r"""
import re, sys, time, urllib.error, urllib.parse, urllib.request
from http.cookiejar import CookieJar

base, slug, prefix, limit = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
csrf = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


deadline = time.monotonic() + limit
serial = 0
while time.monotonic() < deadline:
    serial += 1
    email = f"{prefix}-{serial}@surge.example"
    jar = urllib.request.HTTPCookieProcessor(CookieJar())
    opener = urllib.request.build_opener(jar, NoRedirect)
    try:
        page = opener.open(f"{base}/{slug}", timeout=10).read().decode()
        token = csrf.search(page).group(1)
        form = {"csrfmiddlewaretoken": token, "name": "Surge Signer", "email": email,
                "electorate": "Epsom", "country": "NZ", "consent": "on", "pow": pow_solve(page)}
        request = urllib.request.Request(
            f"{base}/{slug}/sign", data=urllib.parse.urlencode(form).encode(), method="POST")
        opener.open(request, timeout=10)
    except urllib.error.HTTPError as error:
        if error.code == 302:
            print("ack", email, flush=True)
        elif error.code >= 500:
            print("error", error.code, flush=True)
    except (OSError, AttributeError):
        break  # the server is gone (or answered with something that is not a page)
"""
)

STATE_SCRIPT = """
import json
from django.db import connection
from tautoko.petitions.models import Signature, Tally, TallyDelta
signatures = Signature.objects.filter(petition__slug="surge")
rows = list(signatures.values_list("email_canonical", flat=True))
total = Tally.objects.filter(petition__slug="surge", dimension="total", key="").first()
integrity = "ok"
if connection.vendor == "sqlite":
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA integrity_check")
        integrity = cursor.fetchone()[0]
print(json.dumps({
    "emails": rows,
    "confirmed": Signature.objects.filter(petition__slug="surge", state="confirmed").count(),
    "counted": Signature.objects.filter(petition__slug="surge").counted().count(),
    "pending_deltas": TallyDelta.objects.count(),
    "tally_total": total.count if total else 0,
    "integrity": integrity,
}))
"""

# Confirms every pending signature through the real service, one by one, with its token.
CONFIRM_SCRIPT = """
import json
from tautoko.lib.tokens import token_new
from tautoko.petitions.models import Signature
from tautoko.petitions.services import signature_confirm
confirmed = 0
for signature in Signature.objects.filter(petition__slug="surge", state="pending"):
    token, digest = token_new()
    Signature.objects.filter(id=signature.id).update(token_hash=digest)
    signature_confirm(token=token)
    confirmed += 1
print(json.dumps({"confirmed": confirmed}))
"""


class SurgeDurabilityTests(SimpleTestCase):
    def test_a_server_killed_mid_surge_loses_no_acknowledged_signature(self) -> None:
        with tempfile.TemporaryDirectory(prefix="tautoko-kill-") as tmp:
            var_dir = Path(tmp)
            with fresh_database(var_dir) as database_url:
                port = free_port()
                env = server_env(var_dir=var_dir, database_url=database_url, port=port)
                manage_json(SETUP_SCRIPT, env=env)

                acknowledged: list[str] = []
                errors: list[str] = []
                with server(env=env, port=port, log=var_dir / "server.log") as running:
                    signers = [
                        subprocess.Popen(
                            [
                                sys.executable,
                                "-c",
                                SIGNER_SCRIPT,
                                running.base,
                                SLUG,
                                f"p{n}",
                                "40",
                            ],
                            stdout=subprocess.PIPE,
                            text=True,
                        )
                        for n in range(SIGNERS)
                    ]
                    try:
                        deadline = time.monotonic() + STEP_TIMEOUT
                        log = var_dir / "server.log"
                        # Read acknowledgements as they come, then kill with signatures in flight.
                        while len(acknowledged) < KILL_AFTER_ACKNOWLEDGED:
                            assert time.monotonic() < deadline, log.read_text()
                            line = signers[len(acknowledged) % SIGNERS].stdout.readline()  # type: ignore[union-attr]
                            if line.startswith("ack "):
                                acknowledged.append(line.split()[1])
                            elif line.startswith("error"):
                                errors.append(line)
                        running.kill()
                        for signer in signers:
                            rest, _ = signer.communicate(timeout=STEP_TIMEOUT)
                            for line in rest.splitlines():
                                if line.startswith("ack "):
                                    acknowledged.append(line.split()[1])
                                elif line.startswith("error"):
                                    errors.append(line)
                    finally:
                        for signer in signers:
                            signer.kill()
                            signer.wait()

                assert errors == []
                state = manage_json(STATE_SCRIPT, env=env)
                assert state["integrity"] == "ok"
                stored = state["emails"]
                assert len(stored) == len(set(stored)), "a signer has two rows"
                lost = set(acknowledged) - set(stored)
                assert lost == set(), f"{len(lost)} acknowledged signatures lost"
                assert len(acknowledged) >= KILL_AFTER_ACKNOWLEDGED

                # The same database serves again after the crash.
                with server(env=env, port=port, log=var_dir / "server-again.log") as running:
                    again = subprocess.run(
                        [sys.executable, "-c", SIGNER_SCRIPT, running.base, SLUG, "after", "1"],
                        capture_output=True,
                        text=True,
                        timeout=STEP_TIMEOUT,
                    )
                    assert "ack after-1@surge.example" in again.stdout

                manage_json(CONFIRM_SCRIPT, env=env)
                folded = subprocess.run(
                    [sys.executable, str(MANAGE), "worker", "--once", "--nice", "0"],
                    env=env,
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    timeout=STEP_TIMEOUT,
                )
                assert folded.returncode == 0, folded.stderr
                state = manage_json(STATE_SCRIPT, env=env)
                assert state["pending_deltas"] == 0
                # Counted (confirmed, not shadow-flagged) equals confirmed: these signers all
                # solved the proof-of-work from an allow-listed network.
                assert (
                    state["tally_total"]
                    == state["counted"]
                    == state["confirmed"]
                    == len(state["emails"])
                )
                assert len(state["emails"]) >= len(acknowledged) + 1
