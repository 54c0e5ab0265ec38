"""A rejected petition's public page: its reason, and no way to sign."""

from __future__ import annotations

from django.urls import reverse

from tautoko.petitions.models import Petition, Signature
from tests.base import SIGN_FORM_VALID, TautokoTestCase


class RejectedPetitionPageTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(state=Petition.State.PENDING, title="Buy my widgets")
        self.petition.reject(
            by=self.moderator,
            reason_code="advert",
            reason_label="Advert",
            note="Petitions cannot sell things.",
        )

    def test_it_shows_the_petition_with_its_reason_and_no_sign_form(self) -> None:
        response = self.client.get(reverse("petitions:detail", args=[self.petition.slug]))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Buy my widgets" in html
        assert "This petition was rejected" in html
        assert "Advert" in html
        assert "Petitions cannot sell things." in html
        assert "sign-form" not in html

    def test_signing_it_is_refused(self) -> None:
        response = self.client.post(
            reverse("petitions:sign", args=[self.petition.slug]), SIGN_FORM_VALID
        )
        assert response.status_code == 410
        assert not Signature.objects.exists()
