from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from tautoko.fraud.checks import email_is_disposable, sign_check
from tautoko.lib.electorates import electorates_read
from tautoko.lib.email_address import email_canonical
from tautoko.petitions.models import Signature

ERROR_NAME_REQUIRED = _("Enter your name.")
ERROR_NAME_LETTERS = _("Enter your name using letters.")
ERROR_NAME_FORMULA = _("A name cannot start with =, +, - or @.")
ERROR_EMAIL_REQUIRED = _("Enter your email address: we send a link to confirm your signature.")
ERROR_EMAIL_INVALID = _("Enter a valid email address, like name@example.com.")
# As the columns (Signature.email and email_canonical): the longest address SMTP carries.
EMAIL_MAX_LENGTH = 254
ERROR_ELECTORATE_REQUIRED = _("Choose your electorate, or choose the country you live in.")
ERROR_COUNTRY_REQUIRED = _("Choose the country you live in.")
ERROR_CONSENT_REQUIRED = _("Tick the box to agree that we record your signature.")
ERROR_EMAIL_DISPOSABLE = _(
    "This address is from a disposable email service. Use an address you will keep: we "
    "send your confirmation link to it, and later news of the petition if you ask."
)

_SOURCE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class FixedChoiceField(forms.ChoiceField):
    """A choice field over a long list that is the same for every form (countries,
    electorates): the list is built once per language and shared, not copied into every
    form, and a value is checked against a set rather than by walking the list."""

    def __init__(self, *, choices: Any, valid_values: Any, **kwargs: Any) -> None:
        super().__init__(choices=choices, **kwargs)
        self._valid_values = valid_values

    def __deepcopy__(self, memo: dict[int, Any]) -> FixedChoiceField:
        result: FixedChoiceField = forms.Field.__deepcopy__(self, memo)
        result._choices = self._choices  # type: ignore[attr-defined]
        return result

    def valid_value(self, value: Any) -> bool:
        return str(value) in self._valid_values()


@functools.cache
def _country_choices(language: str) -> tuple[tuple[str, str], ...]:
    with translation.override(language):
        return tuple((str(code), str(name)) for code, name in countries)


def country_choices() -> tuple[tuple[str, str], ...]:
    return _country_choices(translation.get_language() or settings.LANGUAGE_CODE)


@functools.cache
def country_codes() -> frozenset[str]:
    return frozenset(code for code, _ in _country_choices(settings.LANGUAGE_CODE))


def electorate_choices() -> list[tuple[str, str]]:
    return [("", str(_("Choose your electorate")))] + [(name, name) for name in electorate_names()]


@functools.cache
def electorate_set() -> frozenset[str]:
    return frozenset(electorate_names())


@functools.cache
def electorate_names() -> tuple[str, ...]:
    return electorates_read(Path(settings.TAUTOKO["ELECTORATES_FILE"]))


# Sources the site sets itself, which no share link may claim.
RESERVED_SOURCES = frozenset({Signature.SOURCE_SPONSOR})


def source_clean(value: str) -> str:
    """A share link's source code, or "" for anything that is not one."""
    value = (value or "").strip().lower()
    return value if _SOURCE.fullmatch(value) and value not in RESERVED_SOURCES else ""


class SignForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        error_messages={"required": ERROR_NAME_REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=EMAIL_MAX_LENGTH,
        error_messages={"required": ERROR_EMAIL_REQUIRED, "invalid": ERROR_EMAIL_INVALID},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    electorate = FixedChoiceField(
        label=_("Electorate"),
        required=False,
        choices=electorate_choices,
        valid_values=electorate_set,
    )
    country = FixedChoiceField(
        label=_("Country"),
        choices=country_choices,
        valid_values=country_codes,
        error_messages={"required": ERROR_COUNTRY_REQUIRED},
    )
    notify = forms.BooleanField(label=_("Keep me updated about this petition"), required=False)
    consent = forms.BooleanField(
        label=_(
            "I agree that Tautoko records my signature. A signature shows a political opinion: "
            "only my name, electorate and country are ever shown to the decision maker."
        ),
        error_messages={"required": ERROR_CONSENT_REQUIRED},
    )
    source = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    # The proof-of-work challenge, solved by static/tautoko/pow.js (tautoko/fraud/pow.py).
    pow = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    # A honeypot: hidden from people (CSS, aria-hidden, no tab stop); bots fill it in.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        canonical = email_canonical(email)
        # Lower-casing can lengthen an address ("İ" becomes two characters): one whose
        # canonical form does not fit the column is no deliverable address either.
        if len(canonical) > EMAIL_MAX_LENGTH:
            raise forms.ValidationError(ERROR_EMAIL_INVALID)
        if email_is_disposable(canonical):
            raise forms.ValidationError(ERROR_EMAIL_DISPOSABLE)
        return email

    def clean_name(self) -> str:
        name = " ".join(_CONTROL.sub(" ", self.cleaned_data["name"]).split())
        if not _HAS_LETTER.search(name):
            raise forms.ValidationError(ERROR_NAME_LETTERS)
        # Spreadsheet programs run a cell starting with these as a formula.
        if name[0] in "=+-@":
            raise forms.ValidationError(ERROR_NAME_FORMULA)
        return name

    def clean_source(self) -> str:
        return source_clean(self.cleaned_data.get("source", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        country = cleaned.get("country")
        if (
            country == settings.TAUTOKO["DEFAULT_COUNTRY"]
            and electorate_names()
            and not cleaned.get("electorate")
        ):
            self.add_error("electorate", ERROR_ELECTORATE_REQUIRED)
        return cleaned

    def signer_checked(self, request: HttpRequest, *, petition_id: int) -> dict[str, Any]:
        """What a signing service takes from this valid form: the signer's fields, and what
        the sign path's cheap fraud checks found (tautoko/fraud/checks.py: a failure flags,
        never refuses, and the signer's answer is the same either way)."""
        data = self.cleaned_data
        check = sign_check(
            request,
            petition_id=petition_id,
            email_canonical=email_canonical(data["email"]),
            pow_value=data["pow"],
            honeypot=data["website"],
        )
        return {
            "name": data["name"],
            "email": data["email"],
            "electorate": data["electorate"],
            "country": data["country"],
            "notify": data["notify"],
            "ip_hash": check.ip_hash,
            "flags": check.flags,
            "rate_limits": check.rate_limits,
        }


# Django deep-copies a form's fields (and their widgets, validators and messages) for every
# form it makes, so that a view may change one form's fields without touching the next. No
# view changes the sign form's fields, and it is made for every signature: under a surge the
# copying was a tenth of the sign POST. Its fields are stateless (what a form has read or
# found lives on the form and its bound fields), so every form shares them.
class _SharedFields(dict[str, forms.Field]):
    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return dict(self)


SignForm.base_fields = _SharedFields(SignForm.base_fields)


class ResendForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address you signed with"),
        max_length=254,
        error_messages={"required": ERROR_EMAIL_REQUIRED, "invalid": ERROR_EMAIL_INVALID},
    )
