"""Tautoko's own deployment checks (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register


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


@register()
def default_country_check(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """The sign form preselects TAUTOKO_DEFAULT_COUNTRY: it must be one of its countries."""
    from django_countries import countries

    code = settings.TAUTOKO["DEFAULT_COUNTRY"]
    if code in countries:
        return []
    return [
        Error(
            f"TAUTOKO_DEFAULT_COUNTRY must be an ISO 3166-1 alpha-2 code, such as NZ; got {code!r}",
            id="tautoko.E001",
        )
    ]
