"""The project's URLconf plus a few routes that only the security tests need."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import path

from tautoko.lib.embedding import embeddable
from tautoko.urls import urlpatterns as project_urlpatterns


def session_write(request: HttpRequest) -> HttpResponse:
    """Writes the session and a message, so the response sets the session cookie."""
    request.session["visited"] = True
    messages.info(request, "Saved.")
    return HttpResponse("ok")


def server_error(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug, on purpose")


@embeddable
def widget(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<p>a widget</p>")


urlpatterns = [
    path("test-only/session", session_write),
    path("test-only/error", server_error),
    path("test-only/widget", widget),
    *project_urlpatterns,
]
