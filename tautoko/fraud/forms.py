from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tautoko.fraud.services import Criteria
from tautoko.petitions.models import Petition

ERROR_NO_CRITERION = _(
    "Say which signatures: an IP hash, a domain, an address, an electorate or a time range."
)
ERROR_REASON_REQUIRED = _("Say why: the reason is kept with the record.")
ERROR_RANGE = _("The end of the time range must come after its start.")


class UTCDateTimeField(forms.DateTimeField):
    """A date and time read as UTC, as its label says, not in the site's time zone."""

    def to_python(self, value: Any) -> dt.datetime | None:
        with timezone.override(dt.UTC):
            return super().to_python(value)


class InvalidationForm(forms.Form):
    petition = forms.ModelChoiceField(
        label=_("Petition (empty: every petition)"),
        queryset=Petition.objects.all().order_by("slug"),
        to_field_name="slug",
        required=False,
    )
    ip_hash = forms.CharField(label=_("IP hash"), required=False, max_length=16)
    domain = forms.CharField(label=_("Email domain"), required=False, max_length=254)
    email = forms.EmailField(label=_("Email address"), required=False, max_length=254)
    electorate = forms.CharField(label=_("Electorate"), required=False, max_length=64)
    created_from = UTCDateTimeField(label=_("Signed from (UTC)"), required=False)
    created_to = UTCDateTimeField(label=_("Signed before (UTC)"), required=False)
    reason = forms.CharField(
        label=_("Why"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": ERROR_REASON_REQUIRED},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and end <= start:
            self.add_error("created_to", ERROR_RANGE)
        if not self.errors and self.criteria().is_empty():
            raise forms.ValidationError(ERROR_NO_CRITERION)
        return cleaned

    def criteria(self) -> Criteria:
        data = self.cleaned_data
        return Criteria(
            petition=data.get("petition"),
            ip_hash=data.get("ip_hash") or "",
            domain=data.get("domain") or "",
            email=data.get("email") or "",
            electorate=data.get("electorate") or "",
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
        )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why cancel"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
