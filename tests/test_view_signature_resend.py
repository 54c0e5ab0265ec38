from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.forms import ERROR_EMAIL_INVALID, ERROR_EMAIL_REQUIRED
from tautoko.petitions.models import Petition, Signature
from tests.base import TautokoTestCase


class SignatureResendTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(title="Fix the footpaths")
        self.url = reverse("petitions:resend", args=[self.petition.slug])
        self.resent_url = reverse("petitions:signed", args=[self.petition.slug]) + "?resent=1"

    # --- Success ------------------------------------------------------------------------------

    def test_it_shows_a_form_for_the_email_address(self) -> None:
        response = self.client.get(self.url)

        assert response.status_code == 200
        page = response.content.decode()
        assert "Fix the footpaths" in page
        assert 'name="email"' in page

    def test_it_sends_a_fresh_link_that_replaces_the_old_one(self) -> None:
        signature = self.make_signature(self.petition, email="jdoe@gmail.com")
        old_link = reverse("petitions:confirm", args=[self.petition.slug, signature.token])

        response = self.client.post(self.url, {"email": "J.Doe+petitions@gmail.com"})

        assert response.status_code == 302
        assert response["Location"] == self.resent_url
        email = OutboundEmail.objects.get()
        assert (email.template, email.to) == ("confirm-signature", "jdoe@gmail.com")
        self.work_run()
        new_link = self.confirmation_link_latest(to="jdoe@gmail.com")
        assert self.client.post(old_link).status_code == 404
        assert self.client.post(new_link).status_code == 302
        signature.refresh_from_db()
        assert signature.state == Signature.State.CONFIRMED

    def test_it_tells_a_confirmed_signer_that_they_already_count(self) -> None:
        self.make_signature(self.petition, state=Signature.State.CONFIRMED, email="a@example.org")

        self.client.post(self.url, {"email": "a@example.org"})

        assert OutboundEmail.objects.get().template == "already-signed"

    def test_it_gives_the_same_answer_for_an_address_that_never_signed(self) -> None:
        response = self.client.post(self.url, {"email": "stranger@example.org"})

        assert response.status_code == 302
        assert response["Location"] == self.resent_url
        assert not OutboundEmail.objects.exists()

    def test_it_sends_at_most_five_emails_about_one_signature_ever(self) -> None:
        limit = settings.TAUTOKO["MAX_EMAILS_PER_SIGNATURE"]
        signature = self.make_signature(self.petition, email="a@example.org")  # 1 sent

        for _ in range(limit + 2):
            response = self.client.post(self.url, {"email": "a@example.org"})
            assert response["Location"] == self.resent_url

        signature.refresh_from_db()
        assert signature.emails_sent == limit
        assert OutboundEmail.objects.count() == limit - 1

    def test_it_says_nothing_new_to_a_withdrawn_signer(self) -> None:
        self.make_signature(self.petition, state=Signature.State.WITHDRAWN, email="a@example.org")

        response = self.client.post(self.url, {"email": "a@example.org"})

        assert response["Location"] == self.resent_url
        assert not OutboundEmail.objects.exists()

    # --- Anonymous and someone else's signature -----------------------------------------------

    def test_a_logged_in_visitor_uses_the_same_form(self) -> None:
        self.make_signature(self.petition, email="a@example.org")
        self.client.force_login(self.visitor)

        self.client.post(self.url, {"email": "a@example.org"})

        assert OutboundEmail.objects.get().to == "a@example.org"

    def test_a_signature_on_another_petition_gets_no_email_from_here(self) -> None:
        self.make_signature(self.make_petition(), email="a@example.org")

        response = self.client.post(self.url, {"email": "a@example.org"})

        assert response["Location"] == self.resent_url
        assert not OutboundEmail.objects.exists()

    def test_it_answers_404_for_an_unknown_petition(self) -> None:
        response = self.client.get(reverse("petitions:resend", args=["no-such-petition"]))

        assert response.status_code == 404
        assert "Page not found" in response.content.decode()

    def test_it_answers_404_for_a_hidden_petition(self) -> None:
        petition = self.make_petition(state=Petition.State.HIDDEN)
        self.make_signature(petition, email="a@example.org")

        response = self.client.post(
            reverse("petitions:resend", args=[petition.slug]), {"email": "a@example.org"}
        )

        assert response.status_code == 404
        assert not OutboundEmail.objects.exists()

    # --- Wrong method -------------------------------------------------------------------------

    def test_it_refuses_other_methods(self) -> None:
        for method in (self.client.put, self.client.delete):
            assert method(self.url).status_code == 405

    # --- Invalid input ------------------------------------------------------------------------

    def test_an_invalid_address_keeps_what_was_typed_and_says_what_is_wrong(self) -> None:
        response = self.client.post(self.url, {"email": "jdoe-at-gmail"})

        assert response.status_code == 400
        page = response.content.decode()
        assert str(ERROR_EMAIL_INVALID) in page
        assert 'value="jdoe-at-gmail"' in page
        assert not OutboundEmail.objects.exists()

    def test_a_blank_address_says_it_is_needed(self) -> None:
        response = self.client.post(self.url, {"email": ""})

        assert response.status_code == 400
        assert str(ERROR_EMAIL_REQUIRED) in response.content.decode()

    def test_an_empty_post_says_the_address_is_needed(self) -> None:
        response = self.client.post(self.url, {})

        assert response.status_code == 400
        assert str(ERROR_EMAIL_REQUIRED) in response.content.decode()
