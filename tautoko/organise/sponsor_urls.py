from __future__ import annotations

from django.urls import path

from tautoko.organise import sponsor_views as views

app_name = "sponsors"
urlpatterns = [
    path("confirm/<str:token>", views.sponsor_confirm, name="confirm"),
    path("thanks/<str:receipt>", views.sponsor_thanks, name="thanks"),
    path("<str:token>", views.sponsor_page, name="page"),
    path("<str:token>/sign", views.sponsor_sign, name="sign"),
    path("<str:token>/signed", views.sponsor_signed, name="signed"),
]
