"""One-click unsubscribe from a petition's updates (RFC 8058).

The link carries the signature's public receipt, signed with the site's secret key: nothing
is stored, and a link cannot be forged for someone else's signature. It does not expire, as
mail clients keep offering List-Unsubscribe on old messages.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "tautoko.signers.unsubscribe"


def unsubscribe_token(*, receipt: str) -> str:
    return signing.dumps(receipt, salt=SALT, compress=False)


def unsubscribe_receipt(*, token: str) -> str:
    """The receipt the token was made for; ``signing.BadSignature`` if it was forged."""
    receipt = signing.loads(token, salt=SALT)
    if not isinstance(receipt, str):
        raise signing.BadSignature("not an unsubscribe token")
    return receipt


def unsubscribe_url(*, receipt: str) -> str:
    token = unsubscribe_token(receipt=receipt)
    return settings.SITE_URL + reverse("signers:unsubscribe", args=[token])


def unsubscribe_headers(*, url: str) -> dict[str, str]:
    """List-Unsubscribe (RFC 2369) with the one-click POST of RFC 8058."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
