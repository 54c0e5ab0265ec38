from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.forms import (
    ERROR_CONSENT_REQUIRED,
    ERROR_COUNTRY_REQUIRED,
    ERROR_ELECTORATE_REQUIRED,
    ERROR_EMAIL_INVALID,
    ERROR_EMAIL_REQUIRED,
    ERROR_NAME_FORMULA,
    ERROR_NAME_LETTERS,
    ERROR_NAME_REQUIRED,
)
from tautoko.petitions.models import Petition, Signature, Tally, TallyDelta
from tautoko.petitions.views import MESSAGE_CLOSED
from tests.base import SIGN_FORM_VALID, TautokoTestCase


class PetitionSignTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition()
        self.url = reverse("petitions:sign", args=[self.petition.slug])
        self.signed_url = reverse("petitions:signed", args=[self.petition.slug])

    def sign(self, **changes: str) -> object:
        return self.client.post(self.url, self.sign_form(self.petition, **changes))

    # --- Success ------------------------------------------------------------------------------

    def test_it_records_a_pending_signature_and_redirects_to_check_your_email(self) -> None:
        response = self.sign(notify="on")

        assert response.status_code == 302
        assert response["Location"] == self.signed_url
        signature = Signature.objects.get(petition=self.petition)
        assert signature.state == Signature.State.PENDING
        assert signature.name == "Aroha Test"
        assert signature.email == "aroha@example.org"
        assert signature.electorate == "Wellington Central"
        assert signature.country == "NZ"
        assert signature.notify is True
        assert signature.consent_version == settings.TAUTOKO["CONSENT_TEXT_VERSION"]
        assert signature.privacy_notice_version == settings.TAUTOKO["PRIVACY_NOTICE_VERSION"]
        assert signature.token_hash

    def test_it_queues_one_confirmation_email_and_counts_nothing_yet(self) -> None:
        self.sign()

        email = OutboundEmail.objects.get()
        assert email.template == "confirm-signature"
        assert email.to == "aroha@example.org"
        assert email.state == OutboundEmail.State.QUEUED
        assert not TallyDelta.objects.exists()
        self.work_run()
        assert (
            self.client.get(reverse("petitions:count-json", args=[self.petition.slug])).json()[
                "count"
            ]
            == 0
        )

    def test_the_sent_email_links_to_a_working_confirmation_page(self) -> None:
        self.sign()
        self.work_run()

        link = self.confirmation_link_latest(to="aroha@example.org")

        assert link.startswith(f"/{self.petition.slug}/confirm/")
        assert self.client.get(link).status_code == 200

    def test_the_check_your_email_page_names_the_petition(self) -> None:
        response = self.sign()
        page = self.client.get(response["Location"])

        assert page.status_code == 200
        assert "Check your email" in page.content.decode()
        assert self.petition.title in page.content.decode()

    # --- Anonymous and logged in --------------------------------------------------------------

    def test_an_anonymous_visitor_signs_without_an_account(self) -> None:
        self.sign()

        assert "_auth_user_id" not in self.client.session
        assert Signature.objects.filter(petition=self.petition).count() == 1

    def test_a_logged_in_visitor_signs_with_the_email_they_type(self) -> None:
        self.client.force_login(self.visitor)

        self.sign(email="someone.else@example.org")

        assert Signature.objects.get().email == "someone.else@example.org"

    def test_it_needs_the_forms_csrf_token(self) -> None:
        response = Client(enforce_csrf_checks=True).post(self.url, SIGN_FORM_VALID)

        assert response.status_code == 403
        assert not Signature.objects.exists()

    # --- Unknown and unlisted petitions -------------------------------------------------------

    def test_it_answers_404_for_an_unknown_petition(self) -> None:
        response = self.client.post(
            reverse("petitions:sign", args=["no-such-petition"]), SIGN_FORM_VALID
        )

        assert response.status_code == 404
        assert "Page not found" in response.content.decode()
        assert not Signature.objects.exists()

    def test_it_answers_404_for_a_petition_that_is_not_public(self) -> None:
        # A rejected petition is public but refuses signatures: see test_view_petition_rejected.
        self.client.force_login(self.visitor)
        for state in (
            Petition.State.DRAFT,
            Petition.State.PENDING,
            Petition.State.HIDDEN,
        ):
            with self.subTest(state=state):
                petition = self.make_petition(state=state)
                response = self.client.post(
                    reverse("petitions:sign", args=[petition.slug]), SIGN_FORM_VALID
                )
                assert response.status_code == 404
        assert not Signature.objects.exists()

    # --- Wrong method -------------------------------------------------------------------------

    def test_it_refuses_a_get(self) -> None:
        response = self.client.get(self.url)

        assert response.status_code == 405
        assert response["Allow"] == "POST"

    # --- Closed petitions ---------------------------------------------------------------------

    def test_it_rejects_a_closed_petition(self) -> None:
        petition = self.make_petition(state=Petition.State.CLOSED)

        response = self.client.post(
            reverse("petitions:sign", args=[petition.slug]), SIGN_FORM_VALID
        )

        assert response.status_code == 410
        assert MESSAGE_CLOSED in response.content.decode()
        assert not Signature.objects.exists()
        assert not OutboundEmail.objects.exists()

    def test_it_rejects_an_open_petition_past_its_closing_time(self) -> None:
        petition = self.make_petition(closes_at=timezone.now() - dt.timedelta(minutes=1))

        response = self.client.post(
            reverse("petitions:sign", args=[petition.slug]), SIGN_FORM_VALID
        )

        assert response.status_code == 410
        assert MESSAGE_CLOSED in response.content.decode()
        assert not Signature.objects.exists()

    # --- Invalid input ------------------------------------------------------------------------

    def test_an_empty_form_says_what_is_missing(self) -> None:
        response = self.client.post(self.url, {})

        assert response.status_code == 400
        page = response.content.decode()
        for message in (
            ERROR_NAME_REQUIRED,
            ERROR_EMAIL_REQUIRED,
            ERROR_COUNTRY_REQUIRED,
            ERROR_CONSENT_REQUIRED,
        ):
            assert str(message) in page
        assert not Signature.objects.exists()
        assert not OutboundEmail.objects.exists()

    def test_an_invalid_email_keeps_the_typed_values_and_says_what_is_wrong(self) -> None:
        response = self.sign(name="Aroha Test", email="aroha-at-example.org")

        assert response.status_code == 400
        page = response.content.decode()
        assert str(ERROR_EMAIL_INVALID) in page
        assert 'value="aroha-at-example.org"' in page
        assert 'value="Aroha Test"' in page
        assert re.search(r'<option value="Wellington Central" selected>', page)
        assert str(ERROR_NAME_REQUIRED) not in page
        assert not Signature.objects.exists()

    def test_it_rejects_a_name_that_a_spreadsheet_would_run_as_a_formula(self) -> None:
        response = self.sign(name="=HYPERLINK(1)")

        assert response.status_code == 400
        assert str(ERROR_NAME_FORMULA) in response.content.decode()
        assert not Signature.objects.exists()

    def test_it_rejects_a_name_without_letters(self) -> None:
        response = self.sign(name="12345")

        assert response.status_code == 400
        assert str(ERROR_NAME_LETTERS) in response.content.decode()

    def test_it_asks_a_new_zealander_for_their_electorate(self) -> None:
        response = self.sign(electorate="")

        assert response.status_code == 400
        assert str(ERROR_ELECTORATE_REQUIRED) in response.content.decode()

    def test_it_signs_someone_overseas_without_an_electorate(self) -> None:
        response = self.sign(electorate="", country="AU")

        assert response.status_code == 302
        assert Signature.objects.get().country == "AU"

    def test_it_refuses_a_signature_without_consent(self) -> None:
        data = dict(SIGN_FORM_VALID)
        del data["consent"]

        response = self.client.post(self.url, data)

        assert response.status_code == 400
        assert str(ERROR_CONSENT_REQUIRED) in response.content.decode()
        assert not Signature.objects.exists()

    def test_it_refuses_an_oversized_form_body(self) -> None:
        response = self.client.post(
            self.url,
            f"name={'a' * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}&email=x%40example.org",
            content_type="application/x-www-form-urlencoded",
        )

        assert response.status_code == 400
        assert not Signature.objects.exists()

    def test_it_refuses_an_oversized_multipart_body(self) -> None:
        response = self.sign(name="a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))

        assert response.status_code == 400
        assert not Signature.objects.exists()

    def test_it_refuses_a_form_with_too_many_fields(self) -> None:
        extra = {f"field{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

        response = self.client.post(self.url, {**SIGN_FORM_VALID, **extra})

        assert response.status_code == 400
        assert not Signature.objects.exists()

    # --- Signing again ------------------------------------------------------------------------

    def test_signing_again_with_the_same_canonical_email_sends_the_link_again(self) -> None:
        self.sign(email="jdoe@gmail.com")

        response = self.sign(email="J.Doe+x@Gmail.com")

        assert response.status_code == 302
        assert response["Location"] == f"{self.signed_url}?again=1"
        page = self.client.get(response["Location"]).content.decode()
        assert "You already signed — we sent your link again" in page
        assert Signature.objects.filter(petition=self.petition).count() == 1
        emails = OutboundEmail.objects.filter(template="confirm-signature")
        assert emails.count() == 2
        assert set(emails.values_list("to", flat=True)) == {"jdoe@gmail.com"}

    def test_signing_again_replaces_the_earlier_link(self) -> None:
        self.sign(email="jdoe@gmail.com")
        self.work_run()
        first_link = self.confirmation_link_latest()
        self.sign(email="J.Doe+x@Gmail.com")
        self.work_run()
        second_link = self.confirmation_link_latest()

        assert first_link != second_link
        assert self.client.post(first_link).status_code == 404
        assert self.client.post(second_link).status_code == 302
        assert Signature.objects.get().state == Signature.State.CONFIRMED

    def test_it_sends_at_most_five_emails_about_one_signature_ever(self) -> None:
        limit = settings.TAUTOKO["MAX_EMAILS_PER_SIGNATURE"]
        assert limit == 5
        for _ in range(limit + 3):
            response = self.sign(email="jdoe@gmail.com")
            assert response.status_code == 302

        signature = Signature.objects.get()
        assert signature.emails_sent == limit
        assert OutboundEmail.objects.filter(to="jdoe@gmail.com").count() == limit

    def test_an_address_whose_lower_case_is_too_long_is_a_form_error_not_a_500(self) -> None:
        # "İ" lower-cases to two characters: 151 typed, 291 once canonical (the column: 254).
        email = "a@" + ".".join(["İ" * 20] * 7) + ".nz"
        response = self.sign(email=email)
        assert response.status_code == 400
        assert response.context["form"].errors["email"] == [
            "Enter a valid email address, like name@example.com."
        ]
        assert not Signature.objects.exists()

    def test_once_no_email_goes_the_page_does_not_say_one_went(self) -> None:
        limit = settings.TAUTOKO["MAX_EMAILS_PER_SIGNATURE"]
        locations = [self.sign(email="jdoe@gmail.com")["Location"] for _ in range(limit + 1)]
        assert locations[0] == self.signed_url
        assert locations[1:limit] == [f"{self.signed_url}?again=1"] * (limit - 1)
        assert locations[limit] == f"{self.signed_url}?again=1&unsent=1"
        page = self.client.get(locations[limit]).content.decode()
        assert "You already signed" in page
        assert "We have not emailed it again" in page
        assert "we sent your link again" not in page and "We have emailed you" not in page

    def test_a_withdrawn_signer_signing_again_is_not_told_an_email_went(self) -> None:
        self.make_signature(self.petition, state=Signature.State.WITHDRAWN, email="jdoe@gmail.com")
        response = self.sign(email="jdoe@gmail.com")
        assert response["Location"] == f"{self.signed_url}?again=1&unsent=1"
        assert not OutboundEmail.objects.exists()

    def test_signing_again_after_confirming_says_it_already_counts(self) -> None:
        signature = self.make_signature(
            self.petition, state=Signature.State.CONFIRMED, email="jdoe@gmail.com"
        )

        response = self.sign(email="JDoe@gmail.com")

        assert response["Location"] == f"{self.signed_url}?again=1"
        signature.refresh_from_db()
        assert signature.state == Signature.State.CONFIRMED
        email = OutboundEmail.objects.get()
        assert email.template == "already-signed"
        assert email.to == "jdoe@gmail.com"
        assert "confirm_url" not in email.context

    def test_the_same_person_can_sign_two_petitions(self) -> None:
        other = self.make_petition()

        self.sign(email="jdoe@gmail.com")
        self.client.post(
            reverse("petitions:sign", args=[other.slug]),
            SIGN_FORM_VALID | {"email": "jdoe@gmail.com"},
        )

        assert Signature.objects.filter(email_canonical="jdoe@gmail.com").count() == 2
        assert OutboundEmail.objects.filter(template="confirm-signature").count() == 2

    # --- Where signers come from --------------------------------------------------------------

    def test_a_signature_made_from_a_facebook_share_link_records_its_source(self) -> None:
        page = self.client.get(
            reverse("petitions:detail", args=[self.petition.slug]), {"source": "facebook"}
        ).content.decode()
        hidden = re.search(r'<input type="hidden" name="source" value="([^"]*)"', page)
        assert hidden is not None
        assert hidden.group(1) == "facebook"

        self.sign(source=hidden.group(1))
        self.work_run()
        self.client.post(self.confirmation_link_latest())
        self.work_run()

        assert Signature.objects.get().source == "facebook"
        assert (
            Tally.objects.get(
                petition=self.petition, dimension=Tally.Dimension.SOURCE, key="facebook"
            ).count
            == 1
        )

    def test_it_drops_a_source_that_is_not_a_share_code(self) -> None:
        self.sign(source="<script>alert(1)</script>")

        assert Signature.objects.get().source == ""


class SignedVersionTests(TautokoTestCase):
    """Each signature records the version of the text that was current when it was made."""

    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(state=Petition.State.PENDING, title="More buses")
        self.petition.approve(by=self.moderator)
        self.detail = reverse("petitions:detail", args=[self.petition.slug])
        self.url = reverse("petitions:sign", args=[self.petition.slug])

    def sign(self, email: str) -> None:
        response = self.client.post(self.url, self.sign_form(self.petition, email=email))
        assert response.status_code == 302

    def test_a_signature_made_after_an_edit_records_version_two(self) -> None:
        self.client.get(self.detail)  # the petition is cached as it is: version 1
        self.sign("before@example.org")

        organiser = Client()
        organiser.force_login(self.organiser)
        with self.captureOnCommitCallbacks(execute=True):
            response = organiser.post(
                reverse("organise:revise", args=[self.petition.slug]),
                {
                    "title": "More buses after 10 pm",
                    "summary": self.petition.summary,
                    "statement": self.petition.statement,
                    "note": "Said when.",
                },
            )
        assert response.status_code == 302

        assert "More buses after 10 pm" in self.client.get(self.detail).content.decode()
        self.sign("after@example.org")

        versions = dict(Signature.objects.values_list("email", "petition_version"))
        assert versions == {"before@example.org": 1, "after@example.org": 2}
