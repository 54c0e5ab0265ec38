from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from tautoko.organise.slugs import SLUG_MAX_LENGTH, slug_is_reserved, slug_suggest
from tautoko.petitions.models import VERSION_NOTE_MAX, DecisionMaker, Petition, months_after

TITLE_MAX = 80
SUMMARY_MAX = 300
STATEMENT_MAX = 1500
GOAL_MAX = 10_000_000
# As DecisionMaker's name and title columns.
PROPOSED_NAME_MAX = 120
PROPOSED_TITLE_MAX = 160

MESSAGE_SLUG_RESERVED = _("That address is reserved for the site's own pages. Choose another.")
MESSAGE_SLUG_TAKEN = _("Another petition already uses that address. Choose another.")
MESSAGE_CLOSES_PAST = _("The closing date must be after today.")
MESSAGE_CLOSES_TOO_LATE = _("A petition can run for at most %(months)s months.")
MESSAGE_TOO_LONG = _("At most %(limit_value)d characters, please (this has %(show_value)d).")
MESSAGE_UNKNOWN_DECISION_MAKER = _("Choose a decision maker from the list.")
MESSAGE_DECISION_MAKER_MISSING = _(
    "Choose the decision maker, or propose one below if yours is not on the list."
)
MESSAGE_DECISION_MAKER_BOTH = _("Choose a decision maker from the list or propose one, not both.")
MESSAGE_PROPOSED_NAME_MISSING = _("Give the proposed decision maker's name.")
MESSAGE_PROPOSED_TITLE_MISSING = _("Give the proposed decision maker's role or office.")
MESSAGE_PROPOSED_LISTED = _("%(name)s is already on the list: choose them above.")

# The fields of a proposed decision maker, in the order the form shows them.
PROPOSAL_FIELDS = ("proposed_name", "proposed_title", "proposed_email")


def _error(message: Any, code: str) -> forms.ValidationError:
    return forms.ValidationError(message, code=code)


def closes_on_default(*, today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    start = dt.datetime.combine(today, dt.time())
    return months_after(start, settings.TAUTOKO["PETITION_DEFAULT_MONTHS"]).date()


def closes_on_latest(*, today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    start = dt.datetime.combine(today, dt.time())
    return months_after(start, settings.TAUTOKO["PETITION_MAX_MONTHS"]).date()


def slug_field() -> forms.SlugField:
    return forms.SlugField(
        label=_("Short address"),
        max_length=SLUG_MAX_LENGTH,
        required=False,
        help_text=_("Letters, numbers and hyphens. Leave empty to make one from the title."),
    )


def slug_check(slug: str, *, petition: Petition | None) -> str:
    """A typed slug as it will be saved (lower case; empty: made from the title later), or
    a ValidationError when it is reserved or another petition's."""
    slug = slug.strip().lower()
    if not slug:
        return ""
    if slug_is_reserved(slug):
        raise forms.ValidationError(MESSAGE_SLUG_RESERVED, code="reserved")
    taken = Petition.objects.filter(slug=slug)
    if petition is not None:
        taken = taken.exclude(id=petition.id)
    if taken.exists():
        raise forms.ValidationError(MESSAGE_SLUG_TAKEN, code="taken")
    return slug


class SlugForm(forms.Form):
    """The short address alone, checked exactly as ``PetitionForm`` checks it (the live
    preview shows the address the form would give, or the form's own error)."""

    slug = slug_field()

    def __init__(self, *args: Any, petition: Petition | None = None, **kwargs: Any) -> None:
        self.petition = petition
        super().__init__(*args, **kwargs)

    def clean_slug(self) -> str:
        return slug_check(self.cleaned_data["slug"], petition=self.petition)


def petition_address(slug: str) -> str:
    """The public address of the petition with this slug."""
    return settings.SITE_URL + reverse("petitions:detail", args=[slug])


@dataclass(frozen=True)
class AddressPreview:
    """What the live preview says of the short address: the one it would be (``url``;
    ``suggested`` when made from the title), or why the typed one cannot be (``error``,
    with a free ``alternative_url`` when there is one). Neither: nothing typed yet."""

    url: str = ""
    suggested: bool = False
    error: str = ""
    alternative_url: str = ""


class PetitionTextForm(forms.Form):
    """The words of a petition, with the same limits for a draft and for an edit once open."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    summary = forms.CharField(
        label=_("What should happen"),
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or two sentences: what you ask the decision maker to do."),
    )
    statement = forms.CharField(
        label=_("Why"),
        max_length=STATEMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Up to 1,500 characters. *Emphasis*, **bold**, lists and links work."),
    )


class PetitionForm(PetitionTextForm):
    decision_maker = forms.ModelChoiceField(
        label=_("Who can make it happen"),
        queryset=DecisionMaker.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("Choose the decision maker"),
    )
    # Or, when theirs is not on the list, the organiser proposes one; a moderator checks it.
    proposed_name = forms.CharField(
        label=_("Name of the decision maker"),
        max_length=PROPOSED_NAME_MAX,
        required=False,
        help_text=_("A person, office or organisation, e.g. “Wellington City Council”."),
    )
    proposed_title = forms.CharField(
        label=_("Their role or office"), max_length=PROPOSED_TITLE_MAX, required=False
    )
    proposed_email = forms.EmailField(
        label=_("Their contact email (optional)"),
        required=False,
        help_text=_("Where the petition's milestones can be sent; only moderators see it."),
    )
    goal = forms.IntegerField(
        label=_("Signature goal"), min_value=1, max_value=GOAL_MAX, initial=100
    )
    closes_on = forms.DateField(
        label=_("Closing date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("At most 12 months away; counted from approval if that comes later."),
    )
    slug = slug_field()

    def __init__(self, *args: Any, petition: Petition | None = None, **kwargs: Any) -> None:
        self.petition = petition
        super().__init__(*args, **kwargs)
        # Only the managed list: proposals, the organiser's own included, are never offered.
        self.fields["decision_maker"].queryset = DecisionMaker.objects.listed()  # type: ignore[attr-defined]
        if not self.is_bound and petition is None:
            self.initial.setdefault("closes_on", closes_on_default())

    def fields_main(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in PROPOSAL_FIELDS]

    def fields_proposal(self) -> list[forms.BoundField]:
        return [self[name] for name in PROPOSAL_FIELDS]

    def clean(self) -> dict[str, Any]:
        """A decision maker from the list, or a proposed one (name and title), never both."""
        data = super().clean() or {}
        if any(name in self.errors for name in ("decision_maker", *PROPOSAL_FIELDS)):
            return data
        chosen = data.get("decision_maker")
        proposing = any(data.get(name) for name in PROPOSAL_FIELDS)
        if chosen is not None:
            if proposing:
                raise forms.ValidationError(MESSAGE_DECISION_MAKER_BOTH, code="both")
            return data
        if not proposing:
            self.add_error("decision_maker", _error(MESSAGE_DECISION_MAKER_MISSING, "missing"))
            return data
        name = data.get("proposed_name", "")
        if not name:
            self.add_error("proposed_name", _error(MESSAGE_PROPOSED_NAME_MISSING, "required"))
        if not data.get("proposed_title"):
            self.add_error("proposed_title", _error(MESSAGE_PROPOSED_TITLE_MISSING, "required"))
        listed = DecisionMaker.objects.listed().filter(name__iexact=name).first() if name else None
        if listed is not None:
            self.add_error(
                "proposed_name",
                forms.ValidationError(
                    MESSAGE_PROPOSED_LISTED, code="listed", params={"name": listed.name}
                ),
            )
        return data

    def clean_slug(self) -> str:
        return slug_check(self.cleaned_data["slug"], petition=self.petition)

    def clean_closes_on(self) -> dt.date:
        closes_on: dt.date = self.cleaned_data["closes_on"]
        today = timezone.localdate()
        if closes_on <= today:
            raise forms.ValidationError(MESSAGE_CLOSES_PAST, code="past")
        if closes_on > closes_on_latest(today=today):
            raise forms.ValidationError(
                MESSAGE_CLOSES_TOO_LATE,
                code="too_late",
                params={"months": settings.TAUTOKO["PETITION_MAX_MONTHS"]},
            )
        return closes_on

    @staticmethod
    def initial_for(petition: Petition) -> dict[str, Any]:
        maker = petition.decision_maker
        proposal = (
            {}
            if maker.is_listed
            else {
                "proposed_name": maker.name,
                "proposed_title": maker.title,
                "proposed_email": maker.contact_email,
            }
        )
        return {
            **proposal,
            "title": petition.title,
            "summary": petition.summary,
            "statement": petition.statement,
            "decision_maker": maker.slug if maker.is_listed else "",
            "goal": petition.goal,
            "closes_on": timezone.localtime(petition.closes_at).date()
            if petition.closes_at
            else closes_on_default(),
            "slug": petition.slug,
        }


class PetitionPreviewForm(forms.Form):
    """What the live preview reads of the petition form while it is being typed: the texts
    and the decision maker, each optional (a preview of half a petition is still useful),
    with the same limits as ``PetitionForm``."""

    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        required=False,
        error_messages={"max_length": MESSAGE_TOO_LONG},
    )
    summary = forms.CharField(
        label=_("What should happen"),
        max_length=SUMMARY_MAX,
        required=False,
        error_messages={"max_length": MESSAGE_TOO_LONG},
    )
    statement = forms.CharField(
        label=_("Why"),
        max_length=STATEMENT_MAX,
        required=False,
        error_messages={"max_length": MESSAGE_TOO_LONG},
    )
    decision_maker = forms.ModelChoiceField(
        label=_("Who can make it happen"),
        queryset=DecisionMaker.objects.none(),
        to_field_name="slug",
        required=False,
        error_messages={"invalid_choice": MESSAGE_UNKNOWN_DECISION_MAKER},
    )
    # A proposed decision maker, while the organiser types it in (see PetitionForm).
    proposed_name = forms.CharField(
        label=_("Name of the decision maker"),
        max_length=PROPOSED_NAME_MAX,
        required=False,
        error_messages={"max_length": MESSAGE_TOO_LONG},
    )
    proposed_title = forms.CharField(
        label=_("Their role or office"),
        max_length=PROPOSED_TITLE_MAX,
        required=False,
        error_messages={"max_length": MESSAGE_TOO_LONG},
    )

    # The short address as typed. Not checked here: a bad one does not hide the preview of
    # the text; address() checks it as the petition form does and says what is wrong.
    slug = forms.CharField(required=False)

    def __init__(self, *args: Any, petition: Petition | None = None, **kwargs: Any) -> None:
        self.petition = petition
        super().__init__(*args, **kwargs)
        # Only the managed list, as on the form: a proposal's name never leaks by its slug.
        self.fields["decision_maker"].queryset = DecisionMaker.objects.listed()  # type: ignore[attr-defined]

    def address(self) -> AddressPreview:
        """The short address the petition would get if saved now: the one typed, checked as
        ``PetitionForm`` checks it, else the one ``slug_suggest`` makes from the title (the
        draft being edited does not count as taking either)."""
        typed = self.cleaned_data.get("slug", "")
        title = self.cleaned_data.get("title", "")
        exclude_id = self.petition.id if self.petition is not None else None
        check = SlugForm({"slug": typed}, petition=self.petition)
        if not check.is_valid():
            # A free address close to the one typed (or, when nothing of it makes one, to the
            # title): "warm" taken gives "warm-2", the reserved "admin" "admin-petition".
            base = slugify(typed) or title
            return AddressPreview(
                error=str(check.errors["slug"][0]),
                alternative_url=petition_address(slug_suggest(base, exclude_id=exclude_id))
                if base
                else "",
            )
        if check.cleaned_data["slug"]:
            return AddressPreview(url=petition_address(check.cleaned_data["slug"]))
        if not title:
            return AddressPreview()
        return AddressPreview(
            url=petition_address(slug_suggest(title, exclude_id=exclude_id)), suggested=True
        )

    def decision_maker_shown(self) -> DecisionMaker | None:
        """The listed decision maker chosen, else the proposal being typed (unsaved)."""
        data = self.cleaned_data
        if data.get("decision_maker") is not None:
            return data["decision_maker"]
        if data.get("proposed_name"):
            return DecisionMaker(
                name=data["proposed_name"],
                title=data.get("proposed_title", ""),
                status=DecisionMaker.Status.PROPOSED,
            )
        return None


# --- Running an open petition -------------------------------------------------------------

MESSAGE_NOTHING_CHANGED = _(
    "This is the text as it stands: change the title or the text, or leave it as it is."
)


class RevisionForm(PetitionTextForm):
    """An edit of an open petition's text, with a public note saying what changed."""

    note = forms.CharField(
        label=_("What changed, and why (shown publicly)"),
        max_length=VERSION_NOTE_MAX,
        help_text=_(
            "For example: “Corrected the date of the council vote.” It is shown with the "
            "new version on the petition's timeline and history."
        ),
    )

    @staticmethod
    def initial_for(petition: Petition) -> dict[str, Any]:
        return {
            "title": petition.title,
            "summary": petition.summary,
            "statement": petition.statement,
        }


UPDATE_TITLE_MAX = 120
UPDATE_BODY_MAX = 5000
VICTORY_STORY_MAX = 2000


class GoalForm(forms.Form):
    goal = forms.IntegerField(label=_("Goal"), min_value=1, max_value=GOAL_MAX)
    ladder = forms.BooleanField(
        label=_("Raise the goal automatically when it is reached"), required=False
    )


class UpdateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=UPDATE_TITLE_MAX)
    body = forms.CharField(
        label=_("Message"),
        max_length=UPDATE_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Paragraphs, **bold**, *italics*, lists and links."),
    )


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Why close it now? (shown publicly)"), max_length=300)


class VictoryForm(forms.Form):
    story = forms.CharField(
        label=_("The story: what happened, who helped"),
        max_length=VICTORY_STORY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
