from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tautoko.core"
    label = "core"

    def ready(self) -> None:
        from tautoko.core import checks  # noqa: F401 - registers the deployment checks
