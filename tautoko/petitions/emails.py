"""One function per email about signatures. Each queues into the durable outbox."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tautoko.outbox.models import OutboundEmail
from tautoko.outbox.services import email_build, email_queue
from tautoko.petitions.models import Signature


def _base_context(signature: Signature) -> dict[str, str]:
    petition = signature.petition
    return {
        "name": signature.name,
        "petition_title": petition.title,
        "petition_url": settings.SITE_URL + reverse("petitions:detail", args=[petition.slug]),
    }


def confirmation_build(
    *, signature: Signature, token: str, sequence: int, language: str | None = None
) -> OutboundEmail:
    """Ask the signer to confirm: the link opens a page with a Confirm button."""
    return email_build(
        key=f"signature:{signature.id}:{sequence}",
        to=signature.email,
        template="confirm-signature",
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
        context={
            **_base_context(signature),
            "confirm_url": settings.SITE_URL
            + reverse("petitions:confirm", args=[signature.petition.slug, token]),
        },
    )


def confirmation_queue(
    *, signature: Signature, token: str, sequence: int, language: str | None = None
) -> None:
    confirmation_build(signature=signature, token=token, sequence=sequence, language=language).save(
        force_insert=True
    )


def already_signed_queue(
    *, signature: Signature, sequence: int, language: str | None = None
) -> None:
    """Tell someone who signs again that their signature already counts."""
    email_queue(
        key=f"signature:{signature.id}:{sequence}",
        to=signature.email,
        template="already-signed",
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
        context=_base_context(signature),
    )
