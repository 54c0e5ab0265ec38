from __future__ import annotations

from django.urls import path

from tautoko.organise import views

app_name = "organise"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new", views.petition_new, name="new"),
    path("<slug:slug>/", views.petition_preview, name="preview"),
    path("<slug:slug>/edit", views.petition_edit, name="edit"),
    path("<slug:slug>/submit", views.petition_submit, name="submit"),
]
