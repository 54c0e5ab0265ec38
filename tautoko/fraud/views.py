"""Staff pages for bulk invalidation: a form with a dry run, the records, and their undo.

Every view asks for the invalidate permission and a two-factor check (staff_required). GET
never changes anything; applying and cancelling are POSTs that redirect.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tautoko.accounts.models import User
from tautoko.accounts.staff import staff_required
from tautoko.fraud import services
from tautoko.fraud.forms import CancelForm, InvalidationForm
from tautoko.fraud.models import PERMISSION_INVALIDATE, Invalidation
from tautoko.petitions.models import IllegalTransition

MESSAGE_APPLIED = gettext_noop("%(count)d signatures invalidated.")
MESSAGE_CANCELLED = gettext_noop("Cancelled: %(count)d signatures restored.")
MESSAGE_ALREADY_CANCELLED = gettext_noop("This invalidation was already cancelled.")

invalidator_required = staff_required(PERMISSION_INVALIDATE)


@require_http_methods(["GET", "HEAD", "POST"])
@invalidator_required
def invalidate(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST with "preview": the dry run (nothing changes). POST with "apply":
    invalidate, then show the record."""
    form = InvalidationForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "fraud/invalidate.html", context, status=400)
        if "apply" in request.POST:
            invalidation = services.invalidation_apply(
                criteria=form.criteria(),
                by=cast(User, request.user),
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _(MESSAGE_APPLIED) % {"count": invalidation.invalidated})
            return redirect("fraud:invalidation", code=invalidation.code)
        context["preview"] = services.invalidation_preview(criteria=form.criteria())
    return render(request, "fraud/invalidate.html", context)


@require_safe
@invalidator_required
def invalidations(request: HttpRequest) -> HttpResponse:
    records = Invalidation.objects.select_related("created_by", "cancelled_by", "petition")[:200]
    return render(request, "fraud/invalidations.html", {"invalidations": records})


@require_safe
@invalidator_required
def invalidation(request: HttpRequest, code: str) -> HttpResponse:
    record = get_object_or_404(
        Invalidation.objects.select_related("created_by", "cancelled_by", "petition"), code=code
    )
    return render(
        request, "fraud/invalidation.html", {"invalidation": record, "cancel_form": CancelForm()}
    )


@require_POST
@invalidator_required
def invalidation_cancel(request: HttpRequest, code: str) -> HttpResponse:
    record = get_object_or_404(Invalidation, code=code)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "fraud/invalidation.html",
            {"invalidation": record, "cancel_form": form},
            status=400,
        )
    try:
        restored = services.invalidation_cancel(
            invalidation=record,
            by=cast(User, request.user),
            reason=form.cleaned_data["reason"],
        )
    except IllegalTransition:
        messages.error(request, _(MESSAGE_ALREADY_CANCELLED))
    else:
        messages.success(request, _(MESSAGE_CANCELLED) % {"count": restored})
    return redirect("fraud:invalidation", code=record.code)
