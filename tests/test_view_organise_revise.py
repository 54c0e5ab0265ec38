"""/organise/<slug>/revise: the organiser changes the text of an open petition."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from tautoko.organise.forms import MESSAGE_NOTHING_CHANGED
from tautoko.organise.views import MESSAGE_NOT_REVISABLE
from tautoko.petitions.models import Petition, PetitionVersion, TimelineEvent
from tests.base import TautokoTestCase

NOTE = "Corrected the date of the council vote."


class ReviseTestCase(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(
            state=Petition.State.PENDING,
            title="Save the Kaiwharawhara stream",
            summary="Stop the council from piping the stream.",
            statement="The vote is on *3 March*.",
            decision_maker=self.make_decision_maker(name="Wellington City Council"),
        )
        self.petition.approve(by=self.moderator)
        self.url = reverse("organise:revise", args=[self.petition.slug])
        self.public = reverse("petitions:detail", args=[self.petition.slug])

    def valid(self, **changes: str) -> dict[str, str]:
        data = {
            "title": "Save the Kaiwharawhara stream",
            "summary": "Stop the council from piping the stream.",
            "statement": "The vote is on *10 March*.",
            "note": NOTE,
        }
        return data | changes

    def assert_unchanged(self, petition: Petition | None = None) -> None:
        petition = petition or self.petition
        petition.refresh_from_db()
        assert petition.version == 1
        assert not petition.versions.filter(number__gt=1).exists()
        assert not petition.events.filter(kind=TimelineEvent.Kind.EDITED).exists()


class AccessTests(ReviseTestCase):
    def test_anonymous_visitors_are_sent_to_log_in(self) -> None:
        for response in (self.client.get(self.url), self.client.post(self.url, self.valid())):
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        self.assert_unchanged()

    def test_someone_elses_petition_is_a_404(self) -> None:
        self.client.force_login(self.visitor)
        assert self.client.get(self.url).status_code == 404
        assert self.client.post(self.url, self.valid()).status_code == 404
        self.assert_unchanged()

    def test_it_refuses_other_methods(self) -> None:
        self.client.force_login(self.organiser)
        assert self.client.put(self.url).status_code == 405
        assert self.client.delete(self.url).status_code == 405
        self.assert_unchanged()

    def test_a_forged_form_without_the_csrf_token_is_refused(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.organiser)
        assert client.post(self.url, self.valid()).status_code == 403
        self.assert_unchanged()


class FormTests(ReviseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.organiser)

    def test_the_form_holds_the_current_text_and_says_the_decision_maker_stays(self) -> None:
        response = self.client.get(self.url)
        assert response.status_code == 200
        form = response.context["form"]
        assert form.initial["statement"] == "The vote is on *3 March*."
        assert "decision_maker" not in form.fields
        html = response.content.decode()
        assert "Wellington City Council" in html
        assert "The decision maker cannot change after a petition opens" in html

    def test_an_edit_without_a_note_is_refused(self) -> None:
        response = self.client.post(self.url, self.valid(note=""))
        assert response.status_code == 400
        assert "note" in response.context["form"].errors
        self.assert_unchanged()

    def test_texts_over_the_draft_limits_are_refused(self) -> None:
        for field, length in (("title", 81), ("summary", 301), ("statement", 1501), ("note", 201)):
            response = self.client.post(self.url, self.valid(**{field: "x" * length}))
            assert response.status_code == 400
            assert field in response.context["form"].errors
        self.assert_unchanged()

    def test_an_empty_title_is_refused(self) -> None:
        response = self.client.post(self.url, self.valid(title="  "))
        assert response.status_code == 400
        assert "title" in response.context["form"].errors
        self.assert_unchanged()

    def test_an_edit_that_changes_nothing_is_refused_with_a_clear_error(self) -> None:
        response = self.client.post(self.url, self.valid(statement="The vote is on *3 March*.\r\n"))
        assert response.status_code == 400
        assert response.context["form"].non_field_errors() == [str(MESSAGE_NOTHING_CHANGED)]
        assert str(MESSAGE_NOTHING_CHANGED) in response.content.decode()
        self.assert_unchanged()


class StateTests(ReviseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.organiser)

    def test_closed_rejected_hidden_and_pending_petitions_cannot_be_edited(self) -> None:
        for state in (
            Petition.State.CLOSED,
            Petition.State.REJECTED,
            Petition.State.HIDDEN,
            Petition.State.PENDING,
        ):
            petition = self.make_petition(state=state, title="As it was")
            url = reverse("organise:revise", args=[petition.slug])
            for response in (self.client.get(url), self.client.post(url, self.valid())):
                assert response.status_code == 302
                assert response["Location"] == reverse("organise:preview", args=[petition.slug])
                message = str(MESSAGE_NOT_REVISABLE) % {"state": petition.get_state_display()}
                assert message in [str(m) for m in get_messages(response.wsgi_request)]
            petition.refresh_from_db()
            assert petition.title == "As it was"
            self.assert_unchanged(petition)

    def test_a_petition_closed_while_the_form_was_open_is_not_edited(self) -> None:
        self.client.get(self.url)
        self.petition.close(by=self.organiser)
        response = self.client.post(self.url, self.valid())
        assert response.status_code == 302
        assert response["Location"] == reverse("organise:preview", args=[self.petition.slug])
        self.assert_unchanged()

    def test_a_draft_is_edited_in_full_on_its_own_page(self) -> None:
        draft = self.make_petition(state=Petition.State.DRAFT)
        response = self.client.get(reverse("organise:revise", args=[draft.slug]))
        assert response["Location"] == reverse("organise:edit", args=[draft.slug])

    def test_the_draft_edit_page_sends_an_open_petition_here(self) -> None:
        response = self.client.get(reverse("organise:edit", args=[self.petition.slug]))
        assert response.status_code == 302
        assert response["Location"] == self.url


class EffectTests(ReviseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.organiser)

    def post(self, **changes: str) -> HttpResponse:
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(self.url, self.valid(**changes))

    def test_an_edit_is_a_new_version_and_a_timeline_event(self) -> None:
        response = self.post()
        assert response.status_code == 302
        assert response["Location"] == reverse("organise:preview", args=[self.petition.slug])
        self.petition.refresh_from_db()
        assert self.petition.version == 2
        assert self.petition.statement == "The vote is on *10 March*."
        version = PetitionVersion.objects.get(petition=self.petition, number=2)
        assert (version.note, version.created_by) == (NOTE, self.organiser)
        assert version.statement == "The vote is on *10 March*."
        assert PetitionVersion.objects.get(petition=self.petition, number=1).statement == (
            "The vote is on *3 March*."
        )
        event = self.petition.events.get(kind=TimelineEvent.Kind.EDITED)
        assert (event.actor, event.note, event.data["version"]) == (self.organiser, NOTE, 2)
        preview = self.client.get(reverse("organise:preview", args=[self.petition.slug]))
        assert "Saved as version 2." in preview.content.decode()

    def test_the_public_page_shows_the_new_text_at_once_with_the_change_notice(self) -> None:
        self.client.logout()
        before = self.client.get(self.public).content.decode()  # now cached: row and page
        assert "3 March" in before
        assert "Changed since it opened" not in before
        self.client.force_login(self.organiser)
        self.post(title="Save the Kaiwharawhara stream now")
        self.client.logout()
        html = self.client.get(self.public).content.decode()
        assert "Save the Kaiwharawhara stream now" in html
        assert "<em>10 March</em>" in html
        assert "3 March" not in html
        assert "Changed since it opened" in html
        assert reverse("petitions:history", args=[self.petition.slug]) in html
        assert NOTE in html  # on the timeline

    def test_the_new_text_is_sanitised_markdown_like_a_drafts(self) -> None:
        self.post(statement='**Vote** <script>alert("x")</script> [link](javascript:alert(1))')
        self.client.logout()
        html = self.client.get(self.public).content.decode()
        assert "<strong>Vote</strong>" in html
        assert '<script>alert("x")</script>' not in html
        assert 'href="javascript:' not in html

    def test_the_dashboard_and_preview_offer_the_edit_while_open(self) -> None:
        for name in ("petition", "preview"):
            page = self.client.get(reverse(f"organise:{name}", args=[self.petition.slug]))
            assert self.url in page.content.decode()
        self.petition.close(by=self.organiser)
        for name in ("petition", "preview"):
            page = self.client.get(reverse(f"organise:{name}", args=[self.petition.slug]))
            assert self.url not in page.content.decode()
