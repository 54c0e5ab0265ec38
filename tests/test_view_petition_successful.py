"""A successful petition on the public pages: its own page (count, timeline, story, no sign
form), signing refused, and how the lists, search and decision makers' pages show it."""

from __future__ import annotations

from django.urls import reverse

from tautoko.organise.models import PetitionUpdate
from tautoko.organise.services import petition_victory_declare
from tautoko.petitions.models import Petition, Signature
from tests.base import TautokoTestCase, caches_clear


class SuccessfulTestCase(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.maker = self.make_decision_maker(slug="minister-of-conservation")
        self.petition = self.make_petition(
            title="Protect the kākāpō", decision_maker=self.maker, goal=10
        )
        for _ in range(3):
            self.make_signature(self.petition, state=Signature.State.CONFIRMED)
        self.work_run()
        petition_victory_declare(
            petition=self.petition, story="The Minister **funded** it.", by=self.organiser
        )
        self.still_open = self.make_petition(title="Protect the kiwi", decision_maker=self.maker)
        caches_clear()


class PublicPageTests(SuccessfulTestCase):
    def test_the_page_stays_public_with_its_count_timeline_and_story(self) -> None:
        response = self.client.get(reverse("petitions:detail", args=[self.petition.slug]))
        assert response.status_code == 200
        html = response.content.decode()
        assert "<strong data-count>3</strong>" in html
        assert "<strong>funded</strong>" in html  # the story, rendered once
        assert html.count("The Minister **funded** it.") == 0
        assert "Victory! The organiser declared the petition successful." in html
        assert 'class="notice successful"' in html
        assert 'class="sign-form' not in html

    def test_signing_is_refused_as_when_closed(self) -> None:
        response = self.client.post(
            reverse("petitions:sign", args=[self.petition.slug]), self.sign_form(self.petition)
        )
        assert response.status_code == 410
        assert Signature.objects.filter(petition=self.petition).count() == 3

    def test_a_pending_signature_cannot_join_the_count_afterwards(self) -> None:
        pending = self.make_signature(self.petition)
        path = reverse("petitions:confirm", args=[self.petition.slug, pending.token])
        assert self.client.post(path).status_code == 410
        pending.refresh_from_db()
        assert pending.state == Signature.State.PENDING

    def test_the_count_json_says_it_is_not_signable(self) -> None:
        data = self.client.get(reverse("petitions:count-json", args=[self.petition.slug])).json()
        assert (data["state"], data["signable"], data["count"]) == ("successful", False, 3)


class ListsTests(SuccessfulTestCase):
    def test_search_filters_successful_petitions(self) -> None:
        response = self.client.get(reverse("search:search"), {"state": "successful"})
        assert response.status_code == 200
        assert [p.title for p in response.context["petitions"]] == ["Protect the kākāpō"]
        html = response.content.decode()
        assert '<span class="state">Successful</span>' in html
        assert "?state=successful" in html  # the lists' links offer it
        open_titles = [
            p.title
            for p in self.client.get(reverse("search:search"), {"state": "open"}).context[
                "petitions"
            ]
        ]
        assert open_titles == ["Protect the kiwi"]

    def test_the_home_page_lists_it_among_recent_victories_not_open_petitions(self) -> None:
        response = self.client.get(reverse("petitions:home"))
        assert [p.title for p in response.context["petitions"]] == ["Protect the kiwi"]
        assert [p.title for p in response.context["successes"]] == ["Protect the kākāpō"]
        assert response.context["successes"][0].count == 3
        html = response.content.decode()
        assert "Recent victories" in html
        assert reverse("search:search") + "?state=successful" in html

    def test_the_home_page_has_no_victories_section_without_one(self) -> None:
        Petition.objects.filter(id=self.petition.id).update(state=Petition.State.CLOSED)
        html = self.client.get(reverse("petitions:home")).content.decode()
        assert "Recent victories" not in html

    def test_the_decision_makers_page_shows_it_as_successful(self) -> None:
        response = self.client.get(reverse("responses:decision-maker", args=[self.maker.slug]))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Protect the kākāpō" in html
        assert "Successful" in html


class OrganiserTests(SuccessfulTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.organiser)

    def test_the_organisers_pages_link_its_dashboard_and_public_page(self) -> None:
        html = self.client.get(reverse("organise:dashboard")).content.decode()
        assert reverse("organise:petition", args=[self.petition.slug]) in html
        preview = self.client.get(reverse("organise:preview", args=[self.petition.slug]))
        assert reverse("petitions:detail", args=[self.petition.slug]) in preview.content.decode()
        dashboard = self.client.get(reverse("organise:petition", args=[self.petition.slug]))
        assert dashboard.status_code == 200
        text = dashboard.content.decode()
        assert "Victory declared" in text
        assert 'action="' + reverse("organise:victory", args=[self.petition.slug]) not in text
        assert 'action="' + reverse("organise:close", args=[self.petition.slug]) not in text

    def test_updates_can_still_be_posted_to_its_signers(self) -> None:
        response = self.client.post(
            reverse("organise:update-post", args=[self.petition.slug]),
            {"title": "The law passed", "body": "It is now in force."},
        )
        assert response.status_code == 302
        assert PetitionUpdate.objects.get().petition == self.petition

    def test_it_cannot_be_closed(self) -> None:
        response = self.client.post(
            reverse("organise:close", args=[self.petition.slug]), {"reason": "Done"}
        )
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.SUCCESSFUL
