"""Staff access: a permission, and two-factor (TOTP) verified in this session.

Every staff page is wrapped in ``staff_required(permission)``. Anonymous visitors go to the
login page; people without the permission get a 404 (staff pages do not advertise
themselves); staff who have not passed two-factor in this session go to the verify page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

View = Callable[..., HttpResponse]


def staff_verify_url(next_path: str) -> str:
    return reverse("staff-verify") + "?" + urlencode({"next": next_path})


def staff_required(permission: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user.is_staff and user.has_perm(permission)):
                raise Http404("No such page.")
            if not user.is_verified():  # type: ignore[attr-defined]
                return redirect(staff_verify_url(request.get_full_path()))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def totp_device_for(user: Any) -> TOTPDevice | None:
    """The staff member's confirmed TOTP device, if they have one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def totp_device_add(
    *, user: Any, name: str = "Authenticator app", key: str | None = None
) -> TOTPDevice:
    """Give a staff member a TOTP device. ``key`` (40 hex digits) only for fixed demo data."""
    fields: dict[str, Any] = {"user": user, "name": name, "confirmed": True}
    if key is not None:
        fields["key"] = key
    return TOTPDevice.objects.create(**fields)
