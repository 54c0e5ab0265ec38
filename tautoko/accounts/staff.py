"""Staff access: a permission, and two-factor (TOTP) verified in this session.

Every staff page is wrapped in ``staff_required(permission)``. Anonymous visitors go to the
login page; people without the permission get a 404 (staff pages do not advertise
themselves); staff who have not passed two-factor in this session go to the verify page.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
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


class TotpWaiting(Exception):
    """Wrong codes in a row keep the device waiting: no code is tried until ``until``."""

    def __init__(self, until: dt.datetime) -> None:
        super().__init__(f"two-factor codes wait until {until.isoformat()}")
        self.until = until


def _failures_within(wait_max: float, factor: float) -> int:
    """The most wrong codes in a row whose django-otp wait (factor * 2**(n - 1) seconds) is at
    most ``wait_max``; at least 1."""
    failures = 1
    while factor * 2**failures <= wait_max:
        failures += 1
    return failures


def totp_wait_cap(device: TOTPDevice, *, now: dt.datetime) -> dt.datetime | None:
    """Until when the device's wrong codes keep it waiting, with the wait capped; None when
    a code may be tried now.

    django-otp doubles the wait after each wrong code in a row (``OTP_TOTP_THROTTLE_FACTOR``
    * 2**(n - 1) seconds; a right code resets it) and has no ceiling: someone who has a staff
    member's password could keep them out for weeks with a few dozen wrong codes. Here the
    wait is at most ``TAUTOKO["TWO_FACTOR_WAIT_MAX_SECONDS"]`` after the last wrong code.
    Once that has passed while django-otp's own wait has not, the count of wrong codes is
    lowered to the highest whose wait fits under the cap, so django-otp lets the next code
    through, and a wrong one is again a full capped wait: past the cap, one guess per cap.
    Call it with the device locked (``select_for_update``, in a transaction).
    """
    failures = device.throttling_failure_count
    last = device.throttling_failure_timestamp
    factor = device.get_throttle_factor()
    if failures == 0 or last is None or factor <= 0:
        return None
    wait_max = settings.TAUTOKO["TWO_FACTOR_WAIT_MAX_SECONDS"]
    wait_own = factor * 2 ** (failures - 1)
    until = last + dt.timedelta(seconds=min(wait_own, wait_max))
    if now < until:
        return until
    if wait_own > (now - last).total_seconds():
        device.throttling_failure_count = _failures_within(wait_max, factor)
        device.save(update_fields=["throttling_failure_count"])
    return None


def totp_verify(*, user: Any, device: TOTPDevice, token: str) -> TOTPDevice | None:
    """The device, if ``token`` is its current code (unused before); None if it is not.

    Raises ``TotpWaiting`` while wrong codes keep the device waiting (``totp_wait_cap``);
    no code is tried then, so trying again early does not lengthen the wait. The device row
    stays locked from the check to the verification, so codes sent at once are tried in turn.
    """
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        until = totp_wait_cap(locked, now=timezone.now())
        if until is not None:
            raise TotpWaiting(until)
        verified = django_otp.verify_token(user, locked.persistent_id, token)
    return verified if isinstance(verified, TOTPDevice) else None
