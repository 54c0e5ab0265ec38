"""One function per email about signatures. Each queues into the durable outbox."""

from __future__ import annotations

import functools

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tautoko.outbox.models import OutboundEmail
from tautoko.outbox.services import email_build
from tautoko.petitions.models import Petition, Signature


def petition_url(petition: Petition) -> str:
    return settings.SITE_URL + petition_path("petitions:detail", petition.slug)


# A token is URL-safe base64 ([A-Za-z0-9_-]): it stands in the path as it is.
_TOKEN_PLACEHOLDER = "TOKEN"  # noqa: S105 - a placeholder, not a secret


def confirm_url(petition: Petition, token: str) -> str:
    """The confirmation link of a signature made on the petition's public page."""
    path = petition_path("petitions:confirm", petition.slug, _TOKEN_PLACEHOLDER)
    return settings.SITE_URL + path.replace(_TOKEN_PLACEHOLDER, token)


@functools.lru_cache(maxsize=4096)
def petition_path(name: str, slug: str, *args: str) -> str:
    """``reverse(name, args=[slug, *args])``, remembered: the signing path needs the same few
    URLs thousands of times a second, and reversing one costs as much as an INSERT."""
    return reverse(name, args=[slug, *args])


def signature_email_key_prefix(signature_id: int | None) -> str:
    """What the outbox keys of every email about a signature begin with."""
    return f"signature:{signature_id}:"


def signature_email_key(signature_id: int | None, sequence: int) -> str:
    """The outbox key of the ``sequence``-th email about a signature (one email per event)."""
    return f"{signature_email_key_prefix(signature_id)}{sequence}"


def _base_context(signature: Signature, *, petition_link: str | None = None) -> dict[str, str]:
    petition = signature.petition
    return {
        "name": signature.name,
        "petition_title": petition.title,
        "petition_url": petition_link or petition_url(petition),
    }


def confirmation_build(
    *,
    signature: Signature,
    token: str,
    sequence: int,
    language: str | None = None,
    links: tuple[str, str] | None = None,
) -> OutboundEmail:
    """Ask the signer to confirm: the link opens a page with a Confirm button.

    A sponsor's link is the sponsor pages' own (tautoko/organise): the petition has no
    public page before it opens. ``links``, the petition's URL and ``confirm_url()``, may
    be built beforehand, so that the signing batch's writer (lib/group_commit) spends no
    time reversing URLs; they are used for public signatures only.
    """
    if signature.is_sponsor:
        template = "confirm-sponsor"
        petition_link = petition_url(signature.petition)
        confirm_link = settings.SITE_URL + reverse("sponsors:confirm", args=[token])
    else:
        template = "confirm-signature"
        petition_link, confirm_link = links or (
            petition_url(signature.petition),
            confirm_url(signature.petition, token),
        )
    return email_build(
        key=signature_email_key(signature.id, sequence),
        to=signature.email,
        template=template,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
        context={
            **_base_context(signature, petition_link=petition_link),
            "confirm_url": confirm_link,
        },
    )


def already_signed_build(
    *,
    signature: Signature,
    sequence: int,
    language: str | None = None,
    petition_link: str | None = None,
) -> OutboundEmail:
    """Tell someone who signs again that their signature already counts."""
    context = _base_context(signature, petition_link=petition_link)
    template = "already-signed"
    if signature.is_sponsor:
        # Their own thanks page, which shows how the sponsors are going (and leads to the
        # public page once the petition opens).
        template = "already-sponsored"
        context["sponsor_url"] = settings.SITE_URL + reverse(
            "sponsors:thanks", args=[signature.receipt]
        )
    return email_build(
        key=signature_email_key(signature.id, sequence),
        to=signature.email,
        template=template,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
        context=context,
    )
