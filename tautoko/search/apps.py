from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    name = "tautoko.search"
    label = "search"

    def ready(self) -> None:
        post_migrate.connect(_index_ensure, sender=self)


def _index_ensure(using: str = "default", **kwargs: Any) -> None:
    """Repair the full-text index after every migrate (see fts.index_ensure)."""
    from django.db import connections

    from tautoko.search.fts import index_ensure

    index_ensure(connections[using])
