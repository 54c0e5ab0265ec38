"""Pages that other sites may show in a frame: the (future) petition widget.

Every response forbids framing twice over: CSP ``frame-ancestors 'none'`` and
``X-Frame-Options: DENY`` (settings.py), which stops clickjacking of the sign and confirm
forms. A view meant to be embedded says so with ``@embeddable``, which relaxes both for that
view alone; nothing else changes. The security tests walk every route and expect the strict
policy unless the route's view carries this mark.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, cast

from csp.decorators import csp_replace
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.clickjacking import xframe_options_exempt

View = Callable[..., HttpResponseBase]


def embed_frame_ancestors() -> list[str]:
    """The CSP sources allowed to frame an embeddable page (``TAUTOKO_EMBED_FRAME_ANCESTORS``)."""
    return list(cast("list[str]", settings.TAUTOKO["EMBED_FRAME_ANCESTORS"]))


def embeddable(view: View) -> View:
    """Let other sites frame this view's page; the rest of the site stays unframeable.

    The view must not change state on a click inside the frame without its own CSRF-checked
    form: a framed page is exactly what clickjacking needs.
    """

    @functools.wraps(view)
    def embedded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Read at request time, so that a deployment's setting applies without a re-import.
        relaxed = csp_replace({"frame-ancestors": embed_frame_ancestors()})(view)
        return relaxed(request, *args, **kwargs)

    marked = xframe_options_exempt(embedded)
    marked.embeddable = True  # type: ignore[attr-defined]
    return marked


def is_embeddable(view: Callable[..., Any]) -> bool:
    return bool(getattr(view, "embeddable", False))
