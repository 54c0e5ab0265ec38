"""The page a "manage my signatures" link opens, and its actions: withdraw, erase, export."""

from __future__ import annotations

import datetime as dt
import json
import re

from django.urls import reverse
from django.utils import timezone

from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.models import Petition, Signature, TallyDelta
from tautoko.petitions.services import tally_total
from tautoko.signers.forms import ERROR_ERASE_CONFIRM_REQUIRED
from tautoko.signers.models import ManageLink
from tautoko.signers.views import (
    MESSAGE_LINK_EXPIRED,
    MESSAGE_LINK_INVALID,
    MESSAGE_LINK_USED,
    MESSAGE_WITHDRAWN,
)
from tests.base_signers import SignersTestCase

SIGNER = "aroha@example.org"


class ManagePageTestCase(SignersTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.footpaths = self.make_petition(title="Fix the footpaths")
        self.buses = self.make_petition(title="More buses", state=Petition.State.CLOSED)
        self.confirmed = self.make_signature(
            self.footpaths, email=SIGNER, state=Signature.State.CONFIRMED, name="Aroha Test"
        )
        self.pending = self.make_signature(self.buses, email=SIGNER, name="Aroha Test")
        self.someone_else = self.make_signature(
            self.footpaths, email="other@example.org", state=Signature.State.CONFIRMED
        )
        self.work_run()
        self.link, self.token = self.make_manage_link(SIGNER)

    def url(self, name: str, *args: str) -> str:
        return reverse(f"signers:{name}", args=[self.token, *args])

    def expire_link(self) -> None:
        ManageLink.objects.filter(id=self.link.id).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )


class ManagePageTests(ManagePageTestCase):
    def test_it_lists_every_petition_the_address_signed(self) -> None:
        response = self.client.get(self.url("manage"))

        assert response.status_code == 200
        page = response.content.decode()
        assert "Fix the footpaths" in page
        assert "More buses" in page
        assert page.count("Aroha Test") == 2
        assert self.someone_else.name not in page
        assert response["Referrer-Policy"] == "same-origin"
        assert "no-store" in response["Cache-Control"]

    def test_it_matches_the_canonical_address(self) -> None:
        self.make_signature(self.make_petition(title="Gmail petition"), email="a.roha@gmail.com")
        _link, token = self.make_manage_link("ARoha+news@googlemail.com")

        page = self.client.get(reverse("signers:manage", args=[token])).content.decode()

        assert "Gmail petition" in page
        assert "Fix the footpaths" not in page

    def test_opening_it_changes_nothing(self) -> None:
        before = list(Signature.objects.order_by("id").values())

        self.client.get(self.url("manage"))
        self.client.get(self.url("manage"))

        assert list(Signature.objects.order_by("id").values()) == before
        assert ManageLink.objects.get().used_at is None

    def test_a_forged_link_is_not_valid(self) -> None:
        response = self.client.get(reverse("signers:manage", args=["forged-token"]))

        assert response.status_code == 404
        assert MESSAGE_LINK_INVALID in response.content.decode()

    def test_an_expired_link_says_so(self) -> None:
        self.expire_link()

        response = self.client.get(self.url("manage"))

        assert response.status_code == 410
        assert MESSAGE_LINK_EXPIRED in response.content.decode()
        assert "Fix the footpaths" not in response.content.decode()

    def test_it_refuses_a_post(self) -> None:
        assert self.client.post(self.url("manage")).status_code == 405

    def test_a_logged_in_user_sees_nothing_without_a_link(self) -> None:
        self.client.force_login(self.visitor)

        response = self.client.get(reverse("signers:manage", args=["x" * 43]))

        assert response.status_code == 404


class WithdrawTests(ManagePageTestCase):
    def test_withdrawing_a_confirmed_signature_takes_exactly_one_off_the_count(self) -> None:
        before = tally_total(petition_id=self.footpaths.id)

        response = self.client.post(self.url("withdraw", self.confirmed.receipt))

        assert response.status_code == 302
        assert response["Location"] == self.url("manage") + "?done=withdrawn"
        self.confirmed.refresh_from_db()
        assert self.confirmed.state == Signature.State.WITHDRAWN
        assert self.confirmed.withdrawn_at is not None
        assert TallyDelta.objects.get().delta == -1
        self.work_run()
        assert (before, tally_total(petition_id=self.footpaths.id)) == (2, 1)
        page = self.client.get(response["Location"]).content.decode()
        assert MESSAGE_WITHDRAWN in page

    def test_withdrawing_a_pending_signature_changes_no_count(self) -> None:
        token = self.pending.token

        self.client.post(self.url("withdraw", self.pending.receipt))

        self.pending.refresh_from_db()
        assert self.pending.state == Signature.State.WITHDRAWN
        assert not TallyDelta.objects.exists()
        # Its confirmation link no longer confirms anything.
        confirm = reverse("petitions:confirm", args=[self.buses.slug, token])
        assert self.client.post(confirm).status_code in (404, 410)

    def test_withdrawing_twice_takes_one_off_not_two(self) -> None:
        self.client.post(self.url("withdraw", self.confirmed.receipt))
        again = self.client.post(self.url("withdraw", self.confirmed.receipt))

        assert again.status_code == 302
        assert TallyDelta.objects.count() == 1
        self.work_run()
        assert tally_total(petition_id=self.footpaths.id) == 1

    def test_someone_elses_signature_is_not_found(self) -> None:
        response = self.client.post(self.url("withdraw", self.someone_else.receipt))

        assert response.status_code == 404
        self.someone_else.refresh_from_db()
        assert self.someone_else.state == Signature.State.CONFIRMED
        assert not TallyDelta.objects.exists()

    def test_an_unknown_receipt_is_not_found(self) -> None:
        assert self.client.post(self.url("withdraw", "no-such-receipt")).status_code == 404

    def test_it_refuses_a_get(self) -> None:
        response = self.client.get(self.url("withdraw", self.confirmed.receipt))

        assert response.status_code == 405
        self.confirmed.refresh_from_db()
        assert self.confirmed.state == Signature.State.CONFIRMED

    def test_an_expired_link_withdraws_nothing(self) -> None:
        self.expire_link()

        response = self.client.post(self.url("withdraw", self.confirmed.receipt))

        assert response.status_code == 410
        self.confirmed.refresh_from_db()
        assert self.confirmed.state == Signature.State.CONFIRMED

    def test_a_forged_link_withdraws_nothing(self) -> None:
        url = reverse("signers:withdraw", args=["forged", self.confirmed.receipt])

        assert self.client.post(url).status_code == 404
        assert not TallyDelta.objects.exists()

    def test_the_link_works_for_several_actions(self) -> None:
        self.client.post(self.url("withdraw", self.confirmed.receipt))
        self.client.post(self.url("withdraw", self.pending.receipt))

        assert set(
            Signature.objects.filter(email_canonical=SIGNER).values_list("state", flat=True)
        ) == {Signature.State.WITHDRAWN}


class EraseTests(ManagePageTestCase):
    def test_erasing_withdraws_and_anonymises_every_signature_of_the_address(self) -> None:
        self.client.post(reverse("signers:request"), {"email": SIGNER})
        self.work_run()

        response = self.client.post(self.url("erase"), {"confirm": "on"})

        assert response.status_code == 302
        assert response["Location"] == reverse("signers:erased")
        for signature in (self.confirmed, self.pending):
            signature.refresh_from_db()
            assert signature.state == Signature.State.WITHDRAWN
            assert (signature.name, signature.email) == ("", "")
            assert signature.email_canonical == f"anonymised:{signature.id}"
            assert signature.anonymised_at is not None
            # What the counts are keyed by stays.
            assert (signature.electorate, str(signature.country)) == ("Wellington Central", "NZ")
        self.someone_else.refresh_from_db()
        assert self.someone_else.name != ""
        assert not Signature.objects.filter(name="Aroha Test").exists()
        assert not OutboundEmail.objects.filter(to=SIGNER).exists()
        dump = json.dumps(list(OutboundEmail.objects.values()), default=str)
        assert SIGNER not in dump and "Aroha Test" not in dump
        self.work_run()
        assert tally_total(petition_id=self.footpaths.id) == 1

    def test_the_link_is_spent_once_used_to_erase(self) -> None:
        self.client.post(self.url("erase"), {"confirm": "on"})

        response = self.client.get(self.url("manage"))

        assert response.status_code == 410
        assert MESSAGE_LINK_USED in response.content.decode()
        assert self.client.post(self.url("erase"), {"confirm": "on"}).status_code == 410

    def test_it_needs_the_box_ticked(self) -> None:
        response = self.client.post(self.url("erase"), {})

        assert response.status_code == 400
        html = response.content.decode()
        assert str(ERROR_ERASE_CONFIRM_REQUIRED) in html
        # The box's description is the message, for a screen reader too.
        described = re.search(r'<input[^>]*name="confirm"[^>]*aria-describedby="([^"]+)"', html)
        assert described is not None
        message = re.search(rf'<div id="{described.group(1)}">(.*?)</div>', html, re.S)
        assert message is not None and str(ERROR_ERASE_CONFIRM_REQUIRED) in message.group(1)
        self.confirmed.refresh_from_db()
        assert self.confirmed.name == "Aroha Test"

    def test_an_expired_link_erases_nothing(self) -> None:
        self.expire_link()

        assert self.client.post(self.url("erase"), {"confirm": "on"}).status_code == 410
        assert Signature.objects.filter(name="Aroha Test").count() == 2

    def test_a_forged_link_erases_nothing(self) -> None:
        url = reverse("signers:erase", args=["forged"])

        assert self.client.post(url, {"confirm": "on"}).status_code == 404
        assert Signature.objects.filter(name="Aroha Test").count() == 2

    def test_it_refuses_a_get(self) -> None:
        assert self.client.get(self.url("erase")).status_code == 405

    def test_the_erased_page_says_what_happened(self) -> None:
        response = self.client.get(reverse("signers:erased"))

        assert response.status_code == 200
        assert "Your data is erased" in response.content.decode()

    def test_after_erasure_a_new_link_finds_nothing_for_the_address(self) -> None:
        self.client.post(self.url("erase"), {"confirm": "on"})

        _link, token = self.make_manage_link(SIGNER)

        page = self.client.get(reverse("signers:manage", args=[token])).content.decode()
        assert "No signatures are recorded for this address." in page


class SignedVersionTests(ManagePageTestCase):
    def test_the_page_says_which_version_was_signed_once_the_text_changed(self) -> None:
        page = self.client.get(self.url("manage")).content.decode()
        assert "You signed version" not in page

        Petition.objects.filter(id=self.footpaths.id).update(version=2)
        page = self.client.get(self.url("manage")).content.decode()
        assert "You signed version 1 of its text." in page
        assert reverse("petitions:history", args=[self.footpaths.slug]) in page


class ExportTests(ManagePageTestCase):
    def test_it_downloads_everything_held_about_the_address_as_json(self) -> None:
        response = self.client.get(self.url("export"))

        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert "attachment" in response["Content-Disposition"]
        assert "no-store" in response["Cache-Control"]
        data = json.loads(response.content)
        assert data["email_canonical"] == SIGNER
        by_title = {s["petition"]["title"]: s for s in data["signatures"]}
        assert set(by_title) == {"Fix the footpaths", "More buses"}
        assert by_title["Fix the footpaths"]["state"] == "confirmed"
        assert by_title["Fix the footpaths"]["name"] == "Aroha Test"
        assert by_title["More buses"]["consent_version"]
        assert "consented_at" in by_title["More buses"]
        assert self.someone_else.receipt not in response.content.decode()

    def test_it_says_which_version_of_each_petitions_text_was_signed(self) -> None:
        Signature.objects.filter(id=self.confirmed.id).update(petition_version=2)

        data = json.loads(self.client.get(self.url("export")).content)

        by_title = {s["petition"]["title"]: s for s in data["signatures"]}
        assert by_title["Fix the footpaths"]["petition_version"] == 2
        assert by_title["More buses"]["petition_version"] == 1

    def test_it_says_which_language_each_signature_was_made_in(self) -> None:
        Signature.objects.filter(id=self.confirmed.id).update(language="mi")

        data = json.loads(self.client.get(self.url("export")).content)

        by_title = {s["petition"]["title"]: s for s in data["signatures"]}
        assert by_title["Fix the footpaths"]["language"] == "mi"

    def test_it_includes_the_emails_sent_to_the_address(self) -> None:
        self.client.post(reverse("signers:request"), {"email": SIGNER})

        data = json.loads(self.client.get(self.url("export")).content)

        assert [e["template"] for e in data["emails"]] == ["manage-signatures"]

    def test_an_expired_link_exports_nothing(self) -> None:
        self.expire_link()

        response = self.client.get(self.url("export"))

        assert response.status_code == 410
        assert b"Aroha Test" not in response.content

    def test_a_forged_link_exports_nothing(self) -> None:
        response = self.client.get(reverse("signers:export", args=["forged"]))

        assert response.status_code == 404

    def test_it_refuses_a_post(self) -> None:
        assert self.client.post(self.url("export")).status_code == 405
