from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers: the process answers; touches no database or cache."""
    return HttpResponse("ok", content_type="text/plain")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 page, except for a POST whose body cannot be parsed: 400.

    Django's 404 handler reads the POST body for the CSRF token that its template may need;
    a malformed multipart body (no boundary) sent to an unknown URL then raised inside the
    error handler itself and came out as a 500, which anyone could trigger at will.
    """
    try:
        return defaults.page_not_found(request, exception)
    except MultiPartParserError as error:
        # The failed parse has left request.POST empty, so this page renders.
        return defaults.bad_request(request, error)
