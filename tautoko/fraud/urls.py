from __future__ import annotations

from django.urls import path

from tautoko.fraud import views
from tautoko.lib import url_converters  # noqa: F401 - registers <code:…>

app_name = "fraud"
urlpatterns = [
    path("invalidate", views.invalidate, name="invalidate"),
    path("invalidations/", views.invalidations, name="invalidations"),
    path("invalidations/<code:code>/", views.invalidation, name="invalidation"),
    path("invalidations/<code:code>/cancel", views.invalidation_cancel, name="invalidation-cancel"),
]
