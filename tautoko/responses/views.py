"""A decision maker's public page, and the staff pages that publish responses and debates.

Staff pages ask for the moderation permission and a two-factor check (staff_required), as
the moderation pages do. GET never changes anything; each action is a POST that redirects.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST, require_safe

from tautoko.accounts.staff import staff_required
from tautoko.moderation.models import PERMISSION_MODERATE
from tautoko.petitions.counts import counts_current
from tautoko.petitions.models import DecisionMaker, IllegalTransition, Petition
from tautoko.responses import services
from tautoko.responses.forms import DebateOutcomeForm, DebateScheduleForm, ResponseForm
from tautoko.responses.models import (
    Debate,
    OfficialResponse,
    Threshold,
    ThresholdCrossing,
    days_between,
    threshold_levels,
)

MESSAGE_PUBLISHED = gettext_noop("Response published: it is on the petition's page and emailed.")
MESSAGE_ALREADY_RESPONDED = gettext_noop("This petition already has its official response.")
MESSAGE_SCHEDULED = gettext_noop("Debate date saved.")
MESSAGE_DEBATED = gettext_noop("Debate outcome published: it is on the page and emailed.")
MESSAGE_ILLEGAL = gettext_noop("That cannot be done to this petition: %(reason)s")

responses_staff_required = staff_required(PERMISSION_MODERATE)


# --- Public -----------------------------------------------------------------------------------


@require_safe
def decision_maker(request: HttpRequest, slug: str) -> HttpResponse:
    # A proposed decision maker has no page until a moderator lists it.
    maker = get_object_or_404(DecisionMaker.objects.listed(), slug=slug)
    now = timezone.now()
    petitions = list(
        Petition.objects.visible()
        .filter(decision_maker=maker)
        .select_related("official_response", "debate")
        .prefetch_related(Prefetch("crossings", queryset=ThresholdCrossing.objects.all()))
        .order_by("-opened_at", "-created_at")
    )
    counts = counts_current(petition_ids=[p.id for p in petitions])
    waiting, answered = [], []
    thresholds_reached = 0
    for petition in petitions:
        petition.count = counts.get(petition.id, 0)  # type: ignore[attr-defined]
        crossings = {c.threshold: c for c in petition.crossings.all()}
        petition.thresholds = list(crossings.values())  # type: ignore[attr-defined]
        thresholds_reached += len(crossings)
        response = getattr(petition, "official_response", None)
        due = crossings.get(Threshold.RESPONSE)
        if response is not None:
            petition.response = response  # type: ignore[attr-defined]
            answered.append(petition)
            if due is not None:
                petition.days_to_respond = days_between(due.crossed_at, response.published_at)  # type: ignore[attr-defined]
        elif due is not None and petition.state != Petition.State.REJECTED:
            petition.days_waiting = days_between(due.crossed_at, now)  # type: ignore[attr-defined]
            waiting.append(petition)
    waiting.sort(key=lambda p: -p.days_waiting)  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "maker": maker,
        "petitions": petitions,
        "waiting": waiting,
        "answered": answered,
        "levels": threshold_levels(),
        "thresholds_reached": thresholds_reached,
    }
    return render(request, "responses/decision_maker.html", context)


# --- Staff ------------------------------------------------------------------------------------


def _petition_or_404(slug: str) -> Petition:
    return get_object_or_404(Petition.objects.visible().select_related("decision_maker"), slug=slug)


@require_safe
@responses_staff_required
def staff_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    waiting = list(services.awaiting_response())
    crossed = {
        c.petition_id: c
        for c in ThresholdCrossing.objects.filter(
            petition__in=waiting, threshold=Threshold.RESPONSE
        )
    }
    for petition in waiting:
        petition.days_waiting = days_between(crossed[petition.id].crossed_at, now)
    debates = Debate.objects.filter(debated_at__isnull=True).select_related("petition")
    for_debate = (
        Petition.objects.filter(
            state__in=services.ANSWERABLE,
            crossings__threshold=Threshold.DEBATE,
            debate__isnull=True,
        )
        .select_related("decision_maker")
        .order_by("crossings__crossed_at")
    )
    recent = OfficialResponse.objects.select_related("petition").order_by("-published_at")[:20]
    return render(
        request,
        "responses/staff_list.html",
        {"waiting": waiting, "debates": debates, "for_debate": for_debate, "recent": recent},
    )


def _render_staff_petition(
    request: HttpRequest, petition: Petition, *, status: int = 200, **forms: Any
) -> HttpResponse:
    context = {
        "petition": petition,
        "count": counts_current(petition_ids=[petition.id]).get(petition.id, 0),
        "crossings": petition.crossings.all(),
        "response": OfficialResponse.objects.filter(petition=petition).first(),
        "debate": Debate.objects.filter(petition=petition).first(),
        "response_form": forms.get("response_form") or ResponseForm(),
        "schedule_form": forms.get("schedule_form") or DebateScheduleForm(),
        "outcome_form": forms.get("outcome_form") or DebateOutcomeForm(),
        "answerable": petition.state in services.ANSWERABLE,
    }
    return render(request, "responses/staff_petition.html", context, status=status)


@require_safe
@responses_staff_required
def staff_petition(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_staff_petition(request, _petition_or_404(slug))


def _refused(request: HttpRequest, petition: Petition, message: str) -> HttpResponse:
    messages.error(request, message)
    return _render_staff_petition(request, petition, status=409)


@require_POST
@responses_staff_required
def respond(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _petition_or_404(slug)
    form = ResponseForm(request.POST)
    if not form.is_valid():
        return _render_staff_petition(request, petition, status=400, response_form=form)
    try:
        services.response_publish(
            petition=petition, body=form.cleaned_data["body"], by=request.user
        )
    except services.AlreadyResponded:
        return _refused(request, petition, _(MESSAGE_ALREADY_RESPONDED))
    except IllegalTransition as error:
        return _refused(request, petition, _(MESSAGE_ILLEGAL) % {"reason": error})
    messages.success(request, _(MESSAGE_PUBLISHED))
    return redirect("responses:staff-petition", slug=petition.slug)


@require_POST
@responses_staff_required
def debate_schedule(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _petition_or_404(slug)
    form = DebateScheduleForm(request.POST, petition=petition)
    if not form.is_valid():
        return _render_staff_petition(request, petition, status=400, schedule_form=form)
    try:
        services.debate_schedule(
            petition=petition, on=form.cleaned_data["scheduled_for"], by=request.user
        )
    except IllegalTransition as error:
        return _refused(request, petition, _(MESSAGE_ILLEGAL) % {"reason": error})
    messages.success(request, _(MESSAGE_SCHEDULED))
    return redirect("responses:staff-petition", slug=petition.slug)


@require_POST
@responses_staff_required
def debate_outcome(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _petition_or_404(slug)
    form = DebateOutcomeForm(request.POST)
    if not form.is_valid():
        return _render_staff_petition(request, petition, status=400, outcome_form=form)
    try:
        services.debate_record(
            petition=petition, outcome=form.cleaned_data["outcome"], by=request.user
        )
    except IllegalTransition as error:
        return _refused(request, petition, _(MESSAGE_ILLEGAL) % {"reason": error})
    messages.success(request, _(MESSAGE_DEBATED))
    return redirect("responses:staff-petition", slug=petition.slug)
