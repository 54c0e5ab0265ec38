"""One function per fraud email to staff. Each queues into the durable outbox."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from tautoko.fraud.models import TrendingAlert
from tautoko.outbox.services import email_queue


def trending_queue(*, alert: TrendingAlert, to: list[tuple[int, str]]) -> None:
    """Email each staff member (id, address) about a trend."""
    petition = alert.petition
    for user_id, address in to:
        email_queue(
            key=f"fraud:trending:{alert.id}:{user_id}",
            to=address,
            template="fraud-trending",
            context={
                "petition_title": petition.title,
                "petition_url": settings.SITE_URL
                + reverse("petitions:detail", args=[petition.slug]),
                "invalidate_url": settings.SITE_URL + reverse("fraud:invalidate"),
                "kind": alert.get_kind_display(),
                "value": alert.value,
                "count": alert.count,
                "hour": alert.hour,
            },
        )
