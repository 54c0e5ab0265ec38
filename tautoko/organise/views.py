"""Organiser pages: a petition from first draft, through its sponsors, to the moderation
queue; then its dashboard.

Every page needs a login and shows only the organiser's own petitions: someone else's
petition is a 404, the same as one that does not exist. (The sponsors' own pages are public:
sponsor_views.py.)
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tautoko.lib.markdown import markdown_render
from tautoko.moderation.services import moderation_is_slow
from tautoko.organise import exports, services, stats
from tautoko.organise.forms import (
    MESSAGE_NOTHING_CHANGED,
    MESSAGE_SLUG_TAKEN,
    CloseForm,
    GoalForm,
    PetitionForm,
    PetitionPreviewForm,
    RevisionForm,
    UpdateForm,
    VictoryForm,
)
from tautoko.organise.models import PetitionUpdate, Victory
from tautoko.petitions.models import IllegalTransition, NothingChanged, Petition, Signature
from tautoko.search.services import petitions_similar_find

MESSAGE_SUBMITTED = gettext_noop(
    "Sent for moderation. We will email you when a moderator has looked at it."
)
MESSAGE_SPONSORING = gettext_noop(
    "Now share your sponsor link. Once %(required)s sponsors have confirmed, your petition "
    "goes to the moderators."
)
MESSAGE_SPONSOR_LINK_RENEWED = gettext_noop(
    "Your sponsor link is new: the old one no longer works. Sponsors who already signed stay."
)
MESSAGE_SPONSOR_LINK_NOT_RENEWABLE = gettext_noop(
    "The sponsor link can only be replaced while the petition gathers sponsors; this "
    "petition is %(state)s."
)
MESSAGE_NOT_EDITABLE = gettext_noop("Only drafts can be changed; this petition is %(state)s.")
MESSAGE_NOT_REVISABLE = gettext_noop(
    "Only an open petition's text can be changed; this petition is %(state)s."
)
MESSAGE_REVISED = gettext_noop(
    "Saved as version %(number)s. The petition page says it changed, and its history "
    "shows what changed."
)
MESSAGE_NOT_SUBMITTABLE = gettext_noop("Only drafts can be sent; this petition is %(state)s.")
MESSAGE_NOT_RUNNING = gettext_noop(
    "That is only possible once the petition is open; this petition is %(state)s."
)
MESSAGE_GOAL_SAVED = gettext_noop("Goal saved.")
ERROR_GOAL_NOT_ABOVE_COUNT = gettext_noop(
    "A new goal must be more than the %(count)s signatures the petition already has."
)
MESSAGE_GOAL_FIXED = gettext_noop("The goal can no longer change: this petition is %(state)s.")
MESSAGE_UPDATE_POSTED = gettext_noop(
    "Update posted. It is on the petition page, and on its way to the signers who asked for news."
)
MESSAGE_CLOSED = gettext_noop("The petition is closed: it takes no more signatures.")
MESSAGE_NOT_CLOSABLE = gettext_noop("Only an open petition can be closed; this one is %(state)s.")
MESSAGE_VICTORY = gettext_noop("Victory declared. Congratulations!")
MESSAGE_VICTORY_TWICE = gettext_noop("Victory was already declared for this petition.")


def _own_petition_or_404(request: HttpRequest, slug: str) -> Petition:
    return get_object_or_404(
        Petition.objects.select_related("decision_maker"), slug=slug, organiser_id=request.user.pk
    )


@require_safe
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    sponsors = Count(
        "signatures",
        filter=Q(
            signatures__source=Signature.SOURCE_SPONSOR,
            signatures__state=Signature.State.CONFIRMED,
            signatures__flagged=False,
        ),
    )
    petitions = (
        Petition.objects.filter(organiser_id=request.user.pk)
        .select_related("decision_maker")
        .annotate(sponsors_confirmed_count=sponsors)
        .order_by("-created_at")
    )
    return render(
        request,
        "organise/dashboard.html",
        {
            "petitions": petitions,
            "sponsors_required": settings.TAUTOKO["SPONSORS_REQUIRED"],
            "moderation_slow": moderation_is_slow(),
        },
    )


def _render_form(
    request: HttpRequest, form: PetitionForm, *, petition: Petition | None = None, status: int = 200
) -> HttpResponse:
    # The organiser decides here whether to send it: they are told when moderation is slow.
    context = {"form": form, "petition": petition, "moderation_slow": moderation_is_slow()}
    return render(request, "organise/edit.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
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
        return _render_form(request, form, status=400)
    return _render_form(request, form)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def petition_edit(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _own_petition_or_404(request, slug)
    if petition.state in Petition.EDITABLE and request.method in ("GET", "HEAD"):
        # Once open, only the text changes, as a new version: that has a page of its own.
        return redirect("organise:revise", slug=petition.slug)
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
        return _render_form(request, form, petition=petition, status=400)
    form = PetitionForm(initial=PetitionForm.initial_for(petition), petition=petition)
    return _render_form(request, form, petition=petition)


def _live_preview(request: HttpRequest, *, draft: Petition | None) -> HttpResponse:
    """The live preview's fragment for the texts being typed: rendered, never saved.

    A POST, not a GET: the texts (up to 1,500 characters of Markdown) travel in the body,
    under the CSRF check, and never in URLs that servers and proxies log."""
    form = PetitionPreviewForm(request.POST, petition=draft)
    if not form.is_valid():
        response = render(request, "organise/_live_preview.html", {"form": form}, status=400)
    else:
        data = form.cleaned_data
        response = render(
            request,
            "organise/_live_preview.html",
            {
                "form": form,
                "decision_maker": form.decision_maker_shown(),
                "title": data["title"],
                "summary": data["summary"],
                "statement_html": markdown_render(data["statement"]),
                "address": form.address(),
                "similar": petitions_similar_find(
                    title=data["title"],
                    summary=data["summary"],
                    exclude_id=draft.id if draft is not None else None,
                ),
            },
        )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def petition_new_preview(request: HttpRequest) -> HttpResponse:
    return _live_preview(request, draft=None)


@require_POST
@login_required
def petition_edit_preview(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _own_petition_or_404(request, slug)
    if petition.state != Petition.State.DRAFT:
        problem = _(MESSAGE_NOT_EDITABLE) % {"state": petition.get_state_display()}
        return render(request, "organise/_live_preview.html", {"problem": problem}, status=409)
    return _live_preview(request, draft=petition)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def petition_revise(request: HttpRequest, slug: str) -> HttpResponse:
    """Change an open petition's text: each change is a new version, with a public note."""
    petition = _own_petition_or_404(request, slug)
    if petition.state not in Petition.EDITABLE:
        if petition.state == Petition.State.DRAFT:
            return redirect("organise:edit", slug=petition.slug)
        return _not_revisable(request, petition)
    if request.method in ("GET", "HEAD"):
        form = RevisionForm(initial=RevisionForm.initial_for(petition))
        return render(request, "organise/revise.html", {"form": form, "petition": petition})
    form = RevisionForm(request.POST)
    if form.is_valid():
        try:
            version = services.petition_revise(
                petition=petition, by=request.user, **form.cleaned_data
            )
        except NothingChanged:
            form.add_error(None, MESSAGE_NOTHING_CHANGED)
        except IllegalTransition:
            petition.refresh_from_db()
            return _not_revisable(request, petition)
        else:
            messages.success(request, _(MESSAGE_REVISED) % {"number": version.number})
            return redirect("organise:preview", slug=petition.slug)
    return render(request, "organise/revise.html", {"form": form, "petition": petition}, status=400)


def _not_revisable(request: HttpRequest, petition: Petition) -> HttpResponse:
    messages.error(request, _(MESSAGE_NOT_REVISABLE) % {"state": petition.get_state_display()})
    return redirect("organise:preview", slug=petition.slug)


@require_safe
@login_required
def petition_preview(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _own_petition_or_404(request, slug)
    similar = (
        petitions_similar_find(
            title=petition.title, summary=petition.summary, exclude_id=petition.id
        )
        if petition.state == Petition.State.DRAFT
        else []
    )
    context: dict[str, object] = {
        "petition": petition,
        "events": petition.events.public(),
        "rejection": petition.rejection,
        "moderation_slow": moderation_is_slow(),
        "similar": similar,
        "sponsors_required": settings.TAUTOKO["SPONSORS_REQUIRED"],
    }
    if petition.state == Petition.State.SPONSORING:
        status = services.sponsor_status(petition=petition)
        context["sponsors"] = status
        if status.token is not None:
            context["sponsor_url"] = settings.SITE_URL + reverse(
                "sponsors:page", args=[status.token]
            )
    response = render(request, "organise/preview.html", context)
    # The page may hold the sponsor link: not for other sites (Referer) or shared caches.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


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
    if petition.state == Petition.State.SPONSORING:
        messages.success(
            request, _(MESSAGE_SPONSORING) % {"required": settings.TAUTOKO["SPONSORS_REQUIRED"]}
        )
    else:
        messages.success(request, _(MESSAGE_SUBMITTED))
    return redirect("organise:preview", slug=petition.slug)


@require_POST
@login_required
def sponsor_link_renew(request: HttpRequest, slug: str) -> HttpResponse:
    """Replace the sponsor link, when the old one went where it should not (or stopped
    working because the site's secret key changed)."""
    petition = _own_petition_or_404(request, slug)
    try:
        petition.sponsor_link_renew()
    except IllegalTransition:
        messages.error(
            request,
            _(MESSAGE_SPONSOR_LINK_NOT_RENEWABLE) % {"state": petition.get_state_display()},
        )
        return redirect("organise:preview", slug=petition.slug)
    messages.success(request, _(MESSAGE_SPONSOR_LINK_RENEWED))
    return redirect("organise:preview", slug=petition.slug)


# --- The dashboard of one petition --------------------------------------------------------


def _render_dashboard(
    request: HttpRequest, petition: Petition, *, status: int = 200, **forms: object
) -> HttpResponse:
    context: dict[str, object] = {
        "petition": petition,
        "goal_form": GoalForm(initial={"goal": petition.goal, "ladder": petition.goal_ladder}),
        "update_form": UpdateForm(),
        "close_form": CloseForm(),
        "victory_form": VictoryForm(),
        "updates": PetitionUpdate.objects.filter(petition=petition)[:20],
        "victory": Victory.objects.filter(petition=petition).first(),
        "events": petition.events.public(),
        "running": petition.state in services.RUNNING,
        "goal_changeable": petition.state in services.GOAL_CHANGEABLE,
        "victory_possible": petition.state in Petition.SUCCEEDABLE,
        **stats.dashboard_figures(petition=petition),
        **forms,
    }
    return render(request, "organise/petition_dashboard.html", context, status=status)


def _not_running(request: HttpRequest, petition: Petition) -> HttpResponse:
    messages.error(request, _(MESSAGE_NOT_RUNNING) % {"state": petition.get_state_display()})
    return redirect("organise:petition", slug=petition.slug)


@require_safe
@login_required
def petition_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_dashboard(request, _own_petition_or_404(request, slug))


@require_POST
@login_required
def petition_goal(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _own_petition_or_404(request, slug)
    form = GoalForm(request.POST)
    if not form.is_valid():
        return _render_dashboard(request, petition, status=400, goal_form=form)
    try:
        services.petition_goal_change(
            petition=petition,
            goal=form.cleaned_data["goal"],
            ladder=form.cleaned_data["ladder"],
            by=request.user,
        )
    except services.GoalNotAboveCount as error:
        form.add_error("goal", _(ERROR_GOAL_NOT_ABOVE_COUNT) % {"count": intcomma(error.count)})
        return _render_dashboard(request, petition, status=400, goal_form=form)
    except IllegalTransition:
        if petition.state in services.RUNNING:
            messages.error(request, _(MESSAGE_GOAL_FIXED) % {"state": petition.get_state_display()})
            return redirect("organise:petition", slug=petition.slug)
        return _not_running(request, petition)
    messages.success(request, _(MESSAGE_GOAL_SAVED))
    return redirect("organise:petition", slug=petition.slug)


@require_POST
@login_required
def update_post(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _own_petition_or_404(request, slug)
    form = UpdateForm(request.POST)
    if not form.is_valid():
        return _render_dashboard(request, petition, status=400, update_form=form)
    try:
        services.petition_update_post(petition=petition, by=request.user, **form.cleaned_data)
    except IllegalTransition:
        return _not_running(request, petition)
    messages.success(request, _(MESSAGE_UPDATE_POSTED))
    return redirect("organise:petition", slug=petition.slug)


@require_POST
@login_required
def petition_close(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _own_petition_or_404(request, slug)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _render_dashboard(request, petition, status=400, close_form=form)
    try:
        services.petition_close_early(
            petition=petition, by=request.user, reason=form.cleaned_data["reason"]
        )
    except IllegalTransition:
        messages.error(request, _(MESSAGE_NOT_CLOSABLE) % {"state": petition.get_state_display()})
        return redirect("organise:petition", slug=petition.slug)
    messages.success(request, _(MESSAGE_CLOSED))
    return redirect("organise:petition", slug=petition.slug)


@require_POST
@login_required
def victory_declare(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _own_petition_or_404(request, slug)
    form = VictoryForm(request.POST)
    if not form.is_valid():
        return _render_dashboard(request, petition, status=400, victory_form=form)
    try:
        services.petition_victory_declare(
            petition=petition, story=form.cleaned_data["story"], by=request.user
        )
    except IllegalTransition:
        if petition.state != Petition.State.SUCCESSFUL:
            return _not_running(request, petition)
        messages.error(request, _(MESSAGE_VICTORY_TWICE))
        return redirect("organise:petition", slug=petition.slug)
    messages.success(request, _(MESSAGE_VICTORY))
    return redirect("organise:petition", slug=petition.slug)


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@login_required
def delivery_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _own_petition_or_404(request, slug)
    pdf = exports.delivery_pack_pdf(petition=petition)
    return _attachment(
        HttpResponse(pdf, content_type="application/pdf"), f"{petition.slug}-delivery.pdf"
    )


@require_safe
@login_required
def signatures_csv(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _own_petition_or_404(request, slug)
    # A byte-order mark first: without it, Excel reads the file in the computer's own code
    # page and garbles every macron (Ōhāriu, Māori); other programs skip it.
    body = "\ufeff" + exports.signatures_csv(petition=petition)
    return _attachment(
        HttpResponse(body, content_type="text/csv; charset=utf-8"),
        f"{petition.slug}-signatures.csv",
    )
