from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tautoko.petitions.forms import ERROR_EMAIL_INVALID

ERROR_MANAGE_EMAIL_REQUIRED = _("Enter the email address you signed with.")
ERROR_ERASE_CONFIRM_REQUIRED = _("Tick the box to confirm that you want your data erased.")


class ManageLinkRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address you signed with"),
        max_length=254,
        error_messages={"required": ERROR_MANAGE_EMAIL_REQUIRED, "invalid": ERROR_EMAIL_INVALID},
    )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand: my signatures are withdrawn and my name and email address are "
            "erased. This cannot be undone."
        ),
        error_messages={"required": ERROR_ERASE_CONFIRM_REQUIRED},
    )
