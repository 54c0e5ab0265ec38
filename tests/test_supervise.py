"""``manage.py serve`` and what it becomes (tautoko/supervise.py): the web server and the
worker run together and stop together, and the process that waits on them carries no
copy of the application."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.realserver import MANAGE, ROOT, free_port, server_env

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def supervisor(processes: dict[str, list[str]]) -> subprocess.Popen[str]:
    spec = json.dumps({"processes": processes, "banner": "started"})
    return subprocess.Popen(
        [sys.executable, "-m", "tautoko.supervise", spec],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def children_when_started(process: subprocess.Popen[str], count: int) -> list[psutil.Process]:
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "started"
    children = psutil.Process(process.pid).children()
    assert len(children) == count
    return children


@pytest.fixture(autouse=True)
def _no_strays() -> Iterator[None]:
    """Whatever a test started, its process group goes with it."""
    yield
    for process in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "tautoko.supervise" in " ".join(process.cmdline()):
                os.killpg(process.pid, signal.SIGKILL)


def test_sigterm_stops_every_process_and_exits_cleanly() -> None:
    process = supervisor({"web": SLEEPER, "worker": SLEEPER})
    children = children_when_started(process, 2)

    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=20) == 0
    _gone, alive = psutil.wait_procs(children, timeout=5)
    assert alive == []


def test_a_process_that_exits_stops_the_others() -> None:
    quitter = [sys.executable, "-c", "import sys, time; time.sleep(0.5); sys.exit(3)"]
    process = supervisor({"web": SLEEPER, "worker": quitter})
    children = children_when_started(process, 2)

    assert process.wait(timeout=20) == 1
    assert process.stderr is not None
    assert "the worker process exited with status 3; stopping" in process.stderr.read()
    _gone, alive = psutil.wait_procs(children, timeout=5)
    assert alive == []


@pytest.mark.parametrize(
    "spec",
    [
        "not json",
        "{}",
        '{"processes": {}}',
        '{"processes": {"web": []}}',
        '{"processes": {"web": ["true"]}, "stop_seconds": -1}',
        '{"processes": {"web": ["true"]}, "stop_seconds": "soon"}',
    ],
)
def test_a_bad_spec_is_refused(spec: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tautoko.supervise", spec],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2
    assert "bad SPEC" in result.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--port", "70000"], "--port must be between 1 and 65535, not 70000"),
        (["--host", "not a host"], "--host (or HOST) must be an IP address to listen on"),
        (["--workers", "0"], "--workers must be at least 1, not 0"),
        (["--threads", "-2"], "--threads must be at least 1, not -2"),
    ],
)
def test_serve_refuses_bad_arguments_with_a_message(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    env = server_env(var_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/db.sqlite3", port=1)
    result = subprocess.run(
        [sys.executable, str(MANAGE), "serve", *arguments, "--no-worker"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_becomes_a_small_supervisor_of_the_web_server(tmp_path: Path) -> None:
    port = free_port()
    env = server_env(var_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/db.sqlite3", port=port)
    process = subprocess.Popen(
        [
            sys.executable,
            str(MANAGE),
            "serve",
            "--no-worker",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        assert f"Tautoko is running at http://127.0.0.1:{port}/" in process.stdout.readline()
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    assert r.read() == b"ok"
                    break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "the server never answered"
                time.sleep(0.2)

        waiting = psutil.Process(process.pid)
        # The same process, now running the supervisor instead of Django.
        assert "tautoko.supervise" in " ".join(waiting.cmdline())
        # Django and the application alone take some 65 MiB; the supervisor needs a fraction.
        assert waiting.memory_info().rss < 40 * 2**20
        assert any("granian" in " ".join(child.cmdline()) for child in waiting.children())

        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def test_a_process_that_will_not_stop_is_killed_with_everything_it_started() -> None:
    # Found in review: granian's main process, killed after STOP_SECONDS, left a worker of
    # its own running and serving. Here a child that ignores SIGTERM starts a grandchild
    # that ignores it too: both must be gone once the supervisor has exited.
    stubborn = (
        "import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "subprocess.Popen([sys.executable, '-c', 'import signal, time; "
        "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)']); time.sleep(120)"
    )
    spec = json.dumps(
        {
            "processes": {"web": [sys.executable, "-c", stubborn]},
            "banner": "started",
            "stop_seconds": 1,
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "tautoko.supervise", spec],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "started"
    deadline = time.monotonic() + 30
    while len(psutil.Process(process.pid).children(recursive=True)) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    tree = psutil.Process(process.pid).children(recursive=True)

    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=15) == 0
    gone, alive = psutil.wait_procs(tree, timeout=5)
    assert alive == [] and len(gone) == 2
