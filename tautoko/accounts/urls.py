from __future__ import annotations

from django.urls import include, path

from tautoko.accounts import views

urlpatterns = [
    path("two-factor/", views.staff_verify, name="staff-verify"),
    path("", include("allauth.urls")),
]
