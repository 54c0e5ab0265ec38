"""Keep the secrets of emailed links, and email addresses, out of the logs.

A link's token is its whole secret, and it sits in the URL path (``/<slug>/confirm/<token>``,
``/my-signatures/<token>``), which Django writes into the log line of any request that
fails ("Internal Server Error: /petition/confirm/…"). This filter, on every log handler,
replaces each run of 40 or more URL-safe Base64 characters (a 256-bit token is 43) with
``[redacted]`` before the record is written anywhere.
"""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"[A-Za-z0-9_-]{40,}")
REDACTED = "[redacted]"
# An email address: a signer's is personal data (their political opinion, with the petition
# beside it), and no erasure reaches a log. An SMTP server that refuses a recipient names it
# in the error the worker logs.
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
EMAIL_REDACTED = "[email]"


def secrets_redact(text: str) -> str:
    return _EMAIL.sub(EMAIL_REDACTED, _TOKEN.sub(REDACTED, text))


class SecretRedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = secrets_redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
