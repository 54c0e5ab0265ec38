"""The staff pages of bulk invalidation: dry run, apply, the record, cancel."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from tautoko.fraud.forms import ERROR_NO_CRITERION, ERROR_REASON_REQUIRED
from tautoko.fraud.models import Invalidation
from tautoko.fraud.services import Criteria, invalidation_apply
from tautoko.petitions.models import Signature
from tautoko.petitions.services import tally_total
from tests.base import TautokoTestCase
from tests.staff import staff_login


class InvalidatePageTestCase(TautokoTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.moderator.user_permissions.add(Permission.objects.get(codename="invalidate"))

    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition()
        for n in range(4):
            self.make_signature(
                self.petition, state=Signature.State.CONFIRMED, email=f"b{n}@bot.example"
            )
        self.make_signature(self.petition, state=Signature.State.CONFIRMED)
        self.work_run()
        self.url = reverse("fraud:invalidate")
        self.form = {"petition": self.petition.slug, "domain": "bot.example", "reason": "farm"}

    def login(self, *, verified: bool = True) -> None:
        staff_login(self.client, self.moderator, verified=verified)


class AccessTests(InvalidatePageTestCase):
    def test_anonymous_visitors_are_sent_to_log_in(self) -> None:
        for url in (self.url, reverse("fraud:invalidations")):
            response = self.client.get(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        response = self.client.post(self.url, {**self.form, "apply": "1"})
        assert response.status_code == 302
        assert not Invalidation.objects.exists()

    def test_people_without_the_permission_get_a_404(self) -> None:
        self.client.force_login(self.organiser)
        assert self.client.get(self.url).status_code == 404
        staff_without = type(self.moderator).objects.create_user(
            "staff@example.org", "staff-password", is_staff=True
        )
        staff_login(self.client, staff_without)
        assert self.client.get(self.url).status_code == 404
        assert self.client.post(self.url, {**self.form, "apply": "1"}).status_code == 404
        assert not Invalidation.objects.exists()

    def test_staff_who_have_not_passed_two_factor_are_sent_to_the_check(self) -> None:
        self.login(verified=False)
        response = self.client.get(self.url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("staff-verify"))

    def test_wrong_methods_are_refused(self) -> None:
        self.login()
        assert self.client.put(self.url).status_code == 405
        assert self.client.post(reverse("fraud:invalidations")).status_code == 405
        record = invalidation_apply(
            criteria=Criteria(domain="bot.example"), by=self.moderator, reason="x"
        )
        cancel = reverse("fraud:invalidation-cancel", args=[record.code])
        assert self.client.get(cancel).status_code == 405
        record.refresh_from_db()
        assert not record.is_cancelled


class InvalidateTests(InvalidatePageTestCase):
    def test_the_dry_run_shows_how_many_and_changes_nothing(self) -> None:
        self.login()
        response = self.client.post(self.url, {**self.form, "preview": "1"})
        assert response.status_code == 200
        assert 'data-preview="4"' in response.content.decode()
        assert "Invalidate 4 signatures" in response.content.decode()
        assert not Invalidation.objects.exists()
        assert not Signature.objects.filter(state=Signature.State.INVALIDATED).exists()

    def test_applying_invalidates_records_and_redirects_to_the_record(self) -> None:
        self.login()
        response = self.client.post(self.url, {**self.form, "apply": "1"})
        record = Invalidation.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("fraud:invalidation", args=[record.code])
        assert (record.created_by, record.reason, record.invalidated) == (self.moderator, "farm", 4)
        self.work_run()
        assert tally_total(petition_id=self.petition.id) == 1
        page = self.client.get(response["Location"])
        assert "data-invalidated>4<" in page.content.decode()

    def test_the_time_range_is_read_in_utc_as_its_labels_say(self) -> None:
        # The site is in New Zealand (UTC+13 in summer): read there, 09:00 would be 20:00 UTC
        # the day before, and the range would take the wrong signatures.
        at = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)
        Signature.objects.filter(email__endswith="@bot.example").update(created_at=at)
        self.login()

        def preview(start: str, end: str) -> str:
            form = {**self.form, "created_from": start, "created_to": end, "preview": "1"}
            response = self.client.post(self.url, form)
            assert response.status_code == 200
            return re.search(r'data-preview="(\d+)"', response.content.decode()).group(1)  # type: ignore[union-attr]

        assert preview("2026-01-15 09:00", "2026-01-15 10:00") == "4"
        assert preview("2026-01-14 20:00", "2026-01-14 21:00") == "0"

    def test_invalid_input_is_refused_with_the_reasons(self) -> None:
        self.login()
        no_reason = self.client.post(self.url, {**self.form, "reason": "", "apply": "1"})
        assert no_reason.status_code == 400
        assert str(ERROR_REASON_REQUIRED) in no_reason.content.decode()
        nothing = self.client.post(self.url, {"reason": "why", "apply": "1"})
        assert nothing.status_code == 400
        assert str(ERROR_NO_CRITERION) in nothing.content.decode()
        assert not Invalidation.objects.exists()

    def test_cancelling_restores_and_can_be_done_once(self) -> None:
        self.login()
        record = invalidation_apply(
            criteria=Criteria(domain="bot.example"), by=self.moderator, reason="x"
        )
        self.work_run()
        assert tally_total(petition_id=self.petition.id) == 1
        cancel = reverse("fraud:invalidation-cancel", args=[record.code])
        response = self.client.post(cancel, {"reason": "genuine after all"})
        assert response.status_code == 302
        self.work_run()
        assert tally_total(petition_id=self.petition.id) == 5
        record.refresh_from_db()
        assert record.is_cancelled and record.restored == 4
        assert record.cancelled_by == self.moderator
        again = self.client.post(cancel, {}, follow=True)
        assert "already cancelled" in again.content.decode()

    def test_an_unknown_or_forged_code_is_a_404(self) -> None:
        self.login()
        assert self.client.get(reverse("fraud:invalidation", args=["forged"])).status_code == 404
        response = self.client.post(reverse("fraud:invalidation-cancel", args=["forged"]))
        assert response.status_code == 404

    def test_the_list_shows_every_record(self) -> None:
        self.login()
        invalidation_apply(criteria=Criteria(domain="bot.example"), by=self.moderator, reason="x")
        response = self.client.get(reverse("fraud:invalidations"))
        assert response.status_code == 200
        assert self.moderator.email in response.content.decode()


class ModeratorsGroupTests(InvalidatePageTestCase):
    def test_the_moderators_group_may_invalidate_in_bulk(self) -> None:
        group = Group.objects.get(name="Moderators")

        assert group.permissions.filter(
            content_type__app_label="fraud", codename="invalidate"
        ).exists()
