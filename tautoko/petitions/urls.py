from __future__ import annotations

from django.urls import path

from tautoko.lib import url_converters  # noqa: F401 - registers <code:…>
from tautoko.petitions import views

app_name = "petitions"
urlpatterns = [
    path("", views.home, name="home"),
    path("api/v1/petitions/<slug:slug>/count", views.petition_count_json, name="count-json"),
    path("<slug:slug>", views.petition_detail, name="detail"),
    path("<slug:slug>/history", views.petition_history, name="history"),
    path("<slug:slug>/sign", views.petition_sign, name="sign"),
    path("<slug:slug>/signed", views.petition_signed, name="signed"),
    path("<slug:slug>/confirm/<code:token>", views.signature_confirm, name="confirm"),
    path("<slug:slug>/thanks/<code:receipt>", views.signature_thanks, name="thanks"),
    path("<slug:slug>/resend", views.signature_resend, name="resend"),
]
