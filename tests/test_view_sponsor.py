"""The sponsor pages: the sponsor link's page and sign form, "check your email", the
sponsor's confirmation and thanks; the petition's move to the moderation queue."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tautoko.fraud.checks import FLAG_HONEYPOT
from tautoko.lib.tokens import token_new
from tautoko.organise.sponsor_views import (
    MESSAGE_CLOSED_BEFORE_CONFIRMATION,
    MESSAGE_LINK_EXPIRED,
    MESSAGE_LINK_INVALID,
    MESSAGE_LINK_USED,
    MESSAGE_NOT_SPONSORING,
)
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.forms import (
    ERROR_CONSENT_REQUIRED,
    ERROR_EMAIL_DISPOSABLE,
    ERROR_NAME_FORMULA,
    ERROR_NAME_REQUIRED,
)
from tautoko.petitions.models import Petition, Signature, TallyDelta, TimelineEvent
from tests.base_sponsors import REQUIRED, SponsorsTestCase


class SponsorPageTestCase(SponsorsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_sponsoring_petition(
            title="Save the kākā", statement="Because they **matter**."
        )
        self.page_url = self.sponsor_url(self.petition)
        self.sign_url = self.sponsor_url(self.petition, "sign")

    def set_state(self, state: str) -> None:
        Petition.objects.filter(id=self.petition.id).update(state=state)
        self.petition.refresh_from_db()

    def assert_private(self, response: object) -> None:
        # The URL holds the link's secret: no Referer to other sites, no caching, no index.
        assert response["Referrer-Policy"] == "same-origin"  # type: ignore[index]
        assert "no-store" in response["Cache-Control"]  # type: ignore[index]
        assert "noindex" in response["X-Robots-Tag"]  # type: ignore[index]


class SponsorPageTests(SponsorPageTestCase):
    def test_the_link_shows_the_draft_and_the_sign_form(self) -> None:
        response = self.client.get(self.page_url)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Save the kākā" in page
        assert "<strong>matter</strong>" in page
        assert f'action="{self.sign_url}"' in page
        # The public sign form's own fields and checks: consent, honeypot, proof-of-work.
        for field in ('name="name"', 'name="email"', 'name="consent"', 'name="website"'):
            assert field in page
        assert 'name="pow" value="ey' in page  # a challenge, base64 JSON
        assert f"It needs {REQUIRED} sponsors" in page
        assert "0 have confirmed so far." in page
        self.assert_private(response)

    def test_anonymous_and_logged_in_visitors_alike_see_it(self) -> None:
        self.client.force_login(self.visitor)
        assert self.client.get(self.page_url).status_code == 200

    def test_a_forged_or_mistyped_link_is_a_404(self) -> None:
        token = self.petition.sponsor_token  # type: ignore[attr-defined]
        for wrong in (token_new()[0], token[:-1], token + "x", "x", str(self.petition.id)):
            assert self.client.get(reverse("sponsors:page", args=[wrong])).status_code == 404
            assert (
                self.client.post(
                    reverse("sponsors:sign", args=[wrong]), self.sign_form(self.petition)
                )
            ).status_code == 404
        assert not Signature.objects.exists()

    def test_neither_the_slug_nor_the_id_opens_it(self) -> None:
        assert self.client.get(f"/sponsor/{self.petition.slug}").status_code == 404
        assert self.client.get(f"/sponsor/{self.petition.id}").status_code == 404
        assert (
            self.client.get(reverse("petitions:detail", args=[self.petition.slug])).status_code
            == 404
        )

    def test_another_petitions_link_shows_only_that_petition(self) -> None:
        other = self.make_sponsoring_petition(title="Another petition")
        page = self.client.get(self.sponsor_url(other)).content.decode()
        assert "Another petition" in page
        assert "Save the kākā" not in page

    def test_a_hidden_petitions_link_is_dead(self) -> None:
        self.set_state(Petition.State.HIDDEN)
        assert self.client.get(self.page_url).status_code == 404

    def test_once_it_has_its_sponsors_the_page_shows_no_form(self) -> None:
        self.set_state(Petition.State.PENDING)
        response = self.client.get(self.page_url)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Save the kākā" in page
        assert "sign-form" not in page
        assert str(MESSAGE_NOT_SPONSORING) in page

    def test_once_it_is_open_the_link_leads_to_the_public_page(self) -> None:
        for state in (Petition.State.OPEN, Petition.State.CLOSED, Petition.State.REJECTED):
            self.set_state(state)
            response = self.client.get(self.page_url)
            assert response.status_code == 302
            assert response["Location"] == reverse("petitions:detail", args=[self.petition.slug])

    def test_it_refuses_other_methods(self) -> None:
        assert self.client.post(self.page_url).status_code == 405
        assert self.client.get(self.sign_url).status_code == 405
        assert self.client.post(self.sponsor_url(self.petition, "signed")).status_code == 405


class SponsorSignTests(SponsorPageTestCase):
    def test_it_records_a_sponsors_pending_signature_and_emails_the_link(self) -> None:
        response = self.client.post(self.sign_url, self.sign_form(self.petition, notify="on"))
        assert response.status_code == 302
        assert response["Location"] == self.sponsor_url(self.petition, "signed")
        signature = Signature.objects.get()
        assert signature.petition == self.petition
        assert signature.source == Signature.SOURCE_SPONSOR
        assert signature.state == Signature.State.PENDING
        assert (signature.name, signature.email, signature.notify) == (
            "Aroha Test",
            "aroha@example.org",
            True,
        )
        assert signature.consent_version and signature.ip_hash
        assert (signature.flagged, signature.flag_reasons) == (False, "")
        email = OutboundEmail.objects.get()
        assert (email.to, email.template) == ("aroha@example.org", "confirm-sponsor")
        assert not TallyDelta.objects.exists()
        page = self.client.get(response["Location"]).content.decode()
        assert "Check your email" in page

    def test_the_emailed_link_opens_the_sponsor_confirmation_page(self) -> None:
        self.client.post(self.sign_url, self.sign_form(self.petition))
        self.work_run()
        link = self.sponsor_confirmation_link_latest(to="aroha@example.org")
        response = self.client.get(link)
        assert response.status_code == 200
        assert "Confirm that you sponsor it" in response.content.decode()

    def test_it_needs_the_forms_csrf_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        assert client.post(self.sign_url, self.sign_form(self.petition)).status_code == 403
        assert not Signature.objects.exists()

    def test_an_empty_form_says_what_is_missing_and_records_nothing(self) -> None:
        response = self.client.post(self.sign_url, {})
        assert response.status_code == 400
        page = response.content.decode()
        assert str(ERROR_NAME_REQUIRED) in page
        assert str(ERROR_CONSENT_REQUIRED) in page
        assert 'class="sign-form"' in page
        assert not Signature.objects.exists()
        assert not OutboundEmail.objects.exists()

    def test_the_public_forms_checks_apply(self) -> None:
        for changes, error in (
            ({"consent": ""}, ERROR_CONSENT_REQUIRED),
            ({"email": "someone@mailinator.com"}, ERROR_EMAIL_DISPOSABLE),
            ({"name": "=cmd"}, ERROR_NAME_FORMULA),
        ):
            response = self.client.post(self.sign_url, self.sign_form(self.petition, **changes))
            assert response.status_code == 400
            assert str(error) in response.content.decode()
        assert not Signature.objects.exists()

    def test_the_fraud_checks_flag_a_bot_which_then_never_counts(self) -> None:
        response = self.client.post(self.sign_url, self.sign_form(self.petition, website="x"))
        assert response.status_code == 302  # the same answer as anyone gets
        signature = Signature.objects.get()
        assert signature.flagged and FLAG_HONEYPOT in signature.flag_reasons

    def test_a_share_link_source_cannot_make_a_sponsor_of_a_public_signer(self) -> None:
        self.set_state(Petition.State.OPEN)
        self.client.post(
            reverse("petitions:sign", args=[self.petition.slug]),
            self.sign_form(self.petition, source="sponsor"),
        )
        assert Signature.objects.get().source == ""

    def test_signing_again_is_the_friendly_already_signed_answer(self) -> None:
        self.client.post(self.sign_url, self.sign_form(self.petition))
        response = self.client.post(
            self.sign_url, self.sign_form(self.petition, email="Aroha@Example.org")
        )
        assert response.status_code == 302
        assert response["Location"] == self.sponsor_url(self.petition, "signed") + "?again=1"
        assert Signature.objects.count() == 1
        assert OutboundEmail.objects.filter(template="confirm-sponsor").count() == 2
        page = self.client.get(response["Location"]).content.decode()
        assert "You already sponsored it — we sent your link again" in page

    def test_once_no_email_goes_the_page_does_not_say_one_went(self) -> None:
        limit = settings.TAUTOKO["MAX_EMAILS_PER_SIGNATURE"]
        for _ in range(limit):
            self.client.post(self.sign_url, self.sign_form(self.petition))
        response = self.client.post(self.sign_url, self.sign_form(self.petition))
        signed = self.sponsor_url(self.petition, "signed")
        assert response["Location"] == signed + "?again=1&unsent=1"
        assert OutboundEmail.objects.filter(template="confirm-sponsor").count() == limit
        page = self.client.get(response["Location"]).content.decode()
        assert "You already sponsored it" in page and "We have not emailed it again" in page
        assert "we sent your link again" not in page

    def test_signing_again_after_confirming_says_it_already_counts(self) -> None:
        sponsor = self.make_sponsor(self.petition, email="aroha@example.org")
        response = self.client.post(self.sign_url, self.sign_form(self.petition))
        assert response["Location"].endswith("?again=1")
        email = OutboundEmail.objects.get()
        assert email.template == "already-sponsored"
        assert reverse("sponsors:thanks", args=[sponsor.receipt]) in email.context["sponsor_url"]

    def test_it_takes_no_more_sponsors_once_the_petition_has_them(self) -> None:
        for state in (Petition.State.PENDING, Petition.State.OPEN, Petition.State.REJECTED):
            self.set_state(state)
            response = self.client.post(self.sign_url, self.sign_form(self.petition))
            assert response.status_code == 410
            assert str(MESSAGE_NOT_SPONSORING) in response.content.decode()
        assert not Signature.objects.exists()


class SponsorConfirmTests(SponsorPageTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.sponsor = self.make_sponsor(
            self.petition, state=Signature.State.PENDING, email="aroha@example.org"
        )
        self.url = reverse("sponsors:confirm", args=[self.sponsor.token])  # type: ignore[attr-defined]

    def assert_still_pending(self) -> None:
        self.sponsor.refresh_from_db()
        assert self.sponsor.state == Signature.State.PENDING
        assert not TallyDelta.objects.exists()

    def test_opening_the_link_shows_a_confirm_button_and_changes_nothing(self) -> None:
        for _ in range(3):  # a mail scanner, a preview, the person
            response = self.client.get(self.url)
            assert response.status_code == 200
        page = response.content.decode()
        assert ">Confirm</button>" in page and "Save the kākā" in page
        self.assert_private(response)
        self.assert_still_pending()

    def test_pressing_confirm_confirms_counts_it_and_thanks_the_sponsor(self) -> None:
        response = self.client.post(self.url)
        assert response.status_code == 302
        assert response["Location"] == reverse("sponsors:thanks", args=[self.sponsor.receipt])
        self.sponsor.refresh_from_db()
        assert self.sponsor.state == Signature.State.CONFIRMED
        assert TallyDelta.objects.get().source == Signature.SOURCE_SPONSOR
        page = self.client.get(response["Location"]).content.decode()
        assert f"has 1 of the {REQUIRED} sponsors it needs" in page
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.SPONSORING

    def test_a_forged_link_is_not_valid(self) -> None:
        for wrong in (token_new()[0], self.sponsor.token[:-2]):  # type: ignore[attr-defined]
            url = reverse("sponsors:confirm", args=[wrong])
            for response in (self.client.get(url), self.client.post(url)):
                assert response.status_code == 404
                assert str(MESSAGE_LINK_INVALID) in response.content.decode()
        self.assert_still_pending()

    def test_a_public_signers_link_does_not_work_here_nor_a_sponsors_there(self) -> None:
        self.set_state(Petition.State.OPEN)
        public = self.make_signature(self.petition)
        assert self.client.post(reverse("sponsors:confirm", args=[public.token])).status_code == 404  # type: ignore[attr-defined]
        public.refresh_from_db()
        assert public.state == Signature.State.PENDING

    def test_an_expired_link_says_so(self) -> None:
        Signature.objects.filter(id=self.sponsor.id).update(
            token_expires_at=timezone.now() - dt.timedelta(minutes=1)
        )
        response = self.client.post(self.url)
        assert response.status_code == 410
        assert str(MESSAGE_LINK_EXPIRED) in response.content.decode()
        self.assert_still_pending()

    def test_a_used_link_says_it_was_used(self) -> None:
        self.client.post(self.url)
        response = self.client.post(self.url)
        assert response.status_code == 410
        assert str(MESSAGE_LINK_USED) in response.content.decode()
        assert TallyDelta.objects.count() == 1

    def test_it_refuses_other_methods(self) -> None:
        assert self.client.put(self.url).status_code == 405
        assert (
            self.client.post(reverse("sponsors:thanks", args=[self.sponsor.receipt])).status_code
            == 405
        )
        self.assert_still_pending()

    def test_a_late_confirmation_still_counts_while_it_waits_and_once_it_is_open(self) -> None:
        for state in (Petition.State.PENDING, Petition.State.OPEN):
            self.set_state(state)
            sponsor = self.make_sponsor(self.petition, state=Signature.State.PENDING)
            response = self.client.post(reverse("sponsors:confirm", args=[sponsor.token]))  # type: ignore[attr-defined]
            assert response.status_code == 302
            sponsor.refresh_from_db()
            assert sponsor.state == Signature.State.CONFIRMED

    def test_no_confirmation_once_the_petition_is_refused_hidden_or_closed(self) -> None:
        for state in (Petition.State.REJECTED, Petition.State.HIDDEN, Petition.State.CLOSED):
            self.set_state(state)
            response = self.client.post(self.url)
            assert response.status_code == 410
            assert str(MESSAGE_CLOSED_BEFORE_CONFIRMATION) in response.content.decode()
        self.assert_still_pending()

    def test_thanks_needs_a_confirmed_sponsors_receipt(self) -> None:
        url = reverse("sponsors:thanks", args=[self.sponsor.receipt])
        assert self.client.get(url).status_code == 404  # not confirmed yet
        assert self.client.get(reverse("sponsors:thanks", args=["forged"])).status_code == 404
        public = self.make_signature(self.petition, state=Signature.State.CONFIRMED)
        assert self.client.get(reverse("sponsors:thanks", args=[public.receipt])).status_code == 404

    def test_thanks_leads_to_the_public_thanks_page_once_it_is_open(self) -> None:
        self.client.post(self.url)
        self.set_state(Petition.State.OPEN)
        response = self.client.get(reverse("sponsors:thanks", args=[self.sponsor.receipt]))
        assert response.status_code == 302
        assert response["Location"] == reverse(
            "petitions:thanks", args=[self.petition.slug, self.sponsor.receipt]
        )


class ThresholdTests(SponsorPageTestCase):
    """The N-th confirmation sends the petition to the moderation queue, once."""

    def confirm_new_sponsor(self, **fields: object) -> Signature:
        sponsor = self.make_sponsor(self.petition, state=Signature.State.PENDING, **fields)  # type: ignore[arg-type]
        response = self.client.post(reverse("sponsors:confirm", args=[sponsor.token]))  # type: ignore[attr-defined]
        assert response.status_code == 302
        return sponsor

    def test_the_last_sponsor_sends_it_to_the_queue_with_an_event_and_an_email(self) -> None:
        for _ in range(REQUIRED - 1):
            self.confirm_new_sponsor()
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.SPONSORING
        assert not OutboundEmail.objects.filter(template="petition-sponsored").exists()

        last = self.confirm_new_sponsor()
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.PENDING
        event = self.petition.events.get(kind=TimelineEvent.Kind.SUBMITTED)
        assert event.data == {"sponsors": REQUIRED, "required": REQUIRED}
        email = OutboundEmail.objects.get(template="petition-sponsored")
        assert email.to == self.organiser.email
        assert email.context["sponsors"] == REQUIRED
        assert email.context["preview_url"].endswith(
            reverse("organise:preview", args=[self.petition.slug])
        )
        page = self.client.get(reverse("sponsors:thanks", args=[last.receipt])).content.decode()
        assert "has all the sponsors it needs and is waiting for a moderator" in page

    def test_a_later_confirmation_moves_nothing_and_emails_nobody_again(self) -> None:
        for _ in range(REQUIRED + 2):
            self.confirm_new_sponsor()
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.PENDING
        assert self.petition.events.filter(kind=TimelineEvent.Kind.SUBMITTED).count() == 1
        assert OutboundEmail.objects.filter(template="petition-sponsored").count() == 1

    def test_shadow_flagged_sponsors_do_not_make_up_the_number(self) -> None:
        for _ in range(REQUIRED - 1):
            self.confirm_new_sponsor()
        self.confirm_new_sponsor(flagged=True, flag_reasons=FLAG_HONEYPOT)
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.SPONSORING
        self.confirm_new_sponsor()
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.PENDING
