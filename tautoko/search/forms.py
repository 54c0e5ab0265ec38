from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tautoko.petitions.forms import electorate_names
from tautoko.petitions.models import DecisionMaker
from tautoko.search.services import SORT_CHOICES, STATE_CHOICES


class SearchForm(forms.Form):
    """The search page's form. Every field is optional; unknown values are errors."""

    q = forms.CharField(label=_("Search petitions"), required=False, max_length=200)
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Any")), *STATE_CHOICES]
    )
    to = forms.ChoiceField(label=_("Addressed to"), required=False)
    electorate = forms.ChoiceField(label=_("Popular in my electorate"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=[("", _("Default")), *SORT_CHOICES]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [("", _("Anyone"))] + [  # type: ignore[attr-defined]
            (slug, name)
            for slug, name in DecisionMaker.objects.listed().values_list("slug", "name")
        ]
        self.fields["electorate"].choices = [("", _("Any electorate"))] + [  # type: ignore[attr-defined]
            (name, name) for name in electorate_names()
        ]
