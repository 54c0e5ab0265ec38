"""Two-factor for staff: the verify page, and the admin behind it."""

from __future__ import annotations

from django.core.management import CommandError, call_command
from django.urls import reverse

from tautoko.accounts.forms import MESSAGE_TOKEN_WRONG
from tautoko.accounts.models import User
from tautoko.accounts.staff import totp_device_for
from tests.staff import ModerationTestCase, staff_login, totp_token

VERIFY = reverse("staff-verify")
QUEUE = reverse("moderation:queue")


class StaffVerifyTests(ModerationTestCase):
    def test_the_right_code_verifies_the_session_and_opens_the_staff_page(self) -> None:
        staff_login(self.client, self.moderator, verified=False)
        device = totp_device_for(self.moderator)
        assert device is not None
        assert self.client.get(QUEUE).status_code == 302
        response = self.client.post(VERIFY, {"token": totp_token(device), "next": QUEUE})
        assert response.status_code == 302
        assert response["Location"] == QUEUE
        assert self.client.get(QUEUE).status_code == 200

    def test_a_wrong_code_is_refused(self) -> None:
        staff_login(self.client, self.moderator, verified=False)
        response = self.client.post(VERIFY, {"token": "000000", "next": QUEUE})
        assert response.status_code == 400
        assert str(MESSAGE_TOKEN_WRONG) in response.context["form"].errors["token"]
        assert self.client.get(QUEUE).status_code == 302

    def test_a_code_cannot_be_used_twice(self) -> None:
        device = totp_device_for(self.moderator)
        assert device is not None
        token = totp_token(device)
        staff_login(self.client, self.moderator, verified=False)
        assert self.client.post(VERIFY, {"token": token}).status_code == 302
        self.client.logout()
        staff_login(self.client, self.moderator, verified=False)
        assert self.client.post(VERIFY, {"token": token}).status_code == 400

    def test_an_empty_code_is_invalid(self) -> None:
        staff_login(self.client, self.moderator, verified=False)
        assert self.client.post(VERIFY, {"token": ""}).status_code == 400

    def test_it_does_not_redirect_to_another_site(self) -> None:
        staff_login(self.client, self.moderator, verified=False)
        device = totp_device_for(self.moderator)
        assert device is not None
        response = self.client.post(
            VERIFY, {"token": totp_token(device), "next": "https://evil.example/"}
        )
        assert response["Location"] == QUEUE

    def test_staff_without_a_device_are_told_to_ask_for_one(self) -> None:
        staff_login(self.client, self.other_moderator, verified=False)
        response = self.client.get(VERIFY)
        assert response.status_code == 403
        assert "staff_totp_add" in response.content.decode()

    def test_anonymous_visitors_log_in_first_and_non_staff_get_a_404(self) -> None:
        response = self.client.get(VERIFY)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        self.client.force_login(self.organiser)
        assert self.client.get(VERIFY).status_code == 404

    def test_it_refuses_other_methods(self) -> None:
        staff_login(self.client, self.moderator, verified=False)
        assert self.client.put(VERIFY).status_code == 405


class AdminTests(ModerationTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.admin = User.objects.create_superuser("admin@example.org", "admin-password")

    def test_an_admin_without_two_factor_is_sent_to_the_check(self) -> None:
        staff_login(self.client, self.admin, verified=False)
        response = self.client.get(reverse("admin:index"), follow=True)
        assert response.redirect_chain[-1][0].startswith(VERIFY)

    def test_an_admin_who_passed_two_factor_gets_in(self) -> None:
        staff_login(self.client, self.admin)
        assert self.client.get(reverse("admin:index")).status_code == 200

    def test_the_admins_own_login_form_is_not_served(self) -> None:
        response = self.client.get(reverse("admin:login"))
        assert response.status_code == 302
        assert response["Location"].startswith(VERIFY)


class StaffTotpAddCommandTests(ModerationTestCase):
    def test_it_gives_a_staff_member_a_device_and_prints_its_url(self) -> None:
        from io import StringIO

        out = StringIO()
        call_command("staff_totp_add", "moderator2@example.org", stdout=out)
        assert out.getvalue().startswith("otpauth://totp/")
        assert totp_device_for(self.other_moderator) is not None

    def test_it_refuses_non_staff_and_existing_devices(self) -> None:
        for email in ("organiser@example.org", "moderator@example.org", "nobody@example.org"):
            try:
                call_command("staff_totp_add", email)
            except CommandError:
                continue
            raise AssertionError(f"{email} was given a device")
