from __future__ import annotations

from django.urls import path

from tautoko.outbox import views

app_name = "outbox"
urlpatterns = [
    path("", views.outbox_list, name="list"),
    path("<str:code>/", views.outbox_detail, name="detail"),
]
