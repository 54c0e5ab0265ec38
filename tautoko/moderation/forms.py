from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tautoko.moderation.models import NOTE_MAX_LENGTH, RejectionReason
from tautoko.petitions.models import DecisionMaker, Petition

MESSAGE_PROPOSAL_UNANSWERED = _(
    "The organiser proposed a decision maker: accept the proposal, or choose who on the list "
    "the petition is addressed to."
)
MESSAGE_MATCH_MISSING = _("Choose the listed decision maker the petition is addressed to.")


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


class ApproveForm(forms.Form):
    """Approving needs no input, unless the organiser proposed a decision maker: then the
    moderator accepts the proposal or matches the petition to a listed decision maker."""

    ACCEPT = "accept"
    MATCH = "match"

    proposal = forms.ChoiceField(
        label=_("The proposed decision maker"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            (ACCEPT, _("Accept it: add it to the list as proposed")),
            (MATCH, _("It is already on the list as:")),
        ],
    )
    match_to = forms.ModelChoiceField(
        label=_("Listed decision maker"),
        queryset=DecisionMaker.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("Choose the decision maker"),
    )

    def __init__(self, *args: Any, petition: Petition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_proposal = not petition.decision_maker.is_listed
        self.fields["match_to"].queryset = DecisionMaker.objects.listed()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.has_proposal:
            return {"proposal_accept": False, "match_to": None}
        choice = data.get("proposal")
        if choice == self.ACCEPT:
            return {"proposal_accept": True, "match_to": None}
        if choice == self.MATCH:
            if data.get("match_to") is None:
                if "match_to" not in self.errors:
                    self.add_error("match_to", MESSAGE_MATCH_MISSING)
                return data
            return {"proposal_accept": False, "match_to": data["match_to"]}
        if "proposal" not in self.errors:
            self.add_error("proposal", MESSAGE_PROPOSAL_UNANSWERED)
        return data


class SecondOpinionAskForm(forms.Form):
    note = forms.CharField(
        label=_("What should another moderator look at? (moderators only)"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the reject form beside it has a "note" field too.
        kwargs.setdefault("auto_id", "second_opinion_%s")
        super().__init__(*args, **kwargs)


class SecondOpinionGiveForm(forms.Form):
    opinion = forms.CharField(
        label=_("Your opinion (moderators only)"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "second_opinion_%s")
        super().__init__(*args, **kwargs)


class QueueFilterForm(forms.Form):
    SECOND_OPINION = "second-opinion"

    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("Everything waiting")), (SECOND_OPINION, _("Second opinion wanted"))],
    )
