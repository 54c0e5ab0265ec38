"""The development outbox: read the emails Tautoko sent, in demo or debug mode only."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from tautoko.outbox.models import OutboundEmail


def _require_dev_mode() -> None:
    if not (settings.DEMO or settings.DEBUG):
        raise Http404("The development outbox is off.")


@require_safe
def outbox_list(request: HttpRequest) -> HttpResponse:
    _require_dev_mode()
    emails = OutboundEmail.objects.order_by("-created_at", "-id")[:200]
    return render(request, "outbox/list.html", {"emails": emails})


@require_safe
def outbox_detail(request: HttpRequest, code: str) -> HttpResponse:
    _require_dev_mode()
    email = get_object_or_404(OutboundEmail, code=code)
    return render(request, "outbox/detail.html", {"email": email})
