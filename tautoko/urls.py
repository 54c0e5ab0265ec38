from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from tautoko.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The admin's own login would skip allauth's throttling and the two-factor page.
    path("admin/login/", RedirectView.as_view(pattern_name="staff-verify", query_string=True)),
    path("admin/", admin.site.urls),
    path("accounts/", include("tautoko.accounts.urls")),
    path("organise/", include("tautoko.organise.urls")),
    path("sponsor/", include("tautoko.organise.sponsor_urls")),
    path("moderate/", include("tautoko.moderation.urls")),
    path("fraud/", include("tautoko.fraud.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("dev/outbox/", include("tautoko.outbox.urls")),
    # Before the petitions' "/<slug>" routes, which would otherwise take "/privacy".
    path("", include("tautoko.search.urls")),
    path("", include("tautoko.responses.urls")),
    path("", include("tautoko.signers.urls")),
    path("", include("tautoko.petitions.urls")),
]

# Each reads a request body that cannot be parsed as empty: Django's own would read it again.
handler400 = "tautoko.core.views.bad_request"
handler403 = "tautoko.core.views.permission_denied"
handler404 = "tautoko.core.views.page_not_found"
handler500 = "tautoko.core.views.server_error"
