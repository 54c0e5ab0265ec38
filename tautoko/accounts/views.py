from __future__ import annotations

import math

import django_otp
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from tautoko.accounts.forms import MESSAGE_TOKEN_WRONG, TokenForm, message_token_wait
from tautoko.accounts.staff import TotpWaiting, totp_device_for, totp_verify


def _next_path(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site: "abc" is not one (redirect() would look it up as a URL name).
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/moderate/"


@require_http_methods(["GET", "HEAD", "POST"])
def staff_verify(request: HttpRequest) -> HttpResponse:
    """Staff enter the code from their authenticator app once per session.

    Wrong codes are throttled per device by django-otp (the wait doubles with each failure
    and a right code resets it), capped at TWO_FACTOR_WAIT_MAX_SECONDS (``totp_wait_cap``);
    the password step before this is rate-limited by allauth.
    """
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not user.is_staff:
        raise Http404("No such page.")
    next_path = _next_path(request)
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(next_path)
    device = totp_device_for(user)
    if device is None:
        return render(request, "accounts/staff_no_device.html", status=403)
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                verified = totp_verify(user=user, device=device, token=form.cleaned_data["token"])
            except TotpWaiting as waiting:
                seconds = max(1, math.ceil((waiting.until - timezone.now()).total_seconds()))
                form.add_error("token", message_token_wait(seconds))
                response = render(
                    request,
                    "accounts/staff_verify.html",
                    {"form": form, "next": next_path},
                    status=429,
                )
                response["Retry-After"] = str(seconds)
                return response
            if verified is not None:
                django_otp.login(request, verified)
                return redirect(next_path)
            form.add_error("token", MESSAGE_TOKEN_WRONG)
        return render(
            request, "accounts/staff_verify.html", {"form": form, "next": next_path}, status=400
        )
    return render(request, "accounts/staff_verify.html", {"form": form, "next": next_path})
