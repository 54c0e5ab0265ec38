from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from tautoko.petitions.models import Petition


class ResponseForm(forms.Form):
    body = forms.CharField(
        label=_("The official response (Markdown; public, and emailed to signers who opted in)"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 10}),
    )


# How far ahead a debate may be set: a parliament's term or two, not a typing slip.
DEBATE_YEARS_AHEAD = 5
ERROR_DEBATE_BEFORE_PETITION = _("A debate cannot come before the petition opened (%(date)s).")
ERROR_DEBATE_TOO_FAR = _("Choose a date within %(years)s years.")


class DebateScheduleForm(forms.Form):
    scheduled_for = forms.DateField(
        label=_("Debate date"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, petition: Petition | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.petition = petition

    def clean_scheduled_for(self) -> dt.date:
        day: dt.date = self.cleaned_data["scheduled_for"]
        if self.petition is not None:
            opened = self.petition.opened_at or self.petition.created_at
            earliest = timezone.localdate(opened)
            if day < earliest:
                raise forms.ValidationError(
                    ERROR_DEBATE_BEFORE_PETITION, params={"date": date_format(earliest)}
                )
        today = timezone.localdate()
        if day > today.replace(year=today.year + DEBATE_YEARS_AHEAD, day=min(today.day, 28)):
            raise forms.ValidationError(ERROR_DEBATE_TOO_FAR, params={"years": DEBATE_YEARS_AHEAD})
        return day


class DebateOutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome of the debate (public, and emailed to signers who opted in)"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
