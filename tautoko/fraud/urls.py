from __future__ import annotations

from django.urls import path

from tautoko.fraud import views

app_name = "fraud"
urlpatterns = [
    path("invalidate", views.invalidate, name="invalidate"),
    path("invalidations/", views.invalidations, name="invalidations"),
    path("invalidations/<str:code>/", views.invalidation, name="invalidation"),
    path("invalidations/<str:code>/cancel", views.invalidation_cancel, name="invalidation-cancel"),
]
