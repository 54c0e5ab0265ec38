"""Second opinions on the moderation pages: asking, the queue's mark and filter, giving one,
and the asker kept from deciding until another moderator has looked."""

from __future__ import annotations

from django.urls import reverse

from tautoko.moderation.forms import QueueFilterForm
from tautoko.moderation.models import Checkout, SecondOpinion
from tautoko.moderation.services import checkout_take
from tautoko.moderation.views import (
    MESSAGE_OWN_SECOND_OPINION,
    MESSAGE_SECOND_OPINION_ALREADY,
    MESSAGE_SECOND_OPINION_NONE,
)
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.models import Petition, TimelineEvent
from tests.base import caches_clear
from tests.staff import ModerationTestCase, staff_login
from tests.test_view_organise_delivery import pdf_text

NOTE = "The statement names a private person. Defamatory?"
OPINION = "It quotes a public statement of a minister: fine to approve."


class SecondOpinionTestCase(ModerationTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(state=Petition.State.PENDING, title="Save the kākā")

    def url(self, name: str, petition: Petition | None = None) -> str:
        return reverse(f"moderation:{name}", args=[(petition or self.petition).slug])

    def ask(self, moderator: object | None = None) -> SecondOpinion:
        return SecondOpinion.ask(petition=self.petition, by=moderator or self.moderator, note=NOTE)


class AccessTests(SecondOpinionTestCase):
    ACTIONS = ("second-opinion-ask", "second-opinion-give")

    def test_anonymous_visitors_are_sent_to_log_in(self) -> None:
        for name in self.ACTIONS:
            response = self.client.post(self.url(name), {"note": NOTE, "opinion": OPINION})
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        assert not SecondOpinion.objects.exists()

    def test_organisers_and_staff_without_the_permission_get_a_404(self) -> None:
        self.client.force_login(self.organiser)
        for name in self.ACTIONS:
            assert self.client.post(self.url(name), {"note": NOTE}).status_code == 404
        self.moderator.groups.clear()
        staff_login(self.client, self.moderator)
        for name in self.ACTIONS:
            assert self.client.post(self.url(name), {"note": NOTE}).status_code == 404
        assert not SecondOpinion.objects.exists()
        assert not self.petition.events.exists()

    def test_moderators_who_have_not_passed_two_factor_are_sent_to_the_check(self) -> None:
        staff_login(self.client, self.moderator, verified=False)
        response = self.client.post(self.url("second-opinion-ask"), {"note": NOTE})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("staff-verify"))
        assert not SecondOpinion.objects.exists()

    def test_the_actions_refuse_get(self) -> None:
        staff_login(self.client, self.moderator)
        for name in self.ACTIONS:
            assert self.client.get(self.url(name)).status_code == 405
        assert not SecondOpinion.objects.exists()

    def test_a_draft_or_an_unknown_petition_is_a_404(self) -> None:
        draft = self.make_petition(state=Petition.State.DRAFT)
        staff_login(self.client, self.moderator)
        assert (
            self.client.post(self.url("second-opinion-ask", draft), {"note": NOTE}).status_code
            == 404
        )
        unknown = reverse("moderation:second-opinion-ask", args=["nothing-here"])
        assert self.client.post(unknown, {"note": NOTE}).status_code == 404
        assert not SecondOpinion.objects.exists()

    def test_a_forged_csrf_token_is_refused(self) -> None:
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        staff_login(client, self.moderator)
        response = client.post(
            self.url("second-opinion-ask"), {"note": NOTE, "csrfmiddlewaretoken": "forged" * 8}
        )
        assert response.status_code == 403
        assert not SecondOpinion.objects.exists()


class AskTests(SecondOpinionTestCase):
    def setUp(self) -> None:
        super().setUp()
        staff_login(self.client, self.moderator)

    def test_the_review_page_offers_to_ask(self) -> None:
        html = self.client.get(self.url("review")).content.decode()
        assert "Ask for a second opinion" in html
        assert "Second opinion wanted" not in html

    def test_asking_flags_it_records_the_note_and_frees_the_petition(self) -> None:
        self.client.post(self.url("checkout"))
        response = self.client.post(self.url("second-opinion-ask"), {"note": NOTE})
        assert response.status_code == 302
        assert response["Location"] == reverse("moderation:queue")
        opinion = SecondOpinion.objects.get()
        assert (opinion.petition, opinion.asked_by, opinion.note) == (
            self.petition,
            self.moderator,
            NOTE,
        )
        event = self.petition.events.get()
        assert (event.kind, event.actor, event.note) == (
            TimelineEvent.Kind.SECOND_OPINION_ASKED,
            self.moderator,
            NOTE,
        )
        # The asker's checkout is given back, so that another moderator can take it up.
        assert not Checkout.objects.exists()
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.PENDING
        assert not OutboundEmail.objects.exists()  # the organiser is not told

    def test_asking_needs_a_note_of_at_most_a_thousand_characters(self) -> None:
        for data in ({}, {"note": "   "}, {"note": "x" * 1001}):
            response = self.client.post(self.url("second-opinion-ask"), data)
            assert response.status_code == 400
            assert "note" in response.context["ask_form"].errors
        assert not SecondOpinion.objects.exists()
        assert not self.petition.events.exists()

    def test_asking_twice_is_refused(self) -> None:
        self.ask(self.other_moderator)
        response = self.client.post(self.url("second-opinion-ask"), {"note": "Me too"})
        assert response.status_code == 409
        assert str(MESSAGE_SECOND_OPINION_ALREADY) in response.content.decode()
        assert SecondOpinion.objects.count() == 1

    def test_asking_about_an_open_petition_is_refused(self) -> None:
        open_petition = self.make_petition(state=Petition.State.OPEN)
        response = self.client.post(self.url("second-opinion-ask", open_petition), {"note": NOTE})
        assert response.status_code == 409
        assert "cannot be done to a petition that is Open" in response.content.decode()
        assert not SecondOpinion.objects.exists()

    def test_asking_while_another_moderator_has_it_checked_out_is_refused(self) -> None:
        checkout_take(petition=self.petition, moderator=self.other_moderator)
        response = self.client.post(self.url("second-opinion-ask"), {"note": NOTE})
        assert response.status_code == 409
        assert "Hemi Moderator is reviewing this petition" in response.content.decode()
        assert not SecondOpinion.objects.exists()


class QueueTests(SecondOpinionTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.unflagged = self.make_petition(state=Petition.State.PENDING, title="Plain one")
        for petition in (self.petition, self.unflagged):
            petition.events.create(kind=TimelineEvent.Kind.SUBMITTED, actor=self.organiser)
        self.ask()
        staff_login(self.client, self.other_moderator)

    def test_flagged_petitions_are_marked_with_who_asked(self) -> None:
        response = self.client.get(reverse("moderation:queue"))
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count('class="second-opinion-flag"') == 1
        assert "(asked by Mere Moderator)" in html
        flagged = {p.title: p.second_opinion for p in response.context["petitions"]}
        assert flagged["Save the kākā"] is not None
        assert flagged["Plain one"] is None
        assert "Second opinion wanted (1)" in html

    def test_the_filter_shows_only_flagged_petitions(self) -> None:
        response = self.client.get(
            reverse("moderation:queue"), {"show": QueueFilterForm.SECOND_OPINION}
        )
        assert response.status_code == 200
        assert [p.title for p in response.context["petitions"]] == ["Save the kākā"]

    def test_the_filter_says_when_nothing_is_flagged(self) -> None:
        SecondOpinion.objects.open().get().give(by=self.other_moderator, opinion=OPINION)
        response = self.client.get(
            reverse("moderation:queue"), {"show": QueueFilterForm.SECOND_OPINION}
        )
        assert response.context["petitions"] == []
        assert "No petition is waiting for a second opinion." in response.content.decode()

    def test_an_unknown_filter_is_refused(self) -> None:
        response = self.client.get(reverse("moderation:queue"), {"show": "everything-ever"})
        assert response.status_code == 400
        assert "show" in response.context["filter_form"].errors


class DecidingTests(SecondOpinionTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.opinion = self.ask()

    def test_the_asker_sees_the_flag_and_no_approve_or_reject(self) -> None:
        staff_login(self.client, self.moderator)
        html = self.client.get(self.url("review")).content.decode()
        assert "Second opinion wanted" in html
        assert NOTE in html
        assert "You asked for it" in html
        assert 'action="' + self.url("approve") + '"' not in html
        assert 'action="' + self.url("reject") + '"' not in html
        assert 'action="' + self.url("second-opinion-give") + '"' not in html

    def test_the_asker_cannot_approve_reject_or_answer_it(self) -> None:
        staff_login(self.client, self.moderator)
        for name, data in (
            ("approve", {}),
            ("reject", {"reason": "advert", "note": ""}),
            ("second-opinion-give", {"opinion": "Looks fine to me."}),
        ):
            response = self.client.post(self.url(name), data)
            assert response.status_code == 409, name
            assert str(MESSAGE_OWN_SECOND_OPINION) in response.content.decode()
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.PENDING
        self.opinion.refresh_from_db()
        assert self.opinion.is_open
        assert self.petition.events.count() == 1
        assert not OutboundEmail.objects.exists()

    def test_another_moderator_sees_the_note_and_can_give_an_opinion(self) -> None:
        staff_login(self.client, self.other_moderator)
        html = self.client.get(self.url("review")).content.decode()
        assert NOTE in html
        assert 'action="' + self.url("second-opinion-give") + '"' in html
        assert 'action="' + self.url("approve") + '"' in html
        response = self.client.post(self.url("second-opinion-give"), {"opinion": OPINION})
        assert response.status_code == 302
        self.opinion.refresh_from_db()
        assert (self.opinion.answered_by, self.opinion.answer, self.opinion.outcome) == (
            self.other_moderator,
            OPINION,
            SecondOpinion.Outcome.OPINION,
        )
        event = self.petition.events.get(kind=TimelineEvent.Kind.SECOND_OPINION_GIVEN)
        assert (event.actor, event.note) == (self.other_moderator, OPINION)
        email = OutboundEmail.objects.get()
        assert (email.to, email.template) == (self.moderator.email, "second-opinion-given")
        self.work_run()
        sent = self.email_latest(to=self.moderator.email)
        assert "Save the kākā" in sent.subject
        assert OPINION in sent.body_text
        assert "Hemi Moderator" in sent.body_text
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.PENDING
        assert not Checkout.objects.exists()

    def test_once_the_opinion_is_given_the_asker_can_approve(self) -> None:
        self.opinion.give(by=self.other_moderator, opinion=OPINION)
        staff_login(self.client, self.moderator)
        assert self.client.post(self.url("approve")).status_code == 302
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.OPEN

    def test_giving_an_opinion_needs_words(self) -> None:
        staff_login(self.client, self.other_moderator)
        for data in ({}, {"opinion": "  "}, {"opinion": "x" * 1001}):
            response = self.client.post(self.url("second-opinion-give"), data)
            assert response.status_code == 400
            assert "opinion" in response.context["give_form"].errors
        self.opinion.refresh_from_db()
        assert self.opinion.is_open

    def test_giving_an_opinion_nobody_asked_for_is_refused(self) -> None:
        self.opinion.give(by=self.other_moderator, opinion=OPINION)
        staff_login(self.client, self.other_moderator)
        response = self.client.post(self.url("second-opinion-give"), {"opinion": "Again"})
        assert response.status_code == 409
        assert str(MESSAGE_SECOND_OPINION_NONE) in response.content.decode()
        assert (
            self.petition.events.filter(kind=TimelineEvent.Kind.SECOND_OPINION_GIVEN).count() == 1
        )

    def test_another_moderator_approving_clears_the_flag_and_tells_the_asker(self) -> None:
        staff_login(self.client, self.other_moderator)
        response = self.client.post(self.url("approve"))
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.OPEN
        self.opinion.refresh_from_db()
        assert (self.opinion.answered_by, self.opinion.outcome) == (
            self.other_moderator,
            SecondOpinion.Outcome.APPROVED,
        )
        kinds = list(self.petition.events.values_list("kind", flat=True))
        assert kinds == [
            TimelineEvent.Kind.SECOND_OPINION_ASKED,
            TimelineEvent.Kind.SECOND_OPINION_GIVEN,
            TimelineEvent.Kind.OPENED,
        ]
        templates = sorted(OutboundEmail.objects.values_list("template", "to"))
        assert templates == [
            ("petition-approved", self.organiser.email),
            ("second-opinion-given", self.moderator.email),
        ]
        self.work_run()
        assert "approved it" in self.email_latest(to=self.moderator.email).body_text

    def test_another_moderator_rejecting_clears_the_flag(self) -> None:
        staff_login(self.client, self.other_moderator)
        response = self.client.post(self.url("reject"), {"reason": "defamatory", "note": ""})
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.REJECTED
        self.opinion.refresh_from_db()
        assert self.opinion.outcome == SecondOpinion.Outcome.REJECTED
        assert not SecondOpinion.objects.open().exists()


class PrivacyTests(SecondOpinionTestCase):
    def test_second_opinions_are_never_on_the_public_page_or_the_organisers(self) -> None:
        opinion = self.ask()
        opinion.give(by=self.other_moderator, opinion=OPINION)
        self.petition.approve(by=self.other_moderator)
        caches_clear()
        public = self.client.get(reverse("petitions:detail", args=[self.petition.slug]))
        assert public.status_code == 200
        html = public.content.decode()
        assert "Opened for signatures" in html  # the timeline is there
        for secret in (NOTE, OPINION, "Second opinion"):
            assert secret not in html
        self.client.force_login(self.organiser)
        for name in ("preview", "petition"):
            page = self.client.get(reverse(f"organise:{name}", args=[self.petition.slug]))
            assert page.status_code == 200
            text = page.content.decode()
            assert NOTE not in text and OPINION not in text and "Second opinion" not in text
        pdf = self.client.get(reverse("organise:delivery-pdf", args=[self.petition.slug]))
        text = pdf_text(pdf.content)
        assert "Opened for signatures" in text
        assert "Second opinion" not in text and "Defamatory" not in text
        staff_login(self.client, self.moderator)
        review = self.client.get(self.url("review")).content.decode()
        assert NOTE in review and OPINION in review
