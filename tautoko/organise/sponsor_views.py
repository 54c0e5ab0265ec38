"""The sponsor pages: public, but reached only through a petition's sponsor link (or a
sponsor's own emailed links). Anything else is a 404, as for a petition that does not exist.

A sponsor signs with the public sign form (the same fields, checks and fraud checks) and
confirms by email like any signer; their signature is a signature of the petition.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tautoko.fraud import checks as fraud_checks
from tautoko.organise import services
from tautoko.petitions import services as petition_services
from tautoko.petitions.forms import SignForm
from tautoko.petitions.models import IllegalTransition, Petition, Signature

MESSAGE_NOT_SPONSORING = gettext_noop(
    "This petition has all the sponsors it needs and is waiting for a moderator: it takes no "
    "more sponsors. Once it is open, anyone can sign it."
)
MESSAGE_CLOSED_BEFORE_CONFIRMATION = gettext_noop(
    "This petition can no longer be sponsored or signed, so your sponsorship was not counted."
)
MESSAGE_LINK_EXPIRED = gettext_noop("This confirmation link has expired.")
MESSAGE_LINK_USED = gettext_noop(
    "This confirmation link has already been used, or a newer one replaced it."
)
MESSAGE_LINK_INVALID = gettext_noop(
    "This confirmation link is not valid. Check that you copied all of it."
)
MESSAGE_NEW_LINK = gettext_noop(
    "To get a new link, sponsor the petition again from its sponsor link with the same "
    "email address: we email you a new one."
)

# States in which a sponsor link still opens its page. A draft has no link; a hidden
# petition's link is dead, like its public page.
_LINK_LIVE = (Petition.State.SPONSORING, Petition.State.PENDING)


def _private(response: HttpResponse) -> HttpResponse:
    # The URL holds the link's secret: never send it to another site, never cache or index
    # the page. Not "no-referrer", under which browsers send "Origin: null" with a POST and
    # Django's CSRF check refuses it.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    patch_cache_control(response, private=True, no_store=True)
    return response


def _linked_petition_or_404(token: str) -> Petition:
    petition = services.petition_for_sponsor_link(token=token)
    if petition is None or petition.state not in (*_LINK_LIVE, *Petition.VISIBLE):
        raise Http404("No petition here.")
    return petition


def _render_page(
    request: HttpRequest,
    petition: Petition,
    *,
    token: str,
    form: SignForm | None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "petition": petition,
        "token": token,
        "form": form if petition.state == Petition.State.SPONSORING else None,
        "sponsors": services.sponsor_status(petition=petition),
        "not_sponsoring_message": _(MESSAGE_NOT_SPONSORING),
    }
    return _private(render(request, "organise/sponsor.html", context, status=status))


def _not_sponsoring(request: HttpRequest, petition: Petition) -> HttpResponse:
    return _private(
        render(
            request,
            "organise/sponsor_notice.html",
            {"title": _("No more sponsors needed"), "message": _(MESSAGE_NOT_SPONSORING)},
            status=410,
        )
    )


@require_safe
def sponsor_page(request: HttpRequest, token: str) -> HttpResponse:
    """The draft's text and the sign form, while the petition gathers sponsors."""
    petition = _linked_petition_or_404(token)
    if petition.is_visible():
        # Open (or past it): the public page is where it is signed and followed now.
        return redirect("petitions:detail", slug=petition.slug)
    form = SignForm(
        initial={
            "country": settings.TAUTOKO["DEFAULT_COUNTRY"],
            "pow": fraud_checks.challenge_for(petition_id=petition.id),
        }
    )
    return _render_page(request, petition, token=token, form=form)


@require_POST
def sponsor_sign(request: HttpRequest, token: str) -> HttpResponse:
    petition = _linked_petition_or_404(token)
    if petition.state != Petition.State.SPONSORING:
        return _not_sponsoring(request, petition)
    form = SignForm(request.POST)
    if not form.is_valid():
        return _render_page(request, petition, token=token, form=form, status=400)
    try:
        # A flagged sponsor is never counted, so never moves the petition.
        outcome = services.sponsor_sign(
            petition=petition, **form.signer_checked(request, petition_id=petition.id)
        )
    except IllegalTransition:
        # It got its last sponsor while this form was being filled in.
        return _not_sponsoring(request, petition)
    target = reverse("sponsors:signed", args=[token])
    return redirect(target + outcome.page_query)


@require_safe
def sponsor_signed(request: HttpRequest, token: str) -> HttpResponse:
    """ "Check your email", or "you already sponsored it — we sent your link again"."""
    petition = _linked_petition_or_404(token)
    return _private(
        render(
            request,
            "organise/sponsor_signed.html",
            {
                "petition": petition,
                "token": token,
                "again": "again" in request.GET,
                "unsent": "unsent" in request.GET,
            },
        )
    )


def _link_problem(request: HttpRequest, error: Exception) -> HttpResponse:
    if isinstance(error, petition_services.LinkExpired):
        message, status = _(MESSAGE_LINK_EXPIRED), 410
    elif isinstance(error, petition_services.LinkUsed):
        message, status = _(MESSAGE_LINK_USED), 410
    else:
        message, status = _(MESSAGE_LINK_INVALID), 404
    return _private(
        render(
            request,
            "organise/sponsor_notice.html",
            {
                "title": _("This link does not work"),
                "message": message,
                "more": _(MESSAGE_NEW_LINK),
            },
            status=status,
        )
    )


@require_http_methods(["GET", "HEAD", "POST"])
def sponsor_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a Confirm button; only the POST confirms, because mail scanners open links."""
    try:
        signature = petition_services.signature_for_token(token=token)
        if not signature.is_sponsor:
            # A public signer's link works on the petition's own confirmation page only.
            raise petition_services.SignatureNotFound
        petition = signature.petition
        if petition.state not in Petition.SPONSOR_CONFIRMABLE and not petition.is_signable():
            # Rejected, hidden or closed: its count is final, a late confirmation cannot join.
            return _private(
                render(
                    request,
                    "organise/sponsor_notice.html",
                    {
                        "title": _("Too late to confirm"),
                        "message": _(MESSAGE_CLOSED_BEFORE_CONFIRMATION),
                    },
                    status=410,
                )
            )
        if request.method == "POST":
            signature = services.sponsor_confirm(token=token)
            return redirect("sponsors:thanks", receipt=signature.receipt)
    except (
        petition_services.SignatureNotFound,
        petition_services.LinkUsed,
        petition_services.LinkExpired,
    ) as error:
        return _link_problem(request, error)
    return _private(
        render(
            request,
            "organise/sponsor_confirm.html",
            {"petition": petition, "signature": signature},
        )
    )


@require_safe
def sponsor_thanks(request: HttpRequest, receipt: str) -> HttpResponse:
    """A confirmed sponsor's page: how the sponsors are going, then the public thanks page."""
    signature = get_object_or_404(
        Signature.objects.sponsors().select_related("petition"),
        receipt=receipt,
        state=Signature.State.CONFIRMED,
        petition__state__in=(*Petition.SPONSOR_CONFIRMABLE, *Petition.VISIBLE),
    )
    petition = signature.petition
    if petition.is_visible():
        return redirect("petitions:thanks", slug=petition.slug, receipt=signature.receipt)
    return _private(
        render(
            request,
            "organise/sponsor_thanks.html",
            {"petition": petition, "sponsors": services.sponsor_status(petition=petition)},
        )
    )
