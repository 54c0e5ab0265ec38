"""Two-factor for staff: the verify page, and the admin behind it."""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tautoko.accounts.forms import MESSAGE_TOKEN_WRONG, message_token_wait
from tautoko.accounts.models import User
from tautoko.accounts.staff import totp_device_for, totp_wait_cap
from tests.clock import Clock
from tests.staff import ModerationTestCase, staff_login, totp_token

VERIFY = reverse("staff-verify")
QUEUE = reverse("moderation:queue")
WAIT_MAX = 15 * 60  # seconds: TAUTOKO["TWO_FACTOR_WAIT_MAX_SECONDS"]


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

    def test_a_next_that_is_not_a_path_leads_to_the_queue_not_a_500(self) -> None:
        # Found in review: redirect() took a bare word for a URL name (NoReverseMatch).
        staff_login(self.client, self.moderator, verified=True)
        for next_value in ("abc", "moderation:queue", "javascript:alert(1)", "//evil.example"):
            response = self.client.get(VERIFY, {"next": next_value})
            assert (response.status_code, response["Location"]) == (302, QUEUE), next_value
        response = self.client.get(VERIFY, {"next": "/organise/"})
        assert response["Location"] == "/organise/"

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


class WrongCodeWaitTests(ModerationTestCase):
    """Wrong codes in a row make the device wait, doubling from one second, never longer
    than WAIT_MAX; told with a controlled clock (tests/clock.py)."""

    def setUp(self) -> None:
        super().setUp()
        device = totp_device_for(self.moderator)
        assert device is not None
        self.device = device

    def wrong(self, client: Client | None = None) -> int:
        response = (client or self.client).post(VERIFY, {"token": "000000", "next": QUEUE})
        return response.status_code

    def right(self):  # type: ignore[no-untyped-def]
        return self.client.post(VERIFY, {"token": totp_token(self.device), "next": QUEUE})

    def assert_waiting(self, seconds: int) -> None:
        response = self.right()
        assert response.status_code == 429
        assert response["Retry-After"] == str(seconds)
        assert response.context["form"].errors["token"] == [message_token_wait(seconds)]
        assert DEVICE_ID_SESSION_KEY not in self.client.session

    def test_the_wait_doubles_with_each_wrong_code_and_the_right_code_then_works(self) -> None:
        staff_login(self.client, self.moderator, verified=False)
        with Clock() as clock:
            assert self.wrong() == 400
            self.assert_waiting(1)  # the right code, too early: not even tried
            clock.advance(seconds=1)
            assert self.wrong() == 400
            self.assert_waiting(2)
            clock.advance(seconds=1)
            self.assert_waiting(1)
            clock.advance(seconds=1)
            response = self.right()
        assert response.status_code == 302
        assert response["Location"] == QUEUE
        assert self.client.get(QUEUE).status_code == 200
        self.device.refresh_from_db()
        assert self.device.throttling_failure_count == 0

    def test_many_wrong_codes_never_make_the_real_user_wait_longer_than_the_cap(self) -> None:
        staff_login(self.client, self.moderator, verified=False)
        waits = []
        with Clock() as clock:
            # Twenty wrong codes, each as soon as allowed: uncapped, the last would be
            # followed by a wait of 2^19 seconds (six days).
            for _attempt in range(20):
                assert self.wrong() == 400
                response = self.right()
                assert response.status_code == 429
                waits.append(int(response["Retry-After"]))
                clock.advance(seconds=waits[-1] - 1)
                self.assert_waiting(1)
                clock.advance(seconds=1)
            assert waits == [min(2**n, WAIT_MAX) for n in range(20)]
            assert self.wrong() == 400
            clock.advance(seconds=WAIT_MAX - 1)
            self.assert_waiting(1)
            clock.advance(seconds=1)
            response = self.right()
        assert response.status_code == 302
        assert self.client.get(QUEUE).status_code == 200

    def test_waiting_attempts_do_not_lengthen_the_wait(self) -> None:
        staff_login(self.client, self.moderator, verified=False)
        with Clock() as clock:
            for wait in (1, 2):
                assert self.wrong() == 400
                clock.advance(seconds=wait)
            assert self.wrong() == 400
            # Three wrong codes: a 4-second wait. Early tries change nothing.
            self.device.refresh_from_db()
            failures = self.device.throttling_failure_count
            for _attempt in range(5):
                assert self.wrong() == 429
            self.device.refresh_from_db()
            assert self.device.throttling_failure_count == failures

    def test_someone_who_has_the_password_is_stopped_by_a_password_reset(self) -> None:
        EmailAddress.objects.filter(user=self.moderator).update(verified=True)
        intruder = Client()
        staff_login(intruder, self.moderator, verified=False)
        with Clock() as clock:
            for _attempt in range(15):
                assert self.wrong(intruder) == 400
                clock.advance(seconds=WAIT_MAX)
            assert self.wrong(intruder) == 400

            self.password_reset_by_email(
                Client(), email="moderator@example.org", password="pohutukawa-bloom-77"
            )

            # The reset ended every session made with the old password: no more guesses.
            response = intruder.post(VERIFY, {"token": "000000"})
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
            self.moderator.refresh_from_db()  # its new password
            staff_login(self.client, self.moderator, verified=False)
            clock.advance(seconds=WAIT_MAX - 1)
            self.assert_waiting(1)
            clock.advance(seconds=1)
            assert self.right().status_code == 302
        assert self.client.get(QUEUE).status_code == 200


class WaitCapTests(ModerationTestCase):
    """totp_wait_cap on the device row itself."""

    def device_failed(self, *, failures: int, last: dt.datetime) -> TOTPDevice:
        device = totp_device_for(self.moderator)
        assert device is not None
        device.throttling_failure_count = failures
        device.throttling_failure_timestamp = last
        device.save()
        return device

    def test_a_long_run_of_wrong_codes_waits_only_the_cap(self) -> None:
        last = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)
        device = self.device_failed(failures=40, last=last)

        until = totp_wait_cap(device, now=last + dt.timedelta(seconds=1))

        assert until == last + dt.timedelta(seconds=WAIT_MAX)
        device.refresh_from_db()
        assert device.throttling_failure_count == 40  # nothing changes while it waits

    def test_once_the_cap_has_passed_django_otp_lets_the_next_code_through(self) -> None:
        last = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)
        device = self.device_failed(failures=40, last=last)
        now = last + dt.timedelta(seconds=WAIT_MAX)

        assert totp_wait_cap(device, now=now) is None

        device.refresh_from_db()
        # 2^9 = 512 seconds fits under the cap, 2^10 does not: the next wrong code waits
        # the cap again.
        assert device.throttling_failure_count == 10
        with Clock(now):
            assert device.verify_is_allowed() == (True, None)

    def test_no_wrong_codes_no_wait(self) -> None:
        device = self.device_failed(failures=0, last=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))

        assert totp_wait_cap(device, now=dt.datetime(2026, 5, 1, tzinfo=dt.UTC)) is None

    def test_the_cap_is_fifteen_minutes_and_longer_than_the_first_wait(self) -> None:
        assert settings.TAUTOKO["TWO_FACTOR_WAIT_MAX_SECONDS"] == WAIT_MAX
        assert settings.OTP_TOTP_THROTTLE_FACTOR <= WAIT_MAX


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
