from __future__ import annotations

import re

from django.urls import reverse

from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.forms import ERROR_EMAIL_INVALID
from tautoko.petitions.models import Signature
from tautoko.signers.forms import ERROR_MANAGE_EMAIL_REQUIRED
from tautoko.signers.models import ManageLink
from tests.base import tautoko_settings
from tests.base_signers import SignersTestCase

CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


class ManageLinkRequestTests(SignersTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.url = reverse("signers:request")
        self.sent_url = reverse("signers:sent")
        self.petition = self.make_petition(title="Fix the footpaths")

    # --- Success ------------------------------------------------------------------------------

    def test_it_shows_a_form_for_the_email_address(self) -> None:
        response = self.client.get(self.url)

        assert response.status_code == 200
        assert 'name="email"' in response.content.decode()

    def test_it_emails_a_link_to_the_address_the_signer_signed_with(self) -> None:
        self.make_signature(self.petition, email="jdoe@gmail.com", state="confirmed")

        response = self.client.post(self.url, {"email": "J.Doe+x@Gmail.com"})

        assert response.status_code == 302
        assert response["Location"] == self.sent_url
        email = OutboundEmail.objects.get()
        assert (email.template, email.to) == ("manage-signatures", "jdoe@gmail.com")
        link = ManageLink.objects.get()
        assert link.email_canonical == "jdoe@gmail.com"
        # Only the digest is stored: the token itself is only in the email.
        token = email.context["manage_url"].rsplit("/", 1)[1]
        assert len(token) >= 43  # 256 bits in URL-safe base64
        assert token not in link.token_hash
        self.work_run()
        assert "/my-signatures/" in self.email_latest(to="jdoe@gmail.com").body_text

    def test_the_sent_page_says_to_check_the_email(self) -> None:
        response = self.client.get(self.sent_url)

        assert response.status_code == 200
        assert "Check your email" in response.content.decode()

    # --- No probing ---------------------------------------------------------------------------

    def test_it_answers_the_same_for_an_address_that_never_signed(self) -> None:
        self.make_signature(self.petition, email="signer@example.org")

        signed = self.client.post(self.url, {"email": "signer@example.org"})
        never = self.client.post(self.url, {"email": "stranger@example.org"})

        assert (signed.status_code, signed["Location"]) == (never.status_code, never["Location"])
        # The same page, but for the CSRF token of the language form.
        pages = [self.client.get(r["Location"]).content.decode() for r in (signed, never)]
        assert [CSRF_VALUE.sub("", page) for page in pages[:1]] == [
            CSRF_VALUE.sub("", page) for page in pages[1:]
        ]
        assert OutboundEmail.objects.filter(to="stranger@example.org").count() == 0
        assert ManageLink.objects.count() == 1

    def test_an_address_whose_lower_case_is_too_long_is_a_form_error(self) -> None:
        # "İ" lower-cases to two characters: the canonical form would not fit the column.
        response = self.client.post(self.url, {"email": "a@" + ".".join(["İ" * 20] * 7) + ".nz"})
        assert response.status_code == 400
        assert not ManageLink.objects.exists()

    # --- Rate limit ---------------------------------------------------------------------------

    def test_it_sends_at_most_three_links_an_hour_to_one_address(self) -> None:
        self.make_signature(self.petition, email="signer@example.org")

        responses = [self.client.post(self.url, {"email": "signer@example.org"}) for _ in range(10)]

        assert {r.status_code for r in responses} == {302}
        assert {r["Location"] for r in responses} == {self.sent_url}
        assert OutboundEmail.objects.filter(template="manage-signatures").count() == 3

    def test_the_limit_follows_the_setting_and_counts_each_address_apart(self) -> None:
        self.make_signature(self.petition, email="one@example.org")
        self.make_signature(self.petition, email="two@example.org")

        with tautoko_settings(MANAGE_LINKS_PER_HOUR=1):
            for _ in range(3):
                self.client.post(self.url, {"email": "one@example.org"})
                self.client.post(self.url, {"email": "two@example.org"})

        assert sorted(OutboundEmail.objects.values_list("to", flat=True)) == [
            "one@example.org",
            "two@example.org",
        ]

    # --- Invalid input and methods ------------------------------------------------------------

    def test_it_asks_for_an_address_when_none_is_given(self) -> None:
        response = self.client.post(self.url, {})

        assert response.status_code == 400
        assert str(ERROR_MANAGE_EMAIL_REQUIRED) in response.content.decode()
        assert not OutboundEmail.objects.exists()

    def test_it_refuses_a_malformed_address(self) -> None:
        response = self.client.post(self.url, {"email": "not-an-address"})

        assert response.status_code == 400
        assert str(ERROR_EMAIL_INVALID) in response.content.decode()

    def test_it_refuses_other_methods(self) -> None:
        assert self.client.put(self.url).status_code == 405
        assert self.client.post(self.sent_url).status_code == 405

    def test_it_works_for_a_logged_in_user_too_but_by_email_alone(self) -> None:
        self.client.force_login(self.visitor)
        self.make_signature(self.petition, email="signer@example.org")

        self.client.post(self.url, {"email": "signer@example.org"})

        # Being logged in grants nothing: the link still goes to the signer's address.
        assert OutboundEmail.objects.get().to == "signer@example.org"
        assert Signature.objects.count() == 1
