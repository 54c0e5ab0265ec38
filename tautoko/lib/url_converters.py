"""``<code:…>`` in URL patterns: the tokens, receipts and public codes that Tautoko makes
(``secrets.token_urlsafe``, URL-safe Base64 without padding).

Anything else in that place (a NUL byte, which PostgreSQL refuses in a query, a dot, a
letter with a macron) is a 404 at once, before any view or query sees it.
"""

from __future__ import annotations

from django.urls import register_converter
from django.urls.converters import StringConverter


class UrlSafeCodeConverter(StringConverter):
    regex = "[A-Za-z0-9_-]+"


register_converter(UrlSafeCodeConverter, "code")
