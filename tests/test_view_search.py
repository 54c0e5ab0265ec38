"""/search: free text, filters, sorting, pagination, and the search box on every page."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from tautoko.petitions.models import Petition, Signature, Tally
from tautoko.responses.models import Debate, OfficialResponse, ThresholdCrossing
from tests.base import TautokoTestCase, tautoko_settings
from tests.test_search_fts import HOSTILE_QUERIES


class SearchPageTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.url = reverse("search:search")
        self.minister = self.make_decision_maker(slug="minister-of-health", name="Health")
        self.lunches = self.make_petition(title="Free school lunches", decision_maker=self.minister)
        self.closed = self.make_petition(title="Old school buses", state=Petition.State.CLOSED)
        self.rejected = self.make_petition(title="School widgets", state=Petition.State.REJECTED)
        self.hidden = self.make_petition(title="Hidden school thing", state=Petition.State.HIDDEN)

    def titles(self, **params: str) -> list[str]:
        response = self.client.get(self.url, params)
        assert response.status_code == 200
        return [p.title for p in response.context["petitions"]]

    def tally(self, petition: Petition, dimension: str, key: str, count: int) -> None:
        Tally.objects.create(petition=petition, dimension=dimension, key=key, count=count)

    def test_it_finds_public_petitions_by_their_words(self) -> None:
        assert sorted(self.titles(q="school")) == [
            "Free school lunches",
            "Old school buses",
            "School widgets",
        ]

    def test_it_filters_by_state(self) -> None:
        assert self.titles(q="school", state="open") == ["Free school lunches"]
        assert self.titles(q="school", state="closed") == ["Old school buses"]
        assert self.titles(state="rejected") == ["School widgets"]

    def test_it_filters_by_response_and_debate(self) -> None:
        ThresholdCrossing.objects.create(petition=self.lunches, threshold="response", signatures=1)
        ThresholdCrossing.objects.create(petition=self.closed, threshold="response", signatures=1)
        OfficialResponse.objects.create(petition=self.closed, body="Yes.")
        Debate.objects.create(
            petition=self.closed,
            scheduled_for=dt.date(2026, 1, 1),
            outcome="Agreed.",
            debated_at=timezone.now(),
        )
        assert self.titles(state="awaiting") == ["Free school lunches"]
        assert self.titles(state="responded") == ["Old school buses"]
        assert self.titles(state="debated") == ["Old school buses"]

    def test_it_filters_by_decision_maker(self) -> None:
        assert self.titles(to="minister-of-health") == ["Free school lunches"]

    def test_popular_in_my_electorate_orders_by_local_signatures(self) -> None:
        self.tally(self.lunches, Tally.Dimension.ELECTORATE, "Wellington Central", 5)
        self.tally(self.closed, Tally.Dimension.ELECTORATE, "Wellington Central", 9)
        self.tally(self.closed, Tally.Dimension.TOTAL, "", 9)
        self.tally(self.rejected, Tally.Dimension.ELECTORATE, "Dunedin", 50)
        response = self.client.get(self.url, {"electorate": "Wellington Central"})
        assert [p.title for p in response.context["petitions"]] == [
            "Old school buses",
            "Free school lunches",
        ]
        assert "9 in Wellington Central" in response.content.decode()

    def test_it_sorts_by_signatures_newest_and_trending(self) -> None:
        now = timezone.now()
        self.tally(self.closed, Tally.Dimension.TOTAL, "", 500)
        self.tally(self.lunches, Tally.Dimension.TOTAL, "", 50)
        hour = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H")
        old_hour = (now - dt.timedelta(days=3)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H")
        self.tally(self.lunches, Tally.Dimension.HOUR, hour, 50)
        self.tally(self.closed, Tally.Dimension.HOUR, old_hour, 500)
        Petition.objects.filter(id=self.lunches.id).update(opened_at=now)
        Petition.objects.filter(id=self.closed.id).update(opened_at=now - dt.timedelta(days=9))

        assert self.titles(q="school", sort="signatures")[:2] == [
            "Old school buses",
            "Free school lunches",
        ]
        assert self.titles(q="school", sort="trending")[0] == "Free school lunches"
        assert self.titles(q="school", sort="newest")[:2] == [
            "Free school lunches",
            "Old school buses",
        ]

    def test_it_paginates(self) -> None:
        for n in range(5):
            self.make_petition(title=f"Paged petition {n}")
        with tautoko_settings(SEARCH_PAGE_SIZE=2):
            first = self.client.get(self.url, {"q": "paged"})
            third = self.client.get(self.url, {"q": "paged", "page": "3"})
            beyond = self.client.get(self.url, {"q": "paged", "page": "99"})
            junk = self.client.get(self.url, {"q": "paged", "page": "x"})
        assert len(first.context["petitions"]) == 2
        assert 'href="?q=paged&amp;page=2"' in first.content.decode()
        assert len(third.context["petitions"]) == 1
        assert beyond.context["page"].number == 3
        assert junk.context["page"].number == 1

    def test_unknown_filter_values_are_a_400(self) -> None:
        for params in ({"state": "nonsense"}, {"sort": "x"}, {"to": "nobody"}, {"q": "x" * 201}):
            assert self.client.get(self.url, params).status_code == 400

    def test_hostile_queries_are_answered_and_escaped(self) -> None:
        for text in HOSTILE_QUERIES:
            if len(text) > 200:
                continue
            response = self.client.get(self.url, {"q": text})
            # Django's form fields refuse NUL characters outright.
            assert response.status_code == (400 if "\x00" in text else 200), text
            assert b"<script>alert(1)</script>" not in response.content

    def test_a_query_in_the_title_and_form_is_escaped(self) -> None:
        html = self.client.get(self.url, {"q": '"><script>alert(1)</script>'}).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    def test_it_refuses_post(self) -> None:
        assert self.client.post(self.url, {"q": "school"}).status_code == 405

    def test_counts_come_from_confirmed_signatures(self) -> None:
        self.make_signature(self.lunches, state=Signature.State.CONFIRMED)
        self.make_signature(self.lunches)
        self.work_run()
        response = self.client.get(self.url, {"q": "lunches"})
        assert response.context["petitions"][0].count == 1

    def test_the_lists_of_petitions_are_linked(self) -> None:
        html = self.client.get(self.url).content.decode()
        for state in ("open", "closed", "responded", "rejected"):
            assert f'href="?state={state}"' in html


class SearchBoxTests(TautokoTestCase):
    def test_every_page_has_a_search_box_that_never_echoes_a_query(self) -> None:
        petition = self.make_petition()
        for url in (reverse("petitions:home"), reverse("petitions:detail", args=[petition.slug])):
            html = self.client.get(url, {"q": "secret-words"}).content.decode()
            assert 'action="/search"' in html and 'name="q"' in html
            assert "secret-words" not in html
