"""The admin site: django-otp's, so only staff who passed two-factor see any admin page."""

from __future__ import annotations

from django_otp.admin import OTPAdminSite


class TautokoAdminSite(OTPAdminSite):
    site_header = "Tautoko administration"

    def __init__(self, name: str = "admin") -> None:
        # Keep the "admin" URL namespace that Django and the rest of Tautoko reverse.
        super().__init__(name)
