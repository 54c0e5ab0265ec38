"""Organisers propose a decision maker who is not on the list; the proposal stays off every
public list and picker until a moderator deals with it."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from tautoko.organise.forms import (
    MESSAGE_DECISION_MAKER_BOTH,
    MESSAGE_DECISION_MAKER_MISSING,
    MESSAGE_PROPOSED_NAME_MISSING,
    MESSAGE_PROPOSED_TITLE_MISSING,
)
from tautoko.petitions.models import DecisionMaker, Petition, TimelineEvent
from tests.base import TautokoTestCase, caches_clear


class ProposalTestCase(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.minister = self.make_decision_maker(
            slug="minister-of-education", name="Minister of Education"
        )

    def valid(self, **changes: str) -> dict[str, str]:
        data = {
            "title": "A footbridge over the Whanganui",
            "summary": "Build a footbridge at Taumarunui.",
            "statement": "Walkers cross the road bridge with the trucks.",
            "decision_maker": "",
            "proposed_name": "Ruapehu District Council",
            "proposed_title": "Territorial authority",
            "proposed_email": "info@ruapehu.example",
            "goal": "300",
            "closes_on": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
            "slug": "",
        }
        return data | changes

    def propose(self) -> Petition:
        self.client.force_login(self.organiser)
        response = self.client.post(reverse("organise:new"), self.valid())
        assert response.status_code == 302
        return Petition.objects.get()


class CreateTests(ProposalTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.organiser)

    def test_the_form_offers_a_proposal_beside_the_list(self) -> None:
        html = self.client.get(reverse("organise:new")).content.decode()
        assert "Not on the list? Propose the decision maker" in html
        assert 'name="proposed_name"' in html

    def test_it_saves_the_draft_with_a_proposed_unlisted_decision_maker(self) -> None:
        response = self.client.post(reverse("organise:new"), self.valid())
        assert response.status_code == 302
        petition = Petition.objects.get()
        maker = petition.decision_maker
        assert (maker.name, maker.title, maker.contact_email) == (
            "Ruapehu District Council",
            "Territorial authority",
            "info@ruapehu.example",
        )
        assert maker.status == DecisionMaker.Status.PROPOSED
        assert maker.proposed_by == self.organiser
        assert maker.proposed_at is not None
        assert maker.slug == "ruapehu-district-council"
        assert list(petition.events.values_list("kind", flat=True)) == [TimelineEvent.Kind.CREATED]
        preview = self.client.get(reverse("organise:preview", args=[petition.slug]))
        assert "your proposal: a moderator checks it" in preview.content.decode()

    def test_the_contact_email_is_optional(self) -> None:
        response = self.client.post(reverse("organise:new"), self.valid(proposed_email=""))
        assert response.status_code == 302
        assert DecisionMaker.objects.get(status="proposed").contact_email == ""

    def test_a_proposal_with_a_listed_slug_gets_a_free_one(self) -> None:
        self.make_decision_maker(slug="ruapehu-district-council", name="Ruapehu (old)")
        self.client.post(reverse("organise:new"), self.valid())
        assert Petition.objects.get().decision_maker.slug == "ruapehu-district-council-2"

    def test_it_refuses_a_choice_and_a_proposal_together(self) -> None:
        response = self.client.post(
            reverse("organise:new"), self.valid(decision_maker=self.minister.slug)
        )
        assert response.status_code == 400
        assert str(MESSAGE_DECISION_MAKER_BOTH) in response.context["form"].non_field_errors()
        self.assert_nothing_saved()

    def test_it_refuses_neither_a_choice_nor_a_proposal(self) -> None:
        response = self.client.post(
            reverse("organise:new"),
            self.valid(proposed_name="", proposed_title="", proposed_email=""),
        )
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert errors["decision_maker"] == [str(MESSAGE_DECISION_MAKER_MISSING)]
        self.assert_nothing_saved()

    def test_a_proposal_needs_a_name_and_a_title(self) -> None:
        for changes, field, message in (
            ({"proposed_name": ""}, "proposed_name", MESSAGE_PROPOSED_NAME_MISSING),
            ({"proposed_title": ""}, "proposed_title", MESSAGE_PROPOSED_TITLE_MISSING),
        ):
            response = self.client.post(reverse("organise:new"), self.valid(**changes))
            assert response.status_code == 400
            assert response.context["form"].errors[field] == [str(message)]
        self.assert_nothing_saved()

    def test_it_refuses_a_bad_email_and_overlong_fields(self) -> None:
        for changes in (
            {"proposed_email": "not an email"},
            {"proposed_name": "x" * 121},
            {"proposed_title": "x" * 161},
        ):
            response = self.client.post(reverse("organise:new"), self.valid(**changes))
            assert response.status_code == 400
            assert next(iter(changes)) in response.context["form"].errors
        self.assert_nothing_saved()

    def test_proposing_a_listed_decision_maker_points_to_the_list(self) -> None:
        response = self.client.post(
            reverse("organise:new"), self.valid(proposed_name="minister of EDUCATION")
        )
        assert response.status_code == 400
        assert response.context["form"].errors["proposed_name"] == [
            "Minister of Education is already on the list: choose them above."
        ]
        self.assert_nothing_saved()

    def test_another_organisers_proposal_cannot_be_picked(self) -> None:
        theirs = self.make_decision_maker(
            slug="their-proposal", status=DecisionMaker.Status.PROPOSED
        )
        html = self.client.get(reverse("organise:new")).content.decode()
        assert 'value="their-proposal"' not in html
        assert f'value="{self.minister.slug}"' in html
        response = self.client.post(
            reverse("organise:new"),
            self.valid(decision_maker=theirs.slug, proposed_name="", proposed_title=""),
        )
        assert response.status_code == 400
        assert "decision_maker" in response.context["form"].errors
        assert not Petition.objects.exists()

    def assert_nothing_saved(self) -> None:
        assert not Petition.objects.exists()
        assert not DecisionMaker.objects.filter(status=DecisionMaker.Status.PROPOSED).exists()


class EditTests(ProposalTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.propose()
        self.url = reverse("organise:edit", args=[self.petition.slug])

    def test_the_edit_form_shows_the_proposal_not_the_picker(self) -> None:
        form = self.client.get(self.url).context["form"]
        assert form.initial["decision_maker"] == ""
        assert form.initial["proposed_name"] == "Ruapehu District Council"
        assert form.initial["proposed_email"] == "info@ruapehu.example"

    def test_editing_the_proposal_changes_it_in_place(self) -> None:
        proposal_id = self.petition.decision_maker_id
        response = self.client.post(
            self.url, self.valid(proposed_name="Ruapehu District Council (roads)")
        )
        assert response.status_code == 302
        maker = DecisionMaker.objects.get(status=DecisionMaker.Status.PROPOSED)
        assert maker.id == proposal_id
        assert maker.name == "Ruapehu District Council (roads)"
        assert maker.slug == "ruapehu-district-council-roads"

    def test_choosing_a_listed_one_instead_deletes_the_proposal(self) -> None:
        response = self.client.post(
            self.url,
            self.valid(
                decision_maker=self.minister.slug,
                proposed_name="",
                proposed_title="",
                proposed_email="",
            ),
        )
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert self.petition.decision_maker == self.minister
        assert not DecisionMaker.objects.filter(status=DecisionMaker.Status.PROPOSED).exists()

    def test_an_invalid_edit_keeps_the_proposal(self) -> None:
        response = self.client.post(self.url, self.valid(proposed_title=""))
        assert response.status_code == 400
        self.petition.refresh_from_db()
        assert self.petition.decision_maker.title == "Territorial authority"

    def test_someone_else_cannot_edit_it(self) -> None:
        self.client.force_login(self.visitor)
        response = self.client.post(self.url, self.valid(proposed_name="Hijacked"))
        assert response.status_code == 404
        assert DecisionMaker.objects.get(status="proposed").name == "Ruapehu District Council"

    def test_a_submitted_petitions_proposal_no_longer_changes(self) -> None:
        self.petition.submit(by=self.organiser)
        self.client.post(self.url, self.valid(proposed_name="Changed after submitting"))
        assert DecisionMaker.objects.get(status="proposed").name == "Ruapehu District Council"


class PublicListsTests(ProposalTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.propose()
        self.proposal = self.petition.decision_maker
        self.client.logout()

    def test_a_proposal_has_no_public_page(self) -> None:
        url = reverse("responses:decision-maker", args=[self.proposal.slug])
        assert self.client.get(url).status_code == 404
        listed = reverse("responses:decision-maker", args=[self.minister.slug])
        assert self.client.get(listed).status_code == 200

    def test_the_search_filter_does_not_offer_it(self) -> None:
        response = self.client.get(reverse("search:search"))
        html = response.content.decode()
        assert "Ruapehu District Council" not in html
        assert "Minister of Education" in html
        response = self.client.get(reverse("search:search"), {"to": self.proposal.slug})
        assert response.status_code == 400

    def test_a_rejected_petition_names_its_proposal_without_a_link(self) -> None:
        self.petition.submit(by=self.organiser)
        self.petition.reject(by=self.moderator, reason_code="advert", reason_label="Advert")
        caches_clear()
        html = self.client.get(reverse("petitions:detail", args=[self.petition.slug])).content
        assert b"Ruapehu District Council" in html
        assert reverse("responses:decision-maker", args=[self.proposal.slug]).encode() not in html
        found = self.client.get(reverse("search:search"), {"state": "rejected"}).content
        assert b"Ruapehu District Council" in found
        assert reverse("responses:decision-maker", args=[self.proposal.slug]).encode() not in found


class LivePreviewTests(ProposalTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.organiser)
        self.url = reverse("organise:new-preview")

    def typed(self, **changes: str) -> dict[str, str]:
        data = {
            "title": "A footbridge over the Whanganui",
            "summary": "Build a footbridge at Taumarunui.",
            "statement": "Walkers cross with the trucks.",
            "decision_maker": "",
            "proposed_name": "Ruapehu District Council",
            "proposed_title": "Territorial authority",
        }
        return data | changes

    def test_it_shows_the_proposal_being_typed_and_saves_nothing(self) -> None:
        response = self.client.post(self.url, self.typed())
        assert response.status_code == 200
        html = response.content.decode()
        assert "Ruapehu District Council</strong>, Territorial authority" in html
        assert "your proposal: a moderator checks it" in html
        assert not DecisionMaker.objects.filter(status=DecisionMaker.Status.PROPOSED).exists()

    def test_a_listed_choice_shows_as_listed(self) -> None:
        response = self.client.post(
            self.url, self.typed(decision_maker=self.minister.slug, proposed_name="")
        )
        html = response.content.decode()
        assert "Minister of Education" in html
        assert "your proposal" not in html

    def test_another_organisers_proposal_cannot_be_previewed_by_its_slug(self) -> None:
        self.make_decision_maker(
            slug="secret-proposal", name="Someone's proposal", status=DecisionMaker.Status.PROPOSED
        )
        response = self.client.post(
            self.url, self.typed(decision_maker="secret-proposal", proposed_name="")
        )
        assert response.status_code == 400
        assert "Someone&#x27;s proposal" not in response.content.decode()
        assert "Someone's proposal" not in response.content.decode()

    def test_an_overlong_proposal_is_refused(self) -> None:
        response = self.client.post(self.url, self.typed(proposed_name="x" * 121))
        assert response.status_code == 400
        assert "proposed_name" in response.context["form"].errors
