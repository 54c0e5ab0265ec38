from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from tautoko.petitions.models import Petition, Signature
from tests.base import TautokoTestCase


class HomeTests(TautokoTestCase):
    url = reverse("petitions:home")

    def page(self) -> str:
        response = self.client.get(self.url)
        assert response.status_code == 200
        return response.content.decode()

    def confirm_many(self, petition: Petition, count: int, *, at: dt.datetime) -> None:
        for _ in range(count):
            self.make_signature(petition, state=Signature.State.CONFIRMED, confirmed_at=at)

    def test_it_lists_the_open_petitions_with_their_counts(self) -> None:
        petition = self.make_petition(title="Save the kiwi")
        self.confirm_many(petition, 2, at=timezone.now())
        self.make_signature(petition)
        self.work_run()

        page = self.page()

        assert "Save the kiwi" in page
        assert reverse("petitions:detail", args=[petition.slug]) in page
        assert "<strong>2</strong> signatures" in page
        assert petition.decision_maker.name in page

    def test_it_lists_only_petitions_that_can_be_signed(self) -> None:
        self.make_petition(title="Open and listed")
        for state in (
            Petition.State.DRAFT,
            Petition.State.PENDING,
            Petition.State.CLOSED,
            Petition.State.REJECTED,
            Petition.State.HIDDEN,
        ):
            self.make_petition(state=state, title=f"Not listed: {state}")
        self.make_petition(
            title="Not listed: past its closing time",
            closes_at=timezone.now() - dt.timedelta(minutes=1),
        )

        page = self.page()

        assert "Open and listed" in page
        assert "Not listed" not in page

    def test_the_fastest_growing_petitions_come_first(self) -> None:
        now = timezone.now()
        quiet = self.make_petition(title="Quiet petition")
        big_but_old = self.make_petition(title="Big but old petition")
        growing = self.make_petition(title="Growing petition")
        self.confirm_many(big_but_old, 5, at=now - dt.timedelta(days=3))
        self.confirm_many(growing, 3, at=now - dt.timedelta(hours=1))
        self.work_run()

        page = self.page()

        positions = [page.index(p.title) for p in (growing, big_but_old, quiet)]
        assert positions == sorted(positions)
        assert "+3 in 24 hours" in page

    def test_it_says_when_nothing_is_open(self) -> None:
        self.make_petition(state=Petition.State.CLOSED)

        assert "No petitions are open right now." in self.page()

    def test_a_logged_in_visitor_sees_the_same_list(self) -> None:
        self.make_petition(title="Save the kiwi")
        self.client.force_login(self.visitor)

        assert "Save the kiwi" in self.page()

    def test_it_refuses_a_post(self) -> None:
        assert self.client.post(self.url).status_code == 405

    def test_an_unknown_address_is_the_404_page(self) -> None:
        response = self.client.get("/no-such/page/here")

        assert response.status_code == 404
        assert "Page not found" in response.content.decode()
