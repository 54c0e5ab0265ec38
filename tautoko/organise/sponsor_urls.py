from __future__ import annotations

from django.urls import path

from tautoko.lib import url_converters  # noqa: F401 - registers <code:…>
from tautoko.organise import sponsor_views as views

app_name = "sponsors"
urlpatterns = [
    path("confirm/<code:token>", views.sponsor_confirm, name="confirm"),
    path("thanks/<code:receipt>", views.sponsor_thanks, name="thanks"),
    path("<code:token>", views.sponsor_page, name="page"),
    path("<code:token>/sign", views.sponsor_sign, name="sign"),
    path("<code:token>/signed", views.sponsor_signed, name="signed"),
]
