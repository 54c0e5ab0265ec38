"""A shorter middleware stack for the few views a surge hits: the signing hot path.

Reading a petition, signing it and polling its count need the security headers, the
content security policy, the language, the CSRF check and the body size limit. They do
not need sessions, authentication, two-factor, allauth's or the messages framework's
middleware, which together cost about as much as the views themselves (docs/performance.md).

``HotPathMiddleware`` comes first in ``MIDDLEWARE``. A request for a view marked with
``@hot_path`` is handed to a second Django handler built with ``HOT_PATH_MIDDLEWARE`` and
never passes through the rest of the full stack; every other request goes on as usual.
Both stacks run in the same process, under the same settings and URLs, through the same
handler code, so the test client exercises the hot path exactly as the web server does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, ResolverMatch, get_resolver

View = TypeVar("View", bound=Callable[..., Any])

_MARK = "tautoko_hot_path"
# Longer paths are never a petition's (slugs are at most 60 characters); not worth caching.
_LONGEST_CACHED_PATH = 200


def hot_path(view: View) -> View:
    """Serve this view through the short middleware stack (``HOT_PATH_MIDDLEWARE``).

    Only for views that need nothing from the middleware left out: no ``request.user``,
    no session, no messages.
    """
    setattr(view, _MARK, True)
    return view


@functools.lru_cache(maxsize=4096)
def _hot_match(urlconf: str, path: str) -> ResolverMatch | None:
    try:
        match = get_resolver(urlconf).resolve(path)
    except Resolver404:
        return None
    return match if getattr(match.func, _MARK, False) else None


def hot_match(path: str) -> ResolverMatch | None:
    """How ``path`` resolves, if to a ``@hot_path`` view; remembered per path, because
    walking the URL patterns costs as much as a short view."""
    if len(path) > _LONGEST_CACHED_PATH:
        return None
    return _hot_match(settings.ROOT_URLCONF, path)


class _ShortStackHandler(BaseHandler):
    """Django's own request handling, with the middleware listed in HOT_PATH_MIDDLEWARE."""

    def __init__(self, middleware: list[str]) -> None:
        super().__init__()
        # BaseHandler.load_middleware() reads settings.MIDDLEWARE: give it the short list
        # while it builds this handler's chain (once per process, at start-up).
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = middleware
        try:
            self.load_middleware()
        finally:
            settings.MIDDLEWARE = full

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        match = hot_match(request.path_info)
        if match is None:  # pragma: no cover - only hot paths are sent here
            return super().resolve_request(request)
        request.resolver_match = match
        return match

    def respond(self, request: HttpRequest) -> HttpResponseBase:
        return self._middleware_chain(request)  # type: ignore[attr-defined]


class HotPathMiddleware:
    """Send requests for ``@hot_path`` views through the short stack; the rest go on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.short_stack = _ShortStackHandler(list(settings.HOT_PATH_MIDDLEWARE))

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if getattr(request, "urlconf", None) is None and hot_match(request.path_info):
            return self.short_stack.respond(request)
        return self.get_response(request)


class PrebuiltCSPMiddleware:
    """The site's content security policy, as django-csp builds it from the settings,
    built once instead of for every response (django-csp's middleware rebuilds it each
    time, about a fifth of a hot request's CPU). For the hot path's views only: they use
    no nonces and no per-view policy decorators."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.headers = {
            name: policy
            for name, policy in (
                (HEADER, build_policy()),
                (HEADER_REPORT_ONLY, build_policy(report_only=True)),
            )
            if policy
        }

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # As django-csp does: Django's debug pages for 404 and 500 carry inline styles.
        if settings.DEBUG and response.status_code in (404, 500):
            return response
        for name, policy in self.headers.items():
            if name not in response:
                response[name] = policy
        return response
