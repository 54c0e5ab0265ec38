"""Audiences for broadcasts about petitions (see outbox/audiences.py)."""

from __future__ import annotations

from typing import Any

from tautoko.outbox.audiences import Recipient
from tautoko.petitions.models import Signature

SIGNERS_OPTED_IN = "petition-signers-opted-in"


def signers_opted_in(args: dict[str, Any], after: int, limit: int) -> list[Recipient]:
    """Confirmed signers of one petition who asked to be kept updated."""
    rows = (
        Signature.objects.counted()
        .filter(petition_id=args["petition_id"], notify=True, id__gt=after)
        .exclude(email="")
        .order_by("id")
        .values_list("id", "email", "name")[:limit]
    )
    return [Recipient(id=id_, email=email, context={"name": name}) for id_, email, name in rows]
