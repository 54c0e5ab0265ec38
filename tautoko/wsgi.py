"""The WSGI application that the web server (granian, see ``manage.py serve``) runs."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIEnvironment

from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tautoko.settings")
_django = get_wsgi_application()

# A web process runs its request threads and the group-commit writer (lib/group_commit)
# under one GIL. The writer gives the GIL up at every SQL statement and must win it back
# from busy request threads while it holds SQLite's write lock, so every wait holds up all
# the signers in its batch and in the other processes. A 1 ms switch interval (CPython's
# default is 5 ms) shortens each wait; see docs/performance.md for what it measured.
sys.setswitchinterval(0.001)


def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """Django's application, answering with the body itself when it is already complete.

    Django returns its response object, which a WSGI server must iterate and then close;
    granian does that through a slower path than for a plain list of bytes (measured with
    ``make bench``: the count JSON served about 70 % more requests a second as a list).
    A complete ``HttpResponse`` is therefore closed here, which runs Django's end-of-request
    work as the server would, and its content returned as a list. Streaming and file
    responses go to the server untouched.
    """
    response = _django(environ, start_response)
    if isinstance(response, HttpResponse):
        try:
            return [response.content]
        finally:
            response.close()
    return response
