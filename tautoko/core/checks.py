"""Tautoko's own deployment checks (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def demo_mode_check(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Demo mode shows every email sent, single-use links and all, at /dev/outbox/, and lets
    the site run on a built-in SECRET_KEY that anyone can read in the source."""
    if not settings.DEMO:
        return []
    return [
        Warning(
            "Demo mode (TAUTOKO_DEMO) is on: /dev/outbox/ shows every email sent, with its "
            "confirmation and manage links, and a missing SECRET_KEY falls back to a public one.",
            hint="Unset TAUTOKO_DEMO in production and set SECRET_KEY.",
            id="tautoko.W001",
        )
    ]
