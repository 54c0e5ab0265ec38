from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from tautoko.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("dev/outbox/", include("tautoko.outbox.urls")),
    # Before the petitions' "/<slug>" routes, which would otherwise take "/privacy".
    path("", include("tautoko.signers.urls")),
    path("", include("tautoko.petitions.urls")),
]
