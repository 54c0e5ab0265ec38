from __future__ import annotations

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers: the process answers; touches no database or cache."""
    return HttpResponse("ok", content_type="text/plain")


# What reading a request's body may raise: a malformed or non-UTF-8 form, too many fields, a
# client gone mid-upload.
_BODY_ERRORS = (BadRequest, MultiPartParserError, SuspiciousOperation, UnreadablePostError)


def _body_unreadable(request: HttpRequest) -> Exception | None:
    """The error reading the POST body raised, if it did; the body then reads as empty.

    Django's error pages look in the POST body for a CSRF token (``requires_csrf_token``).
    Where the body itself was the error (a form labelled ``charset=latin-1``, a multipart
    body without a boundary), reading it again raised inside the error handler, and the
    visitor got a bare 500 without any of the security headers, which anyone could
    trigger at will on any URL. Django marks a failed multipart parse itself, not a refused
    charset.
    """
    try:
        request.POST  # noqa: B018 - read for its effect: parse the body, or fail
    except _BODY_ERRORS as error:
        request.POST = QueryDict()
        return error
    return None


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    _body_unreadable(request)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    _body_unreadable(request)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 page, except for a POST whose body cannot be parsed: 400."""
    error = _body_unreadable(request)
    if error is not None:
        return defaults.bad_request(request, error)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    _body_unreadable(request)
    return defaults.server_error(request)
