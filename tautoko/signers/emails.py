"""One function per email to signers about their own data. Each queues into the outbox."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tautoko.outbox.services import email_queue
from tautoko.signers.models import ManageLink


def manage_link_queue(
    *, link: ManageLink, to: str, token: str, language: str | None = None
) -> None:
    """Send the "manage my signatures" link: it opens a page, never acts by itself."""
    email_queue(
        key=link.outbox_prefix + "1",
        to=to,
        template="manage-signatures",
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
        context={
            "manage_url": settings.SITE_URL + reverse("signers:manage", args=[token]),
            "minutes": settings.TAUTOKO["MANAGE_LINK_TTL_MINUTES"],
        },
    )
