from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tautoko.moderation.models import RejectionReason


class RejectForm(forms.Form):
    reason = forms.ModelChoiceField(
        label=_("Reason"),
        queryset=RejectionReason.objects.none(),
        to_field_name="code",
        empty_label=_("Choose a reason"),
    )
    note = forms.CharField(
        label=_("More about it (public, and emailed to the organiser)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = RejectionReason.objects.active()  # type: ignore[attr-defined]


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is hidden (kept on the timeline)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RestoreForm(forms.Form):
    reason = forms.CharField(label=_("Why it is restored"), required=False, max_length=500)
