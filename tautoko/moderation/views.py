"""Moderation pages: the queue and one page per petition with its actions.

Every view asks for the moderation permission and a two-factor check (staff_required).
GET never changes anything; every action is a POST that redirects back to the petition.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST, require_safe

from tautoko.accounts.staff import staff_required
from tautoko.moderation import services
from tautoko.moderation.forms import (
    ApproveForm,
    HideForm,
    QueueFilterForm,
    RejectForm,
    RestoreForm,
    SecondOpinionAskForm,
    SecondOpinionGiveForm,
)
from tautoko.moderation.models import PERMISSION_MODERATE, Checkout, OwnSecondOpinion
from tautoko.petitions.models import IllegalTransition, Petition
from tautoko.petitions.versions import version_entries

MESSAGE_CHECKED_OUT = gettext_noop("%(moderator)s is reviewing this petition until %(until)s.")
MESSAGE_ILLEGAL = gettext_noop("That cannot be done to a petition that is %(state)s.")
MESSAGE_APPROVED = gettext_noop("Approved: the petition is open and its organiser emailed.")
MESSAGE_REJECTED = gettext_noop("Rejected: the reason is on its page and emailed.")
MESSAGE_HIDDEN = gettext_noop("Hidden from the public.")
MESSAGE_RESTORED = gettext_noop("Restored.")
MESSAGE_OWN_SECOND_OPINION = gettext_noop(
    "You asked for a second opinion on this petition: another moderator must give it, or "
    "approve or reject the petition, before you can decide."
)
MESSAGE_SECOND_OPINION_ASKED = gettext_noop(
    "Flagged for a second opinion: another moderator can now take it up."
)
MESSAGE_SECOND_OPINION_ALREADY = gettext_noop(
    "A second opinion is already asked for on this petition."
)
MESSAGE_SECOND_OPINION_GIVEN = gettext_noop(
    "Opinion given: the moderator who asked for it has been emailed."
)
MESSAGE_SECOND_OPINION_NONE = gettext_noop(
    "No second opinion is asked for on this petition: someone may have just given it."
)

moderator_required = staff_required(PERMISSION_MODERATE)


def _petition_or_404(slug: str) -> Petition:
    # Drafts are the organiser's own until they are submitted, and a petition gathering
    # sponsors comes to the moderators only once it has them.
    return get_object_or_404(
        Petition.objects.exclude(state__in=Petition.BEFORE_MODERATION).select_related(
            "decision_maker", "organiser"
        ),
        slug=slug,
    )


@require_safe
@moderator_required
def queue(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    filter_form = QueueFilterForm(request.GET)
    valid = filter_form.is_valid()
    overdue_before = services.overdue_before(now=now)
    petitions = list(services.moderation_queue())
    for petition in petitions:
        submitted_at = petition.submitted_at  # type: ignore[attr-defined]
        petition.overdue = submitted_at is not None and submitted_at <= overdue_before  # type: ignore[attr-defined]
        checkout = getattr(petition, "checkout", None)
        petition.live_checkout = checkout if checkout and checkout.is_live(now=now) else None  # type: ignore[attr-defined]
        opened = petition.second_opinions_open  # type: ignore[attr-defined]
        petition.second_opinion = opened[0] if opened else None  # type: ignore[attr-defined]
    flagged = [p for p in petitions if p.second_opinion is not None]  # type: ignore[attr-defined]
    show = filter_form.cleaned_data["show"] if valid else ""
    hidden = Petition.objects.filter(state=Petition.State.HIDDEN).order_by("title")
    context = {
        "petitions": flagged if show == QueueFilterForm.SECOND_OPINION else petitions,
        "pending_count": len(petitions),
        "flagged_count": len(flagged),
        "show": show,
        "filter_form": filter_form,
        "second_opinion_filter": QueueFilterForm.SECOND_OPINION,
        "hidden": hidden,
        "edits": services.edits_recent(now=now)[:100],
        "now": now,
    }
    return render(request, "moderation/queue.html", context, status=200 if valid else 400)


def _render_review(
    request: HttpRequest, petition: Petition, *, status: int = 200, **forms: Any
) -> HttpResponse:
    now = timezone.now()
    checkout = Checkout.objects.select_related("moderator").filter(petition=petition).first()
    live = checkout if checkout and checkout.is_live(now=now) else None
    second_opinion = services.second_opinion_open(petition=petition)
    context = {
        "petition": petition,
        "checkout": live,
        "mine": live is not None and live.moderator_id == request.user.pk,
        "second_opinion": second_opinion,
        # The moderator who asked waits for another's view before deciding.
        "waiting_for_opinion": second_opinion is not None
        and second_opinion.is_asked_by(request.user),
        "proposal": None if petition.decision_maker.is_listed else petition.decision_maker,
        "events": petition.events.select_related("actor"),
        "entries": version_entries(list(petition.versions.select_related("created_by")))[::-1],
        "show_author": True,
        "approve_form": forms.get("approve_form") or ApproveForm(petition=petition),
        "reject_form": forms.get("reject_form") or RejectForm(),
        "ask_form": forms.get("ask_form") or SecondOpinionAskForm(),
        "give_form": forms.get("give_form") or SecondOpinionGiveForm(),
        "hide_form": forms.get("hide_form") or HideForm(),
        "restore_form": forms.get("restore_form") or RestoreForm(),
    }
    return render(request, "moderation/review.html", context, status=status)


@require_safe
@moderator_required
def review(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_review(request, _petition_or_404(slug))


def _refused(
    request: HttpRequest, petition: Petition, error: Exception, *, message: str = ""
) -> HttpResponse:
    if isinstance(error, services.CheckedOutByOther):
        checkout = error.checkout
        message = _(MESSAGE_CHECKED_OUT) % {
            "moderator": checkout.moderator.get_full_name(),
            "until": timezone.localtime(checkout.expires_at).strftime("%H:%M"),
        }
    elif isinstance(error, OwnSecondOpinion):
        message = _(MESSAGE_OWN_SECOND_OPINION)
    elif not message:
        message = _(MESSAGE_ILLEGAL) % {"state": petition.get_state_display()}
    messages.error(request, message)
    petition.refresh_from_db()
    return _render_review(request, petition, status=409)


@require_POST
@moderator_required
def checkout(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _petition_or_404(slug)
    try:
        services.checkout_take(petition=petition, moderator=request.user)
    except services.CheckedOutByOther as error:
        return _refused(request, petition, error)
    return redirect("moderation:review", slug=petition.slug)


@require_POST
@moderator_required
def release(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _petition_or_404(slug)
    services.checkout_release(petition=petition, moderator=request.user)
    return redirect("moderation:queue")


@require_POST
@moderator_required
def approve(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _petition_or_404(slug)
    form = ApproveForm(request.POST, petition=petition)
    if not form.is_valid():
        return _render_review(request, petition, status=400, approve_form=form)
    try:
        services.petition_approve(
            petition=petition,
            moderator=request.user,
            proposal_accept=form.cleaned_data["proposal_accept"],
            match_to=form.cleaned_data["match_to"],
        )
    except (services.CheckedOutByOther, IllegalTransition) as error:
        return _refused(request, petition, error)
    messages.success(request, _(MESSAGE_APPROVED))
    return redirect("moderation:queue")


@require_POST
@moderator_required
def reject(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _petition_or_404(slug)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _render_review(request, petition, status=400, reject_form=form)
    try:
        services.petition_reject(
            petition=petition,
            moderator=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except (services.CheckedOutByOther, IllegalTransition) as error:
        return _refused(request, petition, error)
    messages.success(request, _(MESSAGE_REJECTED))
    return redirect("moderation:queue")


@require_POST
@moderator_required
def second_opinion_ask(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _petition_or_404(slug)
    form = SecondOpinionAskForm(request.POST)
    if not form.is_valid():
        return _render_review(request, petition, status=400, ask_form=form)
    try:
        services.second_opinion_ask(
            petition=petition, moderator=request.user, note=form.cleaned_data["note"]
        )
    except (services.CheckedOutByOther, IllegalTransition) as error:
        already = petition.state == Petition.State.PENDING
        return _refused(
            request, petition, error, message=_(MESSAGE_SECOND_OPINION_ALREADY) if already else ""
        )
    messages.success(request, _(MESSAGE_SECOND_OPINION_ASKED))
    return redirect("moderation:queue")


@require_POST
@moderator_required
def second_opinion_give(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _petition_or_404(slug)
    form = SecondOpinionGiveForm(request.POST)
    if not form.is_valid():
        return _render_review(request, petition, status=400, give_form=form)
    try:
        services.second_opinion_give(
            petition=petition, moderator=request.user, opinion=form.cleaned_data["opinion"]
        )
    except (services.CheckedOutByOther, IllegalTransition) as error:
        return _refused(request, petition, error, message=_(MESSAGE_SECOND_OPINION_NONE))
    messages.success(request, _(MESSAGE_SECOND_OPINION_GIVEN))
    return redirect("moderation:review", slug=petition.slug)


@require_POST
@moderator_required
def hide(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _petition_or_404(slug)
    form = HideForm(request.POST)
    if not form.is_valid():
        return _render_review(request, petition, status=400, hide_form=form)
    try:
        services.petition_hide(
            petition=petition, moderator=request.user, reason=form.cleaned_data["reason"]
        )
    except (services.CheckedOutByOther, IllegalTransition) as error:
        return _refused(request, petition, error)
    messages.success(request, _(MESSAGE_HIDDEN))
    return redirect("moderation:review", slug=petition.slug)


@require_POST
@moderator_required
def restore(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _petition_or_404(slug)
    form = RestoreForm(request.POST)
    if not form.is_valid():
        return _render_review(request, petition, status=400, restore_form=form)
    try:
        services.petition_restore(
            petition=petition, moderator=request.user, reason=form.cleaned_data["reason"]
        )
    except (services.CheckedOutByOther, IllegalTransition) as error:
        return _refused(request, petition, error)
    messages.success(request, _(MESSAGE_RESTORED))
    return redirect("moderation:review", slug=petition.slug)
