from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ResponseForm(forms.Form):
    body = forms.CharField(
        label=_("The official response (Markdown; public, and emailed to signers who opted in)"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 10}),
    )


class DebateScheduleForm(forms.Form):
    scheduled_for = forms.DateField(
        label=_("Debate date"), widget=forms.DateInput(attrs={"type": "date"})
    )


class DebateOutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome of the debate (public, and emailed to signers who opted in)"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
