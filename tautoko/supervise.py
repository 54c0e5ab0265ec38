"""Keeps Tautoko's processes (the web server, the worker) running together, and stops them
together: what ``manage.py serve`` becomes once it has worked out what to start.

It imports nothing of Django or Tautoko (psutil only), on purpose: ``serve`` replaces
itself with this module (``os.execv``, same process, same process group), so the parent
that waits on the others does not keep the whole application in memory (about 65 MiB) for
nothing.

Run as ``python -m tautoko.supervise SPEC``, where SPEC is JSON:
``{"processes": {"web": [argv...], "worker": [argv...]}, "banner": "..."}``.
SIGINT or SIGTERM stops every process (SIGTERM, then SIGKILL after 10 s, or the SPEC's
``stop_seconds``, for it and every process it started) and exits 0; a process that exits
by itself stops the others and makes this exit 1.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from typing import Any

import psutil

STOP_SECONDS = 10


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL a process that did not stop, and whatever it started: granian's workers
    outlived their main process, still serving, when only the main process was killed."""
    with contextlib.suppress(psutil.Error):
        for child in psutil.Process(process.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child.kill()
    process.kill()
    process.wait()


def supervise(
    processes: dict[str, list[str]], *, banner: str = "", stop_seconds: float = STOP_SECONDS
) -> int:
    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    running = {
        name: subprocess.Popen(argv)  # noqa: S603 - argv from manage.py serve, no shell
        for name, argv in processes.items()
    }
    if banner:
        print(banner, flush=True)
    exit_code = 0
    while not stopping:
        for name, process in running.items():
            if process.poll() is not None:
                print(
                    f"the {name} process exited with status {process.returncode}; stopping",
                    file=sys.stderr,
                    flush=True,
                )
                stopping, exit_code = True, 1
        time.sleep(0.2)
    for process in running.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + stop_seconds
    for process in running.values():
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            _kill_tree(process)
    return exit_code


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tautoko.supervise SPEC (JSON)", file=sys.stderr)
        return 2
    try:
        spec = json.loads(argv[0])
        processes = spec["processes"]
        if not (
            isinstance(processes, dict)
            and processes
            and all(
                isinstance(args, list) and args and all(isinstance(a, str) for a in args)
                for args in processes.values()
            )
        ):
            raise ValueError("processes must map names to non-empty lists of strings")
    except (ValueError, KeyError, TypeError) as error:
        print(f"tautoko.supervise: bad SPEC: {error}", file=sys.stderr)
        return 2
    stop_seconds = spec.get("stop_seconds", STOP_SECONDS)
    if not isinstance(stop_seconds, int | float) or not 0 < stop_seconds <= 600:
        print("tautoko.supervise: bad SPEC: stop_seconds must be 0 to 600", file=sys.stderr)
        return 2
    return supervise(processes, banner=str(spec.get("banner", "")), stop_seconds=stop_seconds)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
