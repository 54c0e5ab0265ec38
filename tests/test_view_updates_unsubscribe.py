"""One-click unsubscribe from a petition's updates (RFC 8058): a signed link, no state stored."""

from __future__ import annotations

from django.core import signing
from django.test import Client
from django.urls import reverse

from tautoko.outbox.services import broadcast_queue, broadcasts_fan_out
from tautoko.petitions.audiences import SIGNERS_OPTED_IN
from tautoko.petitions.models import Signature
from tautoko.signers.unsubscribe import unsubscribe_receipt, unsubscribe_token
from tautoko.signers.views import MESSAGE_LINK_INVALID, MESSAGE_UNSUBSCRIBED
from tests.base import TautokoTestCase


class UnsubscribeTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition()
        self.signature = self.make_signature(
            self.petition, state=Signature.State.CONFIRMED, notify=True
        )
        self.url = reverse(
            "signers:unsubscribe", args=[unsubscribe_token(receipt=self.signature.receipt)]
        )

    def notify(self) -> bool:
        self.signature.refresh_from_db()
        return self.signature.notify

    def test_get_shows_a_button_and_changes_nothing(self) -> None:
        response = self.client.get(self.url)
        assert response.status_code == 200
        assert b'<form method="post">' in response.content
        assert self.notify() is True

    def test_the_button_stops_the_updates(self) -> None:
        response = self.client.post(self.url)
        assert response.status_code == 302
        assert self.notify() is False
        page = self.client.get(response["Location"])
        assert MESSAGE_UNSUBSCRIBED in page.content.decode()
        assert self.signature.state == Signature.State.CONFIRMED  # it still counts

    def test_a_mail_clients_one_click_post_needs_no_csrf_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        response = client.post(self.url, {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
        assert self.notify() is False

    def test_other_pages_still_check_csrf(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.organiser)
        response = client.post(reverse("organise:goal", args=[self.petition.slug]), {"goal": "5"})
        assert response.status_code == 403

    def test_a_forged_token_is_refused(self) -> None:
        forged = unsubscribe_token(receipt=self.signature.receipt)[:-2] + "xx"
        for method in (self.client.get, self.client.post):
            response = method(reverse("signers:unsubscribe", args=[forged]))
            assert response.status_code == 404
            assert MESSAGE_LINK_INVALID in response.content.decode()
        other_salt = signing.dumps(self.signature.receipt, salt="something-else")
        response = self.client.post(reverse("signers:unsubscribe", args=[other_salt]))
        assert response.status_code == 404
        assert self.notify() is True

    def test_an_unknown_receipt_is_a_404(self) -> None:
        token = unsubscribe_token(receipt="no-such-receipt")
        assert self.client.post(reverse("signers:unsubscribe", args=[token])).status_code == 404

    def test_wrong_method(self) -> None:
        assert self.client.put(self.url).status_code == 405

    def test_the_broadcast_carries_each_signers_own_link_and_headers(self) -> None:
        broadcast_queue(
            key="update:test",
            audience=SIGNERS_OPTED_IN,
            audience_args={"petition_id": self.petition.id},
            template="petition-update",
            context={},
        )
        broadcasts_fan_out()
        from tautoko.outbox.models import OutboundEmail

        email = OutboundEmail.objects.get(template="petition-update")
        url = email.context["unsubscribe_url"]
        assert email.context["headers"] == {
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        token = url.rsplit("/", 1)[1]
        assert unsubscribe_receipt(token=token) == self.signature.receipt
        # Once unsubscribed, the next update does not go to them.
        self.client.post(url.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
        assert self.notify() is False
        broadcast_queue(
            key="update:test-2",
            audience=SIGNERS_OPTED_IN,
            audience_args={"petition_id": self.petition.id},
            template="petition-update",
            context={},
        )
        broadcasts_fan_out()
        assert OutboundEmail.objects.filter(template="petition-update").count() == 1
