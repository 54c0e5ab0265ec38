from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tautoko.lib.email_address import email_canonical
from tautoko.petitions.forms import EMAIL_MAX_LENGTH, ERROR_EMAIL_INVALID

ERROR_MANAGE_EMAIL_REQUIRED = _("Enter the email address you signed with.")
ERROR_ERASE_CONFIRM_REQUIRED = _("Tick the box to confirm that you want your data erased.")


class ManageLinkRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address you signed with"),
        max_length=254,
        error_messages={"required": ERROR_MANAGE_EMAIL_REQUIRED, "invalid": ERROR_EMAIL_INVALID},
    )

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        # As on the sign form: a canonical form longer than the column is no address.
        if len(email_canonical(email)) > EMAIL_MAX_LENGTH:
            raise forms.ValidationError(ERROR_EMAIL_INVALID)
        return email


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand: my signatures are withdrawn and my name and email address are "
            "erased. This cannot be undone."
        ),
        error_messages={"required": ERROR_ERASE_CONFIRM_REQUIRED},
    )
