from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

MESSAGE_TOKEN_WRONG = _(
    "That code is not right, or it was already used. Wait for the next code and try again."
)
# After wrong codes in a row no code is tried for a while (at most 15 minutes).
MESSAGE_TOKEN_WAIT_SECONDS = ngettext_lazy(
    "Too many wrong codes in a row. Wait %(seconds)d second, then enter the code your app shows.",
    "Too many wrong codes in a row. Wait %(seconds)d seconds, then enter the code your app shows.",
    "seconds",
)
MESSAGE_TOKEN_WAIT_MINUTES = ngettext_lazy(
    "Too many wrong codes in a row. Wait %(minutes)d minute, then enter the code your app shows.",
    "Too many wrong codes in a row. Wait %(minutes)d minutes, then enter the code your app shows.",
    "minutes",
)


def message_token_wait(seconds: int) -> str:
    """The wait before the next code may be tried, in seconds under two minutes, else in
    minutes rounded up (never a wait shorter than the real one)."""
    if seconds < 120:
        return str(MESSAGE_TOKEN_WAIT_SECONDS % {"seconds": seconds})
    return str(MESSAGE_TOKEN_WAIT_MINUTES % {"minutes": -(-seconds // 60)})


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split())
