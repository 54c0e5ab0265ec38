from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from tests.base import SIGN_FORM_VALID, tautoko_settings
from tests.base_signers import SignersTestCase


class PrivacyNoticeTests(SignersTestCase):
    url = "/privacy"

    def test_it_says_what_is_kept_why_for_how_long_and_who_sees_it(self) -> None:
        response = self.client.get(self.url)

        assert response.status_code == 200
        page = response.content.decode()
        assert f"Version {settings.TAUTOKO['PRIVACY_NOTICE_VERSION']}" in page
        for heading in ("What we keep, and why", "Who sees it", "How long we keep it"):
            assert heading in page
        assert "The decision maker sees only your name, electorate and country" in page
        assert "183 days after the petition closes" in page
        assert reverse("signers:request") in page

    def test_it_shows_the_configured_retention_period(self) -> None:
        with tautoko_settings(ANONYMISE_AFTER_DAYS=30):
            page = self.client.get(self.url).content.decode()

        assert "30 days after the petition closes" in page

    def test_every_page_links_it_from_the_footer(self) -> None:
        page = self.client.get(reverse("petitions:home")).content.decode()

        assert 'href="/privacy"' in page
        assert f'href="{reverse("signers:request")}"' in page

    def test_the_sign_form_links_it_beside_the_consent_line(self) -> None:
        petition = self.make_petition()

        page = self.client.get(reverse("petitions:detail", args=[petition.slug])).content.decode()

        form = page[page.index('class="sign-form"') :]
        assert form.index('name="consent"') < form.index('href="/privacy"')

    def test_it_is_public_to_a_logged_in_user_too(self) -> None:
        self.client.force_login(self.visitor)

        assert self.client.get(self.url).status_code == 200

    def test_it_refuses_a_post(self) -> None:
        assert self.client.post(self.url).status_code == 405


class ConsentRecordTests(SignersTestCase):
    def test_each_signature_records_what_was_agreed_to_when_and_under_which_notice(self) -> None:
        petition = self.make_petition()

        with tautoko_settings(PRIVACY_NOTICE_VERSION="2027-02", CONSENT_TEXT_VERSION="2026-12"):
            response = self.client.post(
                reverse("petitions:sign", args=[petition.slug]), SIGN_FORM_VALID
            )

        assert response.status_code == 302
        signature = petition.signatures.get()
        assert (signature.consent_version, signature.privacy_notice_version) == (
            "2026-12",
            "2027-02",
        )
        assert signature.consented_at == signature.created_at

    def test_no_consent_no_signature(self) -> None:
        petition = self.make_petition()

        response = self.client.post(
            reverse("petitions:sign", args=[petition.slug]),
            {k: v for k, v in SIGN_FORM_VALID.items() if k != "consent"},
        )

        assert response.status_code == 400
        assert not petition.signatures.exists()
