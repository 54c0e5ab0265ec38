"""Organiser pages: a petition from first draft to the moderation queue.

Every page needs a login and shows only the organiser's own petitions: someone else's
petition is a 404, the same as one that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tautoko.organise import services
from tautoko.organise.forms import MESSAGE_SLUG_TAKEN, PetitionForm
from tautoko.petitions.models import IllegalTransition, Petition

MESSAGE_SUBMITTED = gettext_noop(
    "Sent for moderation. We will email you when a moderator has looked at it."
)
MESSAGE_NOT_EDITABLE = gettext_noop("Only drafts can be changed; this petition is %(state)s.")
MESSAGE_NOT_SUBMITTABLE = gettext_noop("Only drafts can be sent; this petition is %(state)s.")


def _own_petition_or_404(request: HttpRequest, slug: str) -> Petition:
    return get_object_or_404(
        Petition.objects.select_related("decision_maker"), slug=slug, organiser_id=request.user.pk
    )


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    petitions = (
        Petition.objects.filter(organiser_id=request.user.pk)
        .select_related("decision_maker")
        .order_by("-created_at")
    )
    return render(request, "organise/dashboard.html", {"petitions": petitions})


@require_http_methods(["GET", "POST"])
@login_required
def petition_new(request: HttpRequest) -> HttpResponse:
    form = PetitionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                petition = services.petition_draft_create(
                    organiser=request.user, **form.cleaned_data
                )
            except services.SlugTaken:
                form.add_error("slug", MESSAGE_SLUG_TAKEN)
            else:
                return redirect("organise:preview", slug=petition.slug)
        return render(request, "organise/edit.html", {"form": form}, status=400)
    return render(request, "organise/edit.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def petition_edit(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _own_petition_or_404(request, slug)
    if petition.state != Petition.State.DRAFT:
        messages.error(request, _(MESSAGE_NOT_EDITABLE) % {"state": petition.get_state_display()})
        return redirect("organise:preview", slug=petition.slug)
    if request.method == "POST":
        form = PetitionForm(request.POST, petition=petition)
        if form.is_valid():
            try:
                services.petition_draft_update(petition=petition, **form.cleaned_data)
            except services.SlugTaken:
                form.add_error("slug", MESSAGE_SLUG_TAKEN)
            else:
                return redirect("organise:preview", slug=petition.slug)
        petition.refresh_from_db()
        return render(
            request, "organise/edit.html", {"form": form, "petition": petition}, status=400
        )
    form = PetitionForm(initial=PetitionForm.initial_for(petition), petition=petition)
    return render(request, "organise/edit.html", {"form": form, "petition": petition})


@require_GET
@login_required
def petition_preview(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _own_petition_or_404(request, slug)
    return render(
        request,
        "organise/preview.html",
        {"petition": petition, "events": petition.events.all(), "rejection": petition.rejection},
    )


@require_POST
@login_required
def petition_submit(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _own_petition_or_404(request, slug)
    try:
        petition.submit(by=request.user)
    except IllegalTransition:
        messages.error(
            request, _(MESSAGE_NOT_SUBMITTABLE) % {"state": petition.get_state_display()}
        )
        return redirect("organise:preview", slug=petition.slug)
    messages.success(request, _(MESSAGE_SUBMITTED))
    return redirect("organise:preview", slug=petition.slug)
