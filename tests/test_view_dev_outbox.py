from __future__ import annotations

import re

from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from tautoko.outbox.models import OutboundEmail
from tests.base import SIGN_FORM_VALID, TautokoTestCase


class DevOutboxTests(TautokoTestCase):
    list_url = reverse("outbox:list")

    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(title="Fix the footpaths")
        self.client.post(reverse("petitions:sign", args=[self.petition.slug]), SIGN_FORM_VALID)
        self.work_run()
        self.email = OutboundEmail.objects.get()
        self.detail_url = reverse("outbox:detail", args=[self.email.code])

    # --- Off unless demo or debug mode --------------------------------------------------------

    def test_it_is_404_outside_demo_and_debug_mode(self) -> None:
        assert not (settings.DEMO or settings.DEBUG)
        for url in (self.list_url, self.detail_url):
            response = self.client.get(url)
            assert response.status_code == 404
            assert "Page not found" in response.content.decode()
            assert SIGN_FORM_VALID["email"] not in response.content.decode()

    def test_it_is_404_even_for_staff_outside_demo_mode(self) -> None:
        self.client.force_login(self.moderator)

        assert self.client.get(self.list_url).status_code == 404

    def test_pages_link_to_it_only_in_demo_mode(self) -> None:
        home = reverse("petitions:home")
        assert self.list_url not in self.client.get(home).content.decode()
        with override_settings(DEMO=True):
            assert self.list_url in self.client.get(home).content.decode()

    # --- In demo mode -------------------------------------------------------------------------

    @override_settings(DEMO=True)
    def test_in_demo_mode_it_lists_the_sent_emails(self) -> None:
        response = self.client.get(self.list_url)

        assert response.status_code == 200
        page = response.content.decode()
        assert SIGN_FORM_VALID["email"] in page
        assert "Confirm your signature: Fix the footpaths" in page
        assert self.detail_url in page

    @override_settings(DEBUG=True)
    def test_in_debug_mode_it_lists_the_sent_emails(self) -> None:
        response = self.client.get(self.list_url)

        assert response.status_code == 200
        assert SIGN_FORM_VALID["email"] in response.content.decode()

    @override_settings(DEMO=True)
    def test_an_email_shows_its_body_with_a_link_that_works(self) -> None:
        response = self.client.get(self.detail_url)

        assert response.status_code == 200
        page = response.content.decode()
        link = re.search(
            r'href="' + re.escape(settings.SITE_URL) + r'(/[^"]+/confirm/[^"]+)"', page
        )
        assert link is not None
        assert self.client.get(link.group(1)).status_code == 200

    @override_settings(DEMO=True)
    def test_a_queued_email_says_it_is_not_sent_yet(self) -> None:
        self.client.post(
            reverse("petitions:sign", args=[self.petition.slug]),
            SIGN_FORM_VALID | {"email": "second@example.org"},
        )
        queued = OutboundEmail.objects.get(to="second@example.org")

        response = self.client.get(reverse("outbox:detail", args=[queued.code]))

        assert "Not sent yet" in response.content.decode()

    @override_settings(DEMO=True)
    def test_an_unknown_email_is_the_404_page(self) -> None:
        response = self.client.get(reverse("outbox:detail", args=["no-such-code"]))

        assert response.status_code == 404
        assert "Page not found" in response.content.decode()

    @override_settings(DEMO=True)
    def test_it_refuses_a_post(self) -> None:
        assert self.client.post(self.list_url).status_code == 405
        assert self.client.post(self.detail_url).status_code == 405
