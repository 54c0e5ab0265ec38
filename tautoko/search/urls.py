from __future__ import annotations

from django.urls import path

from tautoko.search import views

app_name = "search"
urlpatterns = [
    path("search", views.search, name="search"),
]
