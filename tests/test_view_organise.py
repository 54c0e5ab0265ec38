"""Organiser pages: start a petition, preview it, edit it, submit it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, include, path, re_path, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone

from tautoko.organise.forms import (
    MESSAGE_SLUG_RESERVED,
    MESSAGE_SLUG_TAKEN,
    closes_on_default,
    closes_on_latest,
)
from tautoko.organise.slugs import (
    RESERVED_SLUGS,
    SLUG_MAX_LENGTH,
    decision_maker_slug_suggest,
    slug_suggest,
)
from tautoko.petitions.models import DecisionMaker, Petition, TimelineEvent
from tests.base import TautokoTestCase


class OrganiseTestCase(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.minister = self.make_decision_maker(slug="minister-of-education")

    def valid(self, **changes: str) -> dict[str, str]:
        data = {
            "title": "Free lunches in every school",
            "summary": "Fund a free, healthy lunch for every pupil.",
            "statement": "Hungry children **cannot** learn.",
            "decision_maker": self.minister.slug,
            "goal": "500",
            "closes_on": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
            "slug": "",
        }
        return data | changes


class AccessTests(OrganiseTestCase):
    def test_anonymous_visitors_are_sent_to_log_in(self) -> None:
        petition = self.make_petition(state=Petition.State.DRAFT)
        for url in (
            reverse("organise:dashboard"),
            reverse("organise:new"),
            reverse("organise:preview", args=[petition.slug]),
            reverse("organise:edit", args=[petition.slug]),
        ):
            response = self.client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        response = self.client.post(reverse("organise:submit", args=[petition.slug]))
        assert response.status_code == 302
        petition.refresh_from_db()
        assert petition.state == Petition.State.DRAFT

    def test_someone_elses_petition_is_a_404(self) -> None:
        petition = self.make_petition(state=Petition.State.DRAFT)  # the organiser's
        self.client.force_login(self.visitor)
        for name in ("preview", "edit"):
            url = reverse(f"organise:{name}", args=[petition.slug])
            assert self.client.get(url).status_code == 404
        assert (
            self.client.post(reverse("organise:edit", args=[petition.slug]), self.valid())
        ).status_code == 404
        assert (
            self.client.post(reverse("organise:submit", args=[petition.slug]))
        ).status_code == 404
        petition.refresh_from_db()
        assert petition.state == Petition.State.DRAFT
        assert petition.title.startswith("Petition number")
        assert petition.title not in self.client.get(reverse("organise:dashboard")).content.decode()

    def test_submit_refuses_get(self) -> None:
        petition = self.make_petition(state=Petition.State.DRAFT)
        self.client.force_login(self.organiser)
        assert self.client.get(reverse("organise:submit", args=[petition.slug])).status_code == 405


class CreateTests(OrganiseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.organiser)

    def test_the_form_offers_the_default_closing_date(self) -> None:
        response = self.client.get(reverse("organise:new"))
        assert response.status_code == 200
        assert response.context["form"].initial["closes_on"] == closes_on_default()

    def test_it_saves_a_draft_with_a_slug_from_the_title(self) -> None:
        response = self.client.post(reverse("organise:new"), self.valid())
        petition = Petition.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("organise:preview", args=[petition.slug])
        assert petition.slug == "free-lunches-in-every-school"
        assert petition.state == Petition.State.DRAFT
        assert petition.organiser == self.organiser
        assert petition.decision_maker == self.minister
        assert petition.goal == 500
        assert list(petition.events.values_list("kind", flat=True)) == [TimelineEvent.Kind.CREATED]
        # A draft is private.
        self.client.logout()
        assert self.client.get(reverse("petitions:detail", args=[petition.slug])).status_code == 404

    def test_it_takes_the_organisers_own_slug(self) -> None:
        self.client.post(reverse("organise:new"), self.valid(slug="kai-for-kids"))
        assert Petition.objects.get().slug == "kai-for-kids"

    def test_it_refuses_reserved_and_taken_slugs(self) -> None:
        self.make_petition(slug="taken")
        for slug, message in (
            ("admin", MESSAGE_SLUG_RESERVED),
            ("organise", MESSAGE_SLUG_RESERVED),
            ("taken", MESSAGE_SLUG_TAKEN),
        ):
            response = self.client.post(reverse("organise:new"), self.valid(slug=slug))
            assert response.status_code == 400
            assert str(message) in response.context["form"].errors["slug"]
        assert Petition.objects.count() == 1

    def test_it_refuses_texts_over_their_limits(self) -> None:
        for field, length in (("title", 81), ("summary", 301), ("statement", 1501)):
            response = self.client.post(
                reverse("organise:new"), self.valid(**{field: "x" * length})
            )
            assert response.status_code == 400
            assert field in response.context["form"].errors
        assert not Petition.objects.exists()

    def test_it_accepts_texts_at_their_limits(self) -> None:
        response = self.client.post(
            reverse("organise:new"),
            self.valid(title="t" * 80, summary="s" * 300, statement="w" * 1500),
        )
        assert response.status_code == 302

    def test_it_refuses_closing_dates_in_the_past_or_over_twelve_months_away(self) -> None:
        today = timezone.localdate()
        for closes_on in (today, closes_on_latest() + dt.timedelta(days=1)):
            response = self.client.post(
                reverse("organise:new"), self.valid(closes_on=closes_on.isoformat())
            )
            assert response.status_code == 400
            assert "closes_on" in response.context["form"].errors
        response = self.client.post(
            reverse("organise:new"), self.valid(closes_on=closes_on_latest().isoformat())
        )
        assert response.status_code == 302

    def test_it_refuses_a_decision_maker_not_on_the_list_and_a_goal_below_one(self) -> None:
        for changes in ({"decision_maker": "someone-else"}, {"goal": "0"}, {"title": ""}):
            response = self.client.post(reverse("organise:new"), self.valid(**changes))
            assert response.status_code == 400
        assert not Petition.objects.exists()


# A first path segment that is a word and nothing else: no converter, no regex syntax.
LITERAL_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")


def _pattern_text(pattern: URLPattern | URLResolver) -> str:
    """The start of the path a pattern matches, as text; a regex's anchor dropped."""
    if isinstance(pattern.pattern, RoutePattern):
        return str(pattern.pattern)
    if isinstance(pattern.pattern, RegexPattern):
        return str(pattern.pattern).removeprefix("^")
    # Another kind (a language prefix): never a word a petition could take.
    return "<>"


def first_path_segments(
    patterns: Iterable[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[str]:
    """Every literal first path segment the URL configuration routes, includes walked into.

    An include's prefix without a "/" (``""`` most often) does not end the first segment,
    so its own patterns are walked with the prefix before them.
    """
    for pattern in patterns:
        text = prefix + _pattern_text(pattern)
        if isinstance(pattern, URLResolver) and "/" not in text:
            yield from first_path_segments(pattern.url_patterns, text)
            continue
        segment = text.split("/", 1)[0]
        if LITERAL_SEGMENT.fullmatch(segment):
            yield segment


class ReservedSlugsTests(OrganiseTestCase):
    def test_every_first_path_segment_of_the_site_is_reserved(self) -> None:
        segments = set(first_path_segments(get_resolver().url_patterns))
        # The walk reaches into the includes mounted at "" too, not only the root's own.
        assert {"healthz", "organise", "search", "my-signatures", "staff", "api"} <= segments
        assert segments - RESERVED_SLUGS == set()

    def test_the_walk_finds_segments_behind_empty_and_partial_prefixes(self) -> None:
        def view(request: HttpRequest) -> HttpResponse:
            return HttpResponse()

        patterns = [
            path("", view),
            path("<slug:slug>", view),
            path("", include([path("privacy", view), path("<slug:slug>/sign", view)])),
            path("dev", include([path("-tools/", view)])),
            re_path(r"^static/(?P<path>.*)$", view),
            re_path(r"^(?P<slug>[-\w]+)/history$", view),
        ]
        assert sorted(first_path_segments(patterns)) == ["dev-tools", "privacy", "static"]

    def test_a_reserved_word_is_refused_as_a_slug(self) -> None:
        self.client.force_login(self.organiser)
        for slug in ("my-signatures", "staff", "fraud"):
            response = self.client.post(reverse("organise:new"), self.valid(slug=slug))
            assert response.status_code == 400
            assert str(MESSAGE_SLUG_RESERVED) in response.context["form"].errors["slug"]
        assert not Petition.objects.exists()


class SlugSuggestTests(OrganiseTestCase):
    def test_it_adds_a_number_when_the_title_slug_is_taken(self) -> None:
        self.make_petition(slug="save-the-kaka")
        assert slug_suggest("Save the kākā!") == "save-the-kaka-2"

    def test_a_long_title_gets_a_free_slug_however_often_it_is_used(self) -> None:
        title = "Restore the night bus service between Petone and Wellington central city now"
        slugs = []
        for _ in range(4):
            slug = slug_suggest(title)
            self.make_petition(slug=slug, title=title)
            slugs.append(slug)
        assert len(set(slugs)) == 4
        assert all(len(slug) <= SLUG_MAX_LENGTH for slug in slugs)
        assert slugs[1:] == [
            "restore-the-night-bus-service-between-petone-and-wellingto-2",
            "restore-the-night-bus-service-between-petone-and-wellingto-3",
            "restore-the-night-bus-service-between-petone-and-wellingto-4",
        ]

    def test_a_long_proposed_decision_makers_name_gets_a_free_slug_too(self) -> None:
        name = "Minister for Greater Wellington Regional Transport Infrastructure and Planning"
        slugs = []
        for _ in range(3):
            slug = decision_maker_slug_suggest(name)
            DecisionMaker.objects.create(slug=slug, name=name)
            slugs.append(slug)
        assert len(set(slugs)) == 3

    def test_it_never_suggests_a_reserved_word(self) -> None:
        assert slug_suggest("Admin") not in RESERVED_SLUGS
        assert slug_suggest("My signatures") == "my-signatures-petition"
        assert slug_suggest("!!!") == "our-petition"


class EditPreviewSubmitTests(OrganiseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.organiser)
        self.client.post(reverse("organise:new"), self.valid())
        self.petition = Petition.objects.get()

    def test_the_preview_renders_the_markdown_and_offers_submit(self) -> None:
        response = self.client.get(reverse("organise:preview", args=[self.petition.slug]))
        html = response.content.decode()
        assert response.status_code == 200
        assert "<strong>cannot</strong>" in html
        assert "Submit for moderation" in html

    def test_editing_a_draft_changes_it_and_its_slug(self) -> None:
        response = self.client.post(
            reverse("organise:edit", args=[self.petition.slug]),
            self.valid(title="Kai for every kid", slug="kai"),
        )
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert (self.petition.title, self.petition.slug) == ("Kai for every kid", "kai")

    def test_editing_keeps_its_own_slug_without_calling_it_taken(self) -> None:
        response = self.client.post(
            reverse("organise:edit", args=[self.petition.slug]),
            self.valid(slug=self.petition.slug),
        )
        assert response.status_code == 302

    def test_an_invalid_edit_changes_nothing(self) -> None:
        response = self.client.post(
            reverse("organise:edit", args=[self.petition.slug]), self.valid(title="")
        )
        assert response.status_code == 400
        self.petition.refresh_from_db()
        assert self.petition.title == "Free lunches in every school"

    def test_submitting_sends_it_to_the_queue_once(self) -> None:
        url = reverse("organise:submit", args=[self.petition.slug])
        response = self.client.post(url)
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.PENDING
        event = self.petition.events.get(kind=TimelineEvent.Kind.SUBMITTED)
        assert event.actor == self.organiser
        # A second submit, and edits, are refused: moderators review what was sent.
        self.client.post(url)
        assert self.petition.events.filter(kind=TimelineEvent.Kind.SUBMITTED).count() == 1
        response = self.client.post(
            reverse("organise:edit", args=[self.petition.slug]), self.valid(title="Changed")
        )
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert self.petition.title == "Free lunches in every school"

    def test_the_dashboard_lists_only_the_organisers_petitions(self) -> None:
        self.make_petition(organiser=self.visitor, title="Visitor's own")
        html = self.client.get(reverse("organise:dashboard")).content.decode()
        assert "Free lunches in every school" in html
        assert "Visitor&#x27;s own" not in html and "Visitor's own" not in html


def test_decision_makers_are_a_managed_list() -> None:
    assert DecisionMaker._meta.get_field("slug").unique
