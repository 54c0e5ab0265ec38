"""Share links. Each carries a source code so the petition knows which channel brought whom."""

from __future__ import annotations

import dataclasses
from urllib.parse import quote, urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from tautoko.petitions.models import Petition


@dataclasses.dataclass(frozen=True)
class ShareLink:
    channel: str
    label: str
    url: str


def petition_share_url(petition: Petition, *, source: str) -> str:
    return f"{settings.SITE_URL}{reverse('petitions:detail', args=[petition.slug])}?source={source}"


def share_links(petition: Petition) -> list[ShareLink]:
    text = _("Sign the petition: %(title)s") % {"title": petition.title}
    x_url = petition_share_url(petition, source="x")
    facebook_url = petition_share_url(petition, source="facebook")
    whatsapp_url = petition_share_url(petition, source="whatsapp")
    email_url = petition_share_url(petition, source="email")
    return [
        ShareLink(
            "x", "X", "https://twitter.com/intent/tweet?" + urlencode({"text": text, "url": x_url})
        ),
        ShareLink(
            "facebook",
            "Facebook",
            "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": facebook_url}),
        ),
        ShareLink(
            "whatsapp",
            "WhatsApp",
            "https://wa.me/?" + urlencode({"text": f"{text} {whatsapp_url}"}),
        ),
        ShareLink(
            "email",
            _("Email"),
            "mailto:?"
            + urlencode(
                {"subject": petition.title, "body": f"{text}\n\n{email_url}"}, quote_via=quote
            ),
        ),
    ]
