"""`make bench`: the surge benchmark.

Starts Tautoko as deployed (``manage.py serve``: granian and the worker, production
settings) on a fresh database with one open petition, drives real HTTP load at it with wrk
from a separate process on 127.0.0.1, then checks that nothing acknowledged was lost and
that the counts are exact. Prints one JSON object and writes bench/results/latest.json.

SQLite by default; the PostgreSQL server named by DATABASE_URL when it is set (a fresh
database is created on it and dropped afterwards). See docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "surge.lua"
SLUG = "surge"  # bench/steps.py uses the same


def step(env: dict[str, str], name: str) -> str:
    """Run one of bench/steps.py's functions inside Django, against the bench database."""
    return manage(env, "shell", "-v", "0", "-c", f"from bench.steps import {name}; {name}()")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


@contextlib.contextmanager
def fresh_database(database_url: str, var_dir: Path) -> Iterator[str]:
    if not database_url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{var_dir / 'bench.sqlite3'}"
        return
    import psycopg

    name = f"tautoko_bench_{secrets.token_hex(4)}"
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = database_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class RssSampler(threading.Thread):
    """Samples the resident memory of the server and all its children."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            total = 0
            with contextlib.suppress(psutil.Error):
                for process in [self.root, *self.root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += process.memory_info().rss
            self.peak = max(self.peak, total)
            self.stopping.wait(0.25)


def cpu_seconds(server_pid: int, *, database: bool) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each part of the machine's work: the web
    server's processes, the worker, the load generator (this process's finished children:
    wrk), and, for a PostgreSQL on this machine, its server processes."""
    used = {"web": 0.0, "worker": 0.0, "load_generator": 0.0}
    root = psutil.Process(server_pid)
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            command = process.cmdline()
            times = process.cpu_times()
            if "worker" in command[2:3]:  # python manage.py worker
                used["worker"] += times.user + times.system
            elif any("granian" in part or "tautoko.wsgi" in part for part in command):
                used["web"] += times.user + times.system
    children = os.times()
    used["load_generator"] = children.children_user + children.children_system
    if database:
        used["database"] = 0.0
        for process in psutil.process_iter(["name"]):
            if (process.info["name"] or "").startswith("postgres"):
                with contextlib.suppress(psutil.Error):
                    times = process.cpu_times()
                    used["database"] += times.user + times.system
    return used


def cpu_per_signer(
    before: dict[str, float], after: dict[str, float], signers: int
) -> dict[str, float]:
    """Milliseconds of CPU per acknowledged signer, by part, and their total."""
    parts = {
        part: round((after[part] - before[part]) * 1000 / max(signers, 1), 3) for part in before
    }
    return {**parts, "total": round(sum(parts.values()), 3)}


def wait_ready(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(url, timeout=1) as response,  # noqa: S310 - loopback only
        ):
            if response.status == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer at {url} within {timeout:.0f} s")


def wrk(
    base: str,
    *,
    path: str = "/",
    seconds: int,
    connections: int,
    script_args: list[str] | None = None,
) -> str:
    command = [
        "wrk",
        "-t",
        str(connections),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "5s",
    ]
    if script_args is not None:
        command += ["-s", str(LUA), base, "--", *script_args]
    else:
        command += [base + path]
    return subprocess.run(
        command, check=True, capture_output=True, text=True, timeout=seconds + 60
    ).stdout


def requests_per_second(output: str) -> float:
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    return float(match.group(1)) if match else 0.0


def count_served(base: str) -> int:
    with urllib.request.urlopen(f"{base}/api/v1/petitions/{SLUG}/count", timeout=5) as response:  # noqa: S310
        return int(json.load(response)["count"])


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def read_logs(out_dir: Path, mode: str) -> dict[str, Any]:
    signs: list[tuple[str, int, float]] = []
    reads: list[tuple[int, float]] = []
    for log in out_dir.glob(f"thread-{mode}-*.log"):
        for line in log.read_text().splitlines():
            parts = line.split()
            if parts[0] == "sign" and len(parts) == 4:
                signs.append((parts[1], int(parts[2]), float(parts[3])))
            elif parts[0] in ("page", "read") and len(parts) == 3:
                reads.append((int(parts[1]), float(parts[2])))
    return {"signs": signs, "reads": reads}


def surge(
    base: str, out_dir: Path, *, mode: str, seconds: int, connections: int, repeat_percent: int
) -> dict[str, Any]:
    started = time.monotonic()
    wrk(
        base,
        seconds=seconds,
        connections=connections,
        script_args=[mode, SLUG, str(out_dir), str(repeat_percent), "11"],
    )
    elapsed = time.monotonic() - started
    logs = read_logs(out_dir, mode)
    return {"elapsed": min(elapsed, seconds + 0.5), **logs}


def sqlite_insert_ceiling(directory: Path, seconds: float = 3.0) -> tuple[float, float]:
    """Durable one-row transactions a second, and rows a second in batches of 1,000."""
    path = directory / "ceiling.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, at TEXT)")
    count, deadline = 0, time.monotonic() + seconds
    started = time.monotonic()
    while time.monotonic() < deadline:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (email, at) VALUES (?, datetime('now'))", (f"one-{count}@x",))
        db.execute("COMMIT")
        count += 1
    single = count / (time.monotonic() - started)
    rows, deadline = 0, time.monotonic() + seconds
    started = time.monotonic()
    while time.monotonic() < deadline:
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "INSERT INTO t (email, at) VALUES (?, datetime('now'))",
            ((f"batch-{rows + i}@x",) for i in range(1000)),
        )
        db.execute("COMMIT")
        rows += 1000
    batched = rows / (time.monotonic() - started)
    db.close()
    return single, batched


def postgres_insert_ceiling(
    database_url: str, seconds: float = 3.0, clients: int = 8
) -> tuple[float, float]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as db:
        db.execute(
            "CREATE TABLE ceiling"
            " (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, at timestamptz)"
        )
    counts = [0] * clients

    def one_row_client(index: int) -> None:
        with psycopg.connect(database_url, autocommit=True) as db:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                db.execute(
                    "INSERT INTO ceiling (email, at) VALUES (%s, now())",
                    (f"one-{index}-{counts[index]}@x",),
                )
                counts[index] += 1

    threads = [threading.Thread(target=one_row_client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    single = sum(counts) / (time.monotonic() - started)
    rows = 0
    with psycopg.connect(database_url) as db:
        deadline = time.monotonic() + seconds
        started = time.monotonic()
        while time.monotonic() < deadline:
            with db.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO ceiling (email, at) VALUES (%s, now())",
                    [(f"batch-{rows + i}@x",) for i in range(1000)],
                )
            db.commit()
            rows += 1000
        batched = rows / (time.monotonic() - started)
    with psycopg.connect(database_url, autocommit=True) as db:
        db.execute("DROP TABLE ceiling")
    return single, batched


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="A few seconds per phase, for CI.")
    parser.add_argument("--sign-seconds", type=int, default=60)
    parser.add_argument("--read-seconds", type=int, default=20)
    parser.add_argument("--mixed-seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=8, help="Blocking threads per web worker.")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args()
    if args.smoke:
        args.sign_seconds, args.read_seconds, args.mixed_seconds, args.connections = 3, 2, 2, 8
    if not shutil.which("wrk"):
        print("make bench needs wrk (Debian: apt-get install wrk)", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="tautoko-bench-") as tmp:
        var_dir = Path(tmp)
        with fresh_database(os.environ.get("DATABASE_URL", ""), var_dir) as database_url:
            return run(args, var_dir, database_url)


def run(args: argparse.Namespace, var_dir: Path, database_url: str) -> int:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "TAUTOKO_DEMO": "0",
        "DEBUG": "0",
        "TAUTOKO_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": base,
        "LOG_LEVEL": "WARNING",
        # The outbox's email goes nowhere: the benchmark measures signing, not an SMTP server.
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    step(env, "setup_petition")

    result: dict[str, Any] = {
        "db": "postgresql" if database_url.startswith("postgres") else "sqlite",
        "cores": os.cpu_count(),
        "server_workers": args.workers,
        "server_threads": args.threads,
        "connections": args.connections,
    }
    if result["db"] == "sqlite":
        single, batched = sqlite_insert_ceiling(var_dir)
    else:
        single, batched = postgres_insert_ceiling(database_url)
    result["limit_insert_per_s"] = round(single)
    result["limit_insert_batched_rows_per_s"] = round(batched)

    server = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampler = RssSampler(server.pid)
    sampler.start()
    try:
        wait_ready(base + "/healthz")
        ceiling_seconds = 3 if args.smoke else 10
        result["framework_ceiling_per_s"] = round(
            requests_per_second(
                wrk(base, path="/healthz", seconds=ceiling_seconds, connections=args.connections)
            )
        )

        out_dir = var_dir / "logs"
        out_dir.mkdir()
        # The database's CPU is counted when it runs on this machine (sharing its cores).
        local_database = result["db"] == "postgresql" and any(
            host in database_url for host in ("@127.0.0.1", "@localhost", "@[::1]")
        )
        cpu_before = cpu_seconds(server.pid, database=local_database)
        sign = surge(
            base,
            out_dir,
            mode="sign",
            seconds=args.sign_seconds,
            connections=args.connections,
            repeat_percent=5,
        )
        cpu_after = cpu_seconds(server.pid, database=local_database)
        read = surge(
            base,
            out_dir,
            mode="read",
            seconds=args.read_seconds,
            connections=args.connections,
            repeat_percent=0,
        )
        mixed = surge(
            base,
            out_dir,
            mode="mixed",
            seconds=args.mixed_seconds,
            connections=args.connections,
            repeat_percent=5,
        )

        acknowledged = {
            email for phase in (sign, mixed) for email, status, _ in phase["signs"] if status == 302
        }
        statuses = Counter(
            status for phase in (sign, read, mixed) for _, status, _ in phase["signs"]
        )
        statuses.update(status for phase in (sign, read, mixed) for status, _ in phase["reads"])
        sign_latencies = [ms for _, status, ms in sign["signs"] if status == 302]
        read_latencies = [ms for status, ms in read["reads"] if status == 200]
        result.update(
            sign_per_s=round(len(sign_latencies) / sign["elapsed"]),
            sign_p50_ms=round(percentile(sign_latencies, 0.50), 1),
            sign_p99_ms=round(percentile(sign_latencies, 0.99), 1),
            sign_cpu_ms_per_signer=cpu_per_signer(
                cpu_before, cpu_after, sum(1 for _, s, _ in sign["signs"] if s == 302)
            ),
            sign_cores_busy=round(
                sum(cpu_after[part] - cpu_before[part] for part in cpu_before) / sign["elapsed"], 2
            ),
            sign_repeat_share=round(
                sum(1 for e, s, _ in sign["signs"] if s == 302)
                and 1 - len({e for e, s, _ in sign["signs"] if s == 302}) / len(sign_latencies),
                3,
            ),
            read_per_s=round(len(read_latencies) / read["elapsed"]),
            read_p50_ms=round(percentile(read_latencies, 0.50), 1),
            read_p99_ms=round(percentile(read_latencies, 0.99), 1),
            mixed_sign_per_s=round(
                sum(1 for _, s, _ in mixed["signs"] if s == 302) / mixed["elapsed"]
            ),
            mixed_read_per_s=round(
                sum(1 for s, _ in mixed["reads"] if s == 200) / mixed["elapsed"]
            ),
            errors=sum(n for status, n in statuses.items() if status >= 500 or status == 0),
            unexpected_statuses={str(s): n for s, n in statuses.items() if s not in (200, 302)},
        )

        step(env, "confirm_all")
        deadline = time.monotonic() + 60
        while True:
            state = json.loads(step(env, "settled_state").strip().splitlines()[-1])
            if state["pending_deltas"] == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        stored = Counter(state.pop("emails"))
        # The public count must reach the settled one (its cache may still hold an older
        # value for a moment), and then show one more confirmation within two seconds.
        settled_at = time.monotonic()
        while count_served(base) != state["counted"] and time.monotonic() - settled_at < 10:
            time.sleep(0.05)
        # Reported, not yet a pass condition: one CI smoke run saw the served count differ
        # from the settled one for 10 s and then show the next confirmation within 0.5 s.
        result["count_served"] = count_served(base)
        result["count_served_exact"] = result["count_served"] == state["counted"]
        confirmed_at = json.loads(step(env, "confirm_one").strip().splitlines()[-1])["confirmed_at"]
        while count_served(base) != state["counted"] + 1 and time.time() - confirmed_at < 10:
            time.sleep(0.02)
        # From the confirmation's commit to the public JSON showing it (worker fold + caches).
        result["count_lag_ms"] = round((time.time() - confirmed_at) * 1000)
        result.update(
            durability=state["durability"],
            acknowledged=len(acknowledged),
            rows=state["rows"],
            lost=sum(1 for email in acknowledged if stored[email] == 0),
            duplicates=sum(n - 1 for n in stored.values() if n > 1),
            # Counted: confirmed and not shadow-flagged. Every row is confirmed by now; the
            # flagged ones (none expected: see bench/steps.py) are reported, never counted.
            flagged=state["flagged"],
            pow_max_number=state["pow_max_number"],
            count_exact=state["tally_total"] == state["counted"]
            and state["confirmed"] == state["rows"]
            and state["pending_deltas"] == 0,
            emails_queued=state["emails_queued"],
        )
    finally:
        sampler.stopping.set()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    result["peak_rss_mib"] = round(sampler.peak / 2**20)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    healthy = (
        result["errors"] == 0
        and result["lost"] == 0
        and result["duplicates"] == 0
        and result["count_exact"]
    )
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
