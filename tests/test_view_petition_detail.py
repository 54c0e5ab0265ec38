from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import unquote

from django.urls import reverse
from django.utils import timezone

from tautoko.petitions.models import Petition, Signature, TimelineEvent
from tautoko.petitions.views import MESSAGE_CLOSED
from tests.base import TautokoTestCase


class PetitionDetailTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(
            title="Fix the footpaths", summary="Fix every broken footpath.", goal=250
        )
        self.url = reverse("petitions:detail", args=[self.petition.slug])

    def page(self, url: str | None = None, **params: str) -> str:
        response = self.client.get(url or self.url, params)
        assert response.status_code == 200
        return response.content.decode()

    def share_urls(self, page: str) -> dict[str, str]:
        links = re.findall(r'<a class="share-(\w+)" href="([^"]+)"', page)
        return {channel: unquote(html.unescape(url)) for channel, url in links}

    # --- Success ------------------------------------------------------------------------------

    def test_it_shows_the_petition_and_its_sign_form(self) -> None:
        page = self.page()

        assert "Fix the footpaths" in page
        assert "Fix every broken footpath." in page
        assert self.petition.decision_maker.name in page
        assert "<em>matters</em>" in page  # the statement's Markdown, rendered
        assert f'action="{reverse("petitions:sign", args=[self.petition.slug])}"' in page
        assert '<option value="NZ" selected>' in page

    def test_it_shows_the_settled_count_of_confirmed_signatures_only(self) -> None:
        for _ in range(3):
            self.make_signature(self.petition, state=Signature.State.CONFIRMED)
        self.make_signature(self.petition)
        self.make_signature(self.petition, state=Signature.State.WITHDRAWN)
        self.work_run()

        page = self.page()

        assert "<strong data-count>3</strong>" in page
        assert "<span data-goal>250</span>" in page

    def test_it_shows_the_timeline(self) -> None:
        self.petition.event(kind=TimelineEvent.Kind.OPENED, actor=self.organiser)

        page = self.page()

        assert "Opened for signatures" in page

    def test_it_shows_the_goal_history_once_the_goal_is_reached_and_raised(self) -> None:
        petition = self.make_petition(goal=2, goal_ladder=True, goal_steps=[2, 5])
        self.make_signature(petition, state=Signature.State.CONFIRMED)
        self.make_signature(petition, state=Signature.State.CONFIRMED)
        self.work_run()

        page = self.page(reverse("petitions:detail", args=[petition.slug]))

        assert "goal of 2 reached" in page
        assert "goal raised from 2 to 5" in page
        assert "<span data-goal>5</span>" in page

    # --- Sharing ------------------------------------------------------------------------------

    def test_every_share_link_carries_its_own_source_code(self) -> None:
        urls = self.share_urls(self.page())

        assert set(urls) == {"x", "facebook", "whatsapp", "email"}
        for channel, url in urls.items():
            assert f"/{self.petition.slug}?source={channel}" in url

    def test_the_link_to_copy_carries_the_link_source_code(self) -> None:
        page = self.page()

        assert re.search(
            rf'id="copy-url" type="text" readonly value="[^"]*/{self.petition.slug}\?source=link"',
            page,
        )

    def test_a_visit_from_a_share_link_puts_its_source_in_the_form(self) -> None:
        page = self.page(source="facebook")

        assert '<input type="hidden" name="source" value="facebook"' in page

    def test_a_source_that_is_not_a_share_code_is_dropped(self) -> None:
        page = self.page(source='"><script>alert(1)</script>')

        assert "<script>alert(1)" not in page
        assert '<input type="hidden" name="source" value=""' in page or (
            '<input type="hidden" name="source" id="id_source">' in page
        )

    # --- Anonymous and logged in --------------------------------------------------------------

    def test_a_logged_in_visitor_sees_the_same_page(self) -> None:
        self.client.force_login(self.visitor)

        page = self.page()

        assert "Fix the footpaths" in page
        assert "Sign this petition" in page

    # --- Unknown and unlisted petitions -------------------------------------------------------

    def test_it_answers_404_for_an_unknown_petition(self) -> None:
        response = self.client.get(reverse("petitions:detail", args=["no-such-petition"]))

        assert response.status_code == 404
        assert "Page not found" in response.content.decode()

    def test_it_answers_404_for_a_petition_that_is_not_public(self) -> None:
        # Rejected petitions are public, with their reason: see test_view_petition_rejected.
        self.client.force_login(self.visitor)
        for state in (
            Petition.State.DRAFT,
            Petition.State.PENDING,
            Petition.State.HIDDEN,
        ):
            with self.subTest(state=state):
                petition = self.make_petition(state=state, title=f"Secret {state}")
                response = self.client.get(reverse("petitions:detail", args=[petition.slug]))
                assert response.status_code == 404
                assert f"Secret {state}" not in response.content.decode()

    # --- Wrong method -------------------------------------------------------------------------

    def test_it_refuses_a_post(self) -> None:
        response = self.client.post(self.url, {"name": "x"})

        assert response.status_code == 405
        assert not Signature.objects.exists()

    # --- Closed petitions ---------------------------------------------------------------------

    def test_a_closed_petition_has_no_form_and_says_it_is_closed(self) -> None:
        petition = self.make_petition(state=Petition.State.CLOSED)

        page = self.page(reverse("petitions:detail", args=[petition.slug]))

        assert MESSAGE_CLOSED in page
        assert "Sign this petition" not in page
        assert reverse("petitions:sign", args=[petition.slug]) not in page

    def test_a_petition_past_its_closing_time_has_no_form(self) -> None:
        petition = self.make_petition(closes_at=timezone.now() - dt.timedelta(seconds=1))

        page = self.page(reverse("petitions:detail", args=[petition.slug]))

        assert MESSAGE_CLOSED in page
        assert reverse("petitions:sign", args=[petition.slug]) not in page

    def test_a_closed_petition_still_shows_its_count(self) -> None:
        petition = self.make_petition(state=Petition.State.CLOSED)
        self.make_signature(petition, state=Signature.State.CONFIRMED)
        self.work_run()

        page = self.page(reverse("petitions:detail", args=[petition.slug]))

        assert "<strong data-count>1</strong>" in page
