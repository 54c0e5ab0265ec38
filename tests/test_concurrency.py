"""Many people signing one petition at once, against a real server and a real database.

The server (``manage.py serve --no-worker``: granian with several processes and threads) runs
on a free 127.0.0.1 port with its own fresh database: a SQLite file, or a new PostgreSQL
database when the suite runs on PostgreSQL. Eight OS processes sign at the same instant, some
people from several processes at once with variants of their address. Nothing here talks to
anything but 127.0.0.1, every step has a time limit, and the server is always stopped.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from http.cookiejar import CookieJar
from pathlib import Path

from django.test import SimpleTestCase

from tautoko.lib.email_address import email_canonical
from tautoko.petitions.forms import electorate_names
from tests.realserver import (
    MANAGE,
    POW_SOLVER,
    ROOT,
    SETUP_SCRIPT,
    SLUG,
    STEP_TIMEOUT,
    free_port,
    fresh_database,
    run_json,
    server,
    server_env,
)

PROCESSES = 8
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# Runs in each signing process: standard library only, so it starts fast and shares nothing
# with the test process. Every signer gets their own cookie jar (their own browser). All page
# loads happen first; the POSTs start together at the agreed instant.
SIGNER_SCRIPT = r"""
import json, re, sys, time, urllib.error, urllib.parse, urllib.request
from http.cookiejar import CookieJar

base, slug, start_at, electorate = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
signers = json.loads(sys.argv[5])
csrf = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


prepared = []
for name, email in signers:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect
    )
    page = opener.open(f"{base}/{slug}", timeout=30).read().decode()
    prepared.append((opener, csrf.search(page).group(1), pow_solve(page), name, email))
time.sleep(max(0.0, start_at - time.time()))
results = []
for opener, token, pow, name, email in prepared:
    form = {
        "csrfmiddlewaretoken": token, "name": name, "email": email,
        "electorate": electorate, "country": "NZ", "consent": "on", "pow": pow,
    }
    request = urllib.request.Request(
        f"{base}/{slug}/sign", data=urllib.parse.urlencode(form).encode(), method="POST"
    )
    try:
        response = opener.open(request, timeout=60)
        results.append([email, response.status, ""])
    except urllib.error.HTTPError as error:
        results.append([email, error.code, error.headers.get("Location", "")])
    except Exception as error:
        results.append([email, 0, repr(error)])
print(json.dumps(results))
"""

INSPECT_SCRIPT = """
import json
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.models import Signature, Tally
rows = list(Signature.objects.filter(petition__slug="surge").values_list(
    "id", "email_canonical", "state", "emails_sent", "flagged"))
latest = {}
for key, template, context in OutboundEmail.objects.order_by("id").values_list(
        "key", "template", "context"):
    _, signature_id, sequence = key.split(":")
    # Sent emails lose their context (it held a single-use link); only queued ones keep it.
    if template == "confirm-signature" and "confirm_url" in context:
        signature_id, sequence = int(signature_id), int(sequence)
        if sequence >= latest.get(signature_id, (0, ""))[0]:
            latest[signature_id] = (sequence, context["confirm_url"])
emails = OutboundEmail.objects.values_list("key", flat=True)
total = Tally.objects.filter(petition__slug="surge", dimension="total", key="").first()
print(json.dumps({
    "rows": rows,
    "confirm_urls": [url for _, url in latest.values()],
    "emails_per_signature": dict(__import__("collections").Counter(
        key.split(":")[1] for key in emails)),
    "tally_total": total.count if total else None,
}))
"""


def _signings() -> tuple[list[tuple[str, str]], int]:
    """Forty sign requests by 24 people: eight of them sign three times, address varied."""
    signings: list[tuple[str, str]] = []
    for person in range(8):
        signings += [
            (f"Repeat Signer {person}", f"Repeat.Signer{person}@gmail.com"),
            (f"Repeat Signer {person}", f"repeatsigner{person}+petition@gmail.com"),
            (f"Repeat Signer {person}", f"REPEAT.SIGNER{person}@googlemail.com"),
        ]
    signings += [(f"Single Signer {n}", f"single.{n}@example.org") for n in range(16)]
    people = len({email_canonical(email) for _, email in signings})
    return signings, people


def _sign_at_once(
    base: str, signings: list[tuple[str, str]], *, electorate: str, env: dict[str, str]
) -> list[tuple[str, int, str]]:
    """Spread the signings over PROCESSES processes that all start posting at one instant."""
    start_at = time.time() + 3  # after every process has loaded its pages
    workers = []
    for index in range(PROCESSES):
        share = json.dumps(signings[index::PROCESSES])
        script = POW_SOLVER + SIGNER_SCRIPT
        command = [sys.executable, "-c", script, base, SLUG, str(start_at), electorate]
        workers.append(
            subprocess.Popen([*command, share], env=env, stdout=subprocess.PIPE, text=True)
        )
    results: list[tuple[str, int, str]] = []
    try:
        for worker in workers:
            out, _ = worker.communicate(timeout=STEP_TIMEOUT)
            assert worker.returncode == 0, "a signing process failed"
            results += [tuple(row) for row in json.loads(out)]
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()
    return results


def _confirm(base: str, confirm_url: str) -> int:
    path = urllib.parse.urlparse(confirm_url).path
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    page = opener.open(f"{base}{path}", timeout=30).read().decode()
    token = _CSRF.search(page)
    assert token is not None, page
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1)}).encode()
    request = urllib.request.Request(f"{base}{path}", data=body)  # noqa: S310 - http://127.0.0.1
    with opener.open(request, timeout=30) as response:
        assert "/thanks/" in response.url
        return int(response.status)


def _count_json(base: str) -> int:
    with urllib.request.urlopen(f"{base}/api/v1/petitions/{SLUG}/count", timeout=10) as response:  # noqa: S310
        return int(json.load(response)["count"])


class ConcurrentSigningTests(SimpleTestCase):
    def test_simultaneous_signers_leave_one_row_each_and_an_exact_count(self) -> None:
        signings, people = _signings()
        electorate = electorate_names()[0]
        with tempfile.TemporaryDirectory(prefix="tautoko-surge-") as tmp:
            var_dir = Path(tmp)
            with fresh_database(var_dir) as database_url:
                port = free_port()
                env = server_env(var_dir=var_dir, database_url=database_url, port=port)
                python = [sys.executable, str(MANAGE)]
                run_json([*python, "shell", "-v", "0", "-c", SETUP_SCRIPT], env=env)

                with server(env=env, port=port, log=var_dir / "server.log") as running:
                    base = running.base
                    results = _sign_at_once(base, signings, electorate=electorate, env=env)
                    assert len(results) == len(signings)
                    statuses = Counter(status for _, status, _ in results)
                    assert statuses == {302: len(signings)}, results
                    signed_path = f"/{SLUG}/signed"
                    first_time = Counter(
                        email_canonical(email)
                        for email, _, location in results
                        if location == signed_path
                    )
                    again = [loc for _, _, loc in results if loc == f"{signed_path}?again=1"]
                    assert len(first_time) == people and set(first_time.values()) == {1}
                    assert len(again) == len(signings) - people

                    state = run_json([*python, "shell", "-v", "0", "-c", INSPECT_SCRIPT], env=env)
                    canonical = Counter(row[1] for row in state["rows"])
                    assert len(canonical) == people and set(canonical.values()) == {1}
                    assert {row[2] for row in state["rows"]} == {"pending"}
                    assert max(state["emails_per_signature"].values()) <= 5

                    for url in state["confirm_urls"]:
                        assert _confirm(base, url) == 200
                    folded = subprocess.run(
                        [*python, "worker", "--once"],
                        env=env,
                        cwd=ROOT,
                        capture_output=True,
                        text=True,
                        timeout=STEP_TIMEOUT,
                    )
                    assert folded.returncode == 0, folded.stderr

                    state = run_json([*python, "shell", "-v", "0", "-c", INSPECT_SCRIPT], env=env)
                    confirmed = [row for row in state["rows"] if row[2] == "confirmed"]
                    assert len(confirmed) == len(state["rows"]) == people
                    # Counted: confirmed and not shadow-flagged. These signers are genuine
                    # (they solved the proof-of-work, from an allow-listed network).
                    counted = [row for row in confirmed if not row[4]]
                    assert counted == confirmed
                    assert state["tally_total"] == len(counted)
                    # The public count is cached for a second in each server process.
                    deadline = time.monotonic() + 10
                    while _count_json(base) != len(counted):
                        assert time.monotonic() < deadline, "the public count never settled"
                        time.sleep(0.3)
