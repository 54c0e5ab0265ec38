"""Audiences for broadcasts about petitions (see outbox/audiences.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from tautoko.outbox.audiences import Recipient
from tautoko.petitions.emails import signature_email_key_prefix
from tautoko.petitions.models import Signature
from tautoko.signers.unsubscribe import unsubscribe_headers, unsubscribe_url

SIGNERS_OPTED_IN = "petition-signers-opted-in"


def signers_opted_in(args: dict[str, Any], after: int, limit: int) -> list[Recipient]:
    """Confirmed signers of one petition who asked to be kept updated.

    Each email carries its own one-click unsubscribe link, in the body and in the
    List-Unsubscribe headers (the outbox sends ``context["headers"]``).
    """
    # Shadow-flagged signers too: they must get the same emails as everyone (tautoko/fraud).
    rows = (
        Signature.objects.filter(
            state=Signature.State.CONFIRMED,
            petition_id=args["petition_id"],
            notify=True,
            id__gt=after,
        )
        .exclude(email="")
        .order_by("id")
        .values_list("id", "email", "name", "receipt", "language")[:limit]
    )
    languages = {code for code, _name in settings.LANGUAGES}
    recipients = []
    for id_, email, name, receipt, language in rows:
        url = unsubscribe_url(receipt=receipt)
        context = {"name": name, "unsubscribe_url": url, "headers": unsubscribe_headers(url=url)}
        # Keyed with the signature's other emails, so that a signer's export, erasure and
        # the retention job find updates and responses too (tautoko/signers).
        recipients.append(
            Recipient(
                id=id_,
                email=email,
                context=context,
                key_prefix=signature_email_key_prefix(id_),
                # Each in the language they signed in (a language since dropped: the default).
                language=language if language in languages else "",
            )
        )
    return recipients
