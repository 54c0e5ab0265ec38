from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class OTPAdminConfig(AdminConfig):
    """The Django admin, served by a site that lets in only staff who passed two-factor."""

    default_site = "tautoko.core.admin_site.TautokoAdminSite"
