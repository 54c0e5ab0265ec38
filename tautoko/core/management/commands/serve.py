"""Run Tautoko as deployed: the granian web server and the background worker, together."""

from __future__ import annotations

import ipaddress
import json
import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tautoko.lib.env import env_int


def granian_command(*, host: str, port: int, workers: int, threads: int) -> list[str]:
    granian = Path(sys.executable).with_name("granian")
    return [
        str(granian),
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--no-ws",
        "--log-level",
        "warning",
        "tautoko.wsgi:application",
    ]


class Command(BaseCommand):
    help = "Start the web server (granian) and the worker; Ctrl-C stops both."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=env_int("PORT", default=8000, minimum=1))
        parser.add_argument(
            "--workers",
            type=int,
            default=env_int("WEB_WORKERS", default=os.cpu_count() or 1, minimum=1),
        )
        parser.add_argument(
            "--threads", type=int, default=env_int("WEB_THREADS", default=8, minimum=1)
        )
        parser.add_argument("--no-worker", action="store_true", help="Start only the web server.")

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        threads: int,
        no_worker: bool,
        **options: Any,
    ) -> None:
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {port}")
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise CommandError(
                f"--host (or HOST) must be an IP address to listen on, such as 127.0.0.1, "
                f"0.0.0.0 or ::, not {host!r}"
            ) from None
        for name, value in (("--workers", workers), ("--threads", threads)):
            if value < 1:
                raise CommandError(f"{name} must be at least 1, not {value}")
        manage = Path(settings.BASE_DIR) / "manage.py"
        processes = {"web": granian_command(host=host, port=port, workers=workers, threads=threads)}
        if not no_worker:
            processes["worker"] = [sys.executable, str(manage), "worker"]
        spec = {
            "processes": processes,
            "banner": (
                f"Tautoko is running at http://{host}:{port}/ ({workers} web workers);"
                " Ctrl-C stops it."
            ),
        }
        # From here on this process only waits on the others: it becomes tautoko.supervise
        # (same process and process group, without Django and the application in memory).
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(  # noqa: S606 - our own interpreter and module, no shell
            sys.executable, [sys.executable, "-m", "tautoko.supervise", json.dumps(spec)]
        )
