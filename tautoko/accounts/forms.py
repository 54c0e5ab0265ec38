from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

MESSAGE_TOKEN_WRONG = _(
    "That code is not right, or it was already used. Wait for the next code and try again."
)


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
