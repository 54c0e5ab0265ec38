from __future__ import annotations

from django.urls import path

from tautoko.lib import url_converters  # noqa: F401 - registers <code:…>
from tautoko.outbox import views

app_name = "outbox"
urlpatterns = [
    path("", views.outbox_list, name="list"),
    path("<code:code>/", views.outbox_detail, name="detail"),
]
