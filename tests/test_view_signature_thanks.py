from __future__ import annotations

import datetime as dt
import html
from urllib.parse import unquote

from django.urls import reverse
from django.utils import timezone

from tautoko.petitions.models import Signature
from tests.base import TautokoTestCase


class SignatureThanksTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(title="Fix the footpaths")

    def confirm(self, signature: Signature) -> str:
        """Press Confirm on the signature's link; return the page it leads to."""
        response = self.client.post(
            reverse("petitions:confirm", args=[self.petition.slug, signature.token]), follow=True
        )
        assert response.status_code == 200
        return response.content.decode()

    def test_after_confirming_it_says_which_signer_you_are(self) -> None:
        earlier = timezone.now() - dt.timedelta(hours=1)
        for _ in range(3):
            self.make_signature(
                self.petition, state=Signature.State.CONFIRMED, confirmed_at=earlier
            )
        self.make_signature(self.petition)  # pending: not counted
        self.make_signature(self.make_petition(), state=Signature.State.CONFIRMED)

        page = self.confirm(self.make_signature(self.petition))

        assert "Thank you — your signature counts" in page
        assert "You are signer number 4." in page

    def test_each_signer_gets_their_own_number(self) -> None:
        first, second = self.make_signature(self.petition), self.make_signature(self.petition)

        assert "You are signer number 1." in self.confirm(first)
        assert "You are signer number 2." in self.confirm(second)
        first.refresh_from_db()
        response = self.client.get(
            reverse("petitions:thanks", args=[self.petition.slug, first.receipt])
        )
        assert "You are signer number 1." in response.content.decode()

    def test_the_whole_journey_from_the_sign_form_ends_here(self) -> None:
        self.client.post(
            reverse("petitions:sign", args=[self.petition.slug]), self.sign_form(self.petition)
        )
        self.work_run()

        response = self.client.post(self.confirmation_link_latest(), follow=True)

        signature = Signature.objects.get()
        assert response.redirect_chain == [
            (reverse("petitions:thanks", args=[self.petition.slug, signature.receipt]), 302)
        ]
        assert "You are signer number 1." in response.content.decode()

    def test_it_offers_share_links_that_carry_source_codes(self) -> None:
        page = self.confirm(self.make_signature(self.petition))

        for channel in ("x", "facebook", "whatsapp", "email", "link"):
            assert f"/{self.petition.slug}?source={channel}" in unquote(html.unescape(page))

    def test_a_logged_in_visitor_sees_the_same_page(self) -> None:
        signature = self.make_signature(self.petition, state=Signature.State.CONFIRMED)
        self.client.force_login(self.visitor)

        response = self.client.get(
            reverse("petitions:thanks", args=[self.petition.slug, signature.receipt])
        )

        assert response.status_code == 200

    def test_an_unconfirmed_signature_has_no_thanks_page(self) -> None:
        signature = self.make_signature(self.petition)

        response = self.client.get(
            reverse("petitions:thanks", args=[self.petition.slug, signature.receipt])
        )

        assert response.status_code == 404
        assert "Page not found" in response.content.decode()

    def test_a_withdrawn_signature_has_no_thanks_page(self) -> None:
        signature = self.make_signature(self.petition, state=Signature.State.WITHDRAWN)

        response = self.client.get(
            reverse("petitions:thanks", args=[self.petition.slug, signature.receipt])
        )

        assert response.status_code == 404

    def test_a_receipt_only_works_with_its_own_petition(self) -> None:
        signature = self.make_signature(self.petition, state=Signature.State.CONFIRMED)
        other = self.make_petition()

        response = self.client.get(
            reverse("petitions:thanks", args=[other.slug, signature.receipt])
        )

        assert response.status_code == 404

    def test_an_unknown_receipt_is_the_404_page(self) -> None:
        response = self.client.get(
            reverse("petitions:thanks", args=[self.petition.slug, "made-up-receipt"])
        )

        assert response.status_code == 404
        assert "Page not found" in response.content.decode()

    def test_it_refuses_a_post(self) -> None:
        signature = self.make_signature(self.petition, state=Signature.State.CONFIRMED)

        response = self.client.post(
            reverse("petitions:thanks", args=[self.petition.slug, signature.receipt])
        )

        assert response.status_code == 405
