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
    """Ask the signer to confirm: the link opens a page with a Confirm button.

    A sponsor's link is the sponsor pages' own (tautoko/organise): the petition has no
    public page before it opens.
    """
    if signature.is_sponsor:
        template = "confirm-sponsor"
        confirm_path = reverse("sponsors:confirm", args=[token])
    else:
        template = "confirm-signature"
        confirm_path = reverse("petitions:confirm", args=[signature.petition.slug, token])
    return email_build(
        key=f"signature:{signature.id}:{sequence}",
        to=signature.email,
        template=template,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
        context={**_base_context(signature), "confirm_url": settings.SITE_URL + confirm_path},
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
    context = _base_context(signature)
    template = "already-signed"
    if signature.is_sponsor:
        # Their own thanks page, which shows how the sponsors are going (and leads to the
        # public page once the petition opens).
        template = "already-sponsored"
        context["sponsor_url"] = settings.SITE_URL + reverse(
            "sponsors:thanks", args=[signature.receipt]
        )
    email_queue(
        key=f"signature:{signature.id}:{sequence}",
        to=signature.email,
        template=template,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
        context=context,
    )
