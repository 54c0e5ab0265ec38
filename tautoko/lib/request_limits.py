"""Refuse oversized request bodies before any view runs.

Django checks ``DATA_UPLOAD_MAX_MEMORY_SIZE`` only when something reads the body, so a view
that never reads it (the Confirm button's POST) would accept, and a server would receive,
a body of any size. Tautoko takes no uploads, so a body larger than that limit is refused
outright, from its declared length, with the same 400 as Django's own check.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponseBase


class BodySizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django's own parsing treats a malformed length as no body
        if limit is not None and length > limit:
            # A SuspiciousOperation: Django answers 400 and logs it to django.security.
            raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
        return self.get_response(request)
