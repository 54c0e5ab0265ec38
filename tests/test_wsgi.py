"""The WSGI application: complete responses as a list of bytes, closed (tautoko/wsgi.py)."""

from __future__ import annotations

import io
from typing import Any

from django.core.signals import request_finished
from django.test import TestCase

from tautoko.wsgi import application


def wsgi_get(path: str) -> tuple[str, Any]:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
    }
    statuses: list[str] = []
    body = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
    return statuses[0], body


class WsgiTests(TestCase):
    def test_a_complete_response_is_a_list_and_the_request_is_finished(self) -> None:
        finished: list[object] = []

        def note(**kwargs: Any) -> None:
            finished.append(kwargs)

        request_finished.connect(note)
        try:
            status, body = wsgi_get("/healthz")
        finally:
            request_finished.disconnect(note)
        assert status.startswith("200")
        assert isinstance(body, list)
        assert b"".join(body) == b"ok"
        assert finished, "Django's end-of-request work ran"

    def test_a_static_file_is_streamed_to_the_server_untouched(self) -> None:
        status, body = wsgi_get("/static/tautoko/site.css")
        try:
            assert status.startswith("200")
            assert not isinstance(body, list)
            assert b"".join(body)
        finally:
            getattr(body, "close", lambda: None)()
