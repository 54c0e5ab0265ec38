from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tautoko.petitions.models import Signature
from tautoko.signers import services
from tautoko.signers.forms import EraseForm, ManageLinkRequestForm
from tautoko.signers.models import ManageLink
from tautoko.signers.unsubscribe import unsubscribe_receipt

MESSAGE_LINK_EXPIRED = gettext_noop(
    "This link has expired: links to your signatures work for an hour."
)
MESSAGE_LINK_USED = gettext_noop("This link was used to erase your data, so it no longer works.")
MESSAGE_LINK_INVALID = gettext_noop("This link is not valid. Check that you copied all of it.")
MESSAGE_WITHDRAWN = gettext_noop("Your signature was withdrawn: it no longer counts.")
MESSAGE_ERASED = gettext_noop(
    "Your data is erased: your signatures are withdrawn and your name and email address are gone."
)


@require_safe
def privacy_notice(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "signers/privacy.html",
        {
            "version": settings.TAUTOKO["PRIVACY_NOTICE_VERSION"],
            "anonymise_after_days": settings.TAUTOKO["ANONYMISE_AFTER_DAYS"],
            "confirmation_hours": settings.TAUTOKO["CONFIRMATION_TTL_HOURS"],
            "link_minutes": settings.TAUTOKO["MANAGE_LINK_TTL_MINUTES"],
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def manage_request(request: HttpRequest) -> HttpResponse:
    # Not `request.POST or None`: an empty POST must still be a bound form that shows errors.
    form = ManageLinkRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "signers/request.html", {"form": form}, status=400)
        services.manage_link_request(email=form.cleaned_data["email"])
        # The same answer whether or not that address signed anything, and whether or not
        # it has reached its hourly limit of links.
        return redirect("signers:sent")
    return render(request, "signers/request.html", {"form": form})


@require_safe
def manage_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "signers/sent.html")


def _private(response: HttpResponse) -> HttpResponse:
    # The URL holds the token: never send it to another site, and keep the page (someone's
    # political opinions) out of every cache. "same-origin", not "no-referrer": under the
    # latter browsers send "Origin: null" with the page's POSTs and the CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    add_never_cache_headers(response)
    return response


def _link_problem(request: HttpRequest, error: Exception) -> HttpResponse:
    if isinstance(error, services.LinkExpired):
        message, status = _(MESSAGE_LINK_EXPIRED), 410
    elif isinstance(error, services.LinkUsed):
        message, status = _(MESSAGE_LINK_USED), 410
    else:
        message, status = _(MESSAGE_LINK_INVALID), 404
    response = render(
        request,
        "signers/link_problem.html",
        {"message": message, "form": ManageLinkRequestForm()},
        status=status,
    )
    return _private(response)


_LINK_PROBLEMS = (services.LinkNotFound, services.LinkExpired, services.LinkUsed)


def _render_manage(
    request: HttpRequest,
    link: ManageLink,
    token: str,
    *,
    erase_form: EraseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    done = request.GET.get("done", "")
    context: dict[str, Any] = {
        "token": token,
        "signatures": services.signatures_of(link=link),
        "erase_form": erase_form or EraseForm(),
        "message": _(MESSAGE_WITHDRAWN) if done == "withdrawn" else "",
        "expires_at": link.expires_at,
    }
    return _private(render(request, "signers/manage.html", context, status=status))


@require_safe
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """Lists the address's signatures. Only reads: mail scanners open links."""
    try:
        link = services.manage_link_for_token(token=token)
    except _LINK_PROBLEMS as error:
        return _link_problem(request, error)
    return _render_manage(request, link, token)


@require_POST
def signature_withdraw(request: HttpRequest, token: str, receipt: str) -> HttpResponse:
    try:
        link = services.manage_link_for_token(token=token)
    except _LINK_PROBLEMS as error:
        return _link_problem(request, error)
    # Only the link's own signatures: anyone else's receipt is "not found".
    signature = get_object_or_404(Signature, receipt=receipt, email_canonical=link.email_canonical)
    services.signature_withdraw(signature=signature)
    return redirect(reverse("signers:manage", args=[token]) + "?done=withdrawn")


@require_POST
def signer_erase(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = services.manage_link_for_token(token=token)
    except _LINK_PROBLEMS as error:
        return _link_problem(request, error)
    form = EraseForm(request.POST)
    if not form.is_valid():
        return _render_manage(request, link, token, erase_form=form, status=400)
    try:
        services.signer_erase(link=link)
    except services.LinkUsed as error:
        return _link_problem(request, error)
    return redirect("signers:erased")


@require_safe
def signer_erased(request: HttpRequest) -> HttpResponse:
    return render(request, "signers/erased.html", {"message": _(MESSAGE_ERASED)})


@require_safe
def signer_export(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = services.manage_link_for_token(token=token)
    except _LINK_PROBLEMS as error:
        return _link_problem(request, error)
    response = JsonResponse(services.signer_export(link=link), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="tautoko-my-signatures.json"'
    return _private(response)


MESSAGE_UNSUBSCRIBED = gettext_noop(
    "Done: you will get no more updates about this petition. Your signature still counts."
)


# Mail clients send RFC 8058's one-click POST without a cookie or a CSRF token. Only this
# URL is exempt: the signed token in the path is what authorises the change, and all the
# change can do is stop emails.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def updates_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners follow links); POST stops this petition's updates."""
    try:
        receipt = unsubscribe_receipt(token=token)
    except signing.BadSignature:
        return render(
            request,
            "signers/link_problem.html",
            {"message": _(MESSAGE_LINK_INVALID), "form": ManageLinkRequestForm()},
            status=404,
        )
    signature = get_object_or_404(Signature.objects.select_related("petition"), receipt=receipt)
    if request.method == "POST":
        services.updates_unsubscribe(signature=signature)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(_(MESSAGE_UNSUBSCRIBED), content_type="text/plain; charset=utf-8")
        return redirect(reverse("signers:unsubscribe", args=[token]) + "?done=1")
    response = render(
        request,
        "signers/unsubscribe.html",
        {
            "petition": signature.petition,
            "done": "done" in request.GET and not signature.notify,
            "message": _(MESSAGE_UNSUBSCRIBED),
        },
    )
    response["Referrer-Policy"] = "same-origin"
    return response
