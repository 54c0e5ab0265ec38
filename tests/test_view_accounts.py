"""Organiser accounts (django-allauth): sign up, verify, log in, reset, change email;
Argon2 hashing; throttled logins; and all account emails through the outbox."""

from __future__ import annotations

import datetime as dt
import re

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core import mail
from django.urls import reverse

from tautoko import settings as tautoko_settings_module
from tautoko.accounts.models import User
from tautoko.outbox.models import OutboundEmail
from tests.base import TautokoTestCase
from tests.clock import Clock

NEW_PASSWORD = "kauri-tree-rustle-42"
TOO_MANY = str(DefaultAccountAdapter.error_messages["too_many_login_attempts"])
# ACCOUNT_RATE_LIMITS["login_failed"]: 5 failures per address in 5 minutes.
LOGIN_FAILURES_ALLOWED = 5
LOGIN_WINDOW = dt.timedelta(minutes=5)


def link_in(body: str, marker: str) -> str:
    match = re.search(r"https?://[^/\s]+(" + re.escape(marker) + r"\S*)", body)
    assert match is not None, f"no {marker} link in: {body}"
    return match.group(1)


class AccountTestCase(TautokoTestCase):
    def verified(self, user: User) -> User:
        EmailAddress.objects.filter(user=user).update(verified=True)
        return user

    def login(self, email: str, password: str):  # type: ignore[no-untyped-def]
        return self.client.post(reverse("account_login"), {"login": email, "password": password})


class SignUpTests(AccountTestCase):
    def test_an_organiser_signs_up_verifies_by_email_and_is_logged_in(self) -> None:
        response = self.client.post(
            reverse("account_signup"),
            {
                "email": "New.Organiser@Example.org",
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
            },
        )
        assert response.status_code == 302
        user = User.objects.get(email="new.organiser@example.org")
        assert not EmailAddress.objects.get(user=user).verified
        # Queued in the durable outbox, not sent in the request.
        assert mail.outbox == []
        queued = OutboundEmail.objects.get(to__iexact="new.organiser@example.org")
        assert queued.template == "prerendered"
        self.work_run()
        assert len(mail.outbox) == 1
        sent = self.email_latest()
        confirm = link_in(sent.body_text, "/accounts/confirm-email/")
        # Mail scanners follow links: the GET only shows a button.
        assert self.client.get(confirm).status_code == 200
        assert not EmailAddress.objects.get(user=user).verified
        response = self.client.post(confirm)
        assert response.status_code == 302
        assert EmailAddress.objects.get(user=user).verified
        assert self.client.get(reverse("organise:dashboard")).status_code == 200

    def test_the_password_is_hashed_with_argon2_outside_tests(self) -> None:
        assert tautoko_settings_module.PASSWORD_HASHERS[0] == (
            "django.contrib.auth.hashers.Argon2PasswordHasher"
        )
        hasher = Argon2PasswordHasher()
        encoded = hasher.encode(NEW_PASSWORD, hasher.salt())
        assert encoded.startswith("argon2$")
        assert hasher.verify(NEW_PASSWORD, encoded)

    def test_a_forged_confirmation_link_confirms_nothing(self) -> None:
        self.client.post(
            reverse("account_signup"),
            {"email": "forger@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
        self.client.post("/accounts/confirm-email/MQ:forged:signature/")
        assert not EmailAddress.objects.get(email="forger@example.org").verified
        assert "_auth_user_id" not in self.client.session

    def test_a_weak_or_mismatched_password_is_refused(self) -> None:
        for password1, password2 in (("123", "123"), (NEW_PASSWORD, NEW_PASSWORD + "x")):
            response = self.client.post(
                reverse("account_signup"),
                {"email": "weak@example.org", "password1": password1, "password2": password2},
            )
            assert response.status_code == 200
        assert not User.objects.filter(email="weak@example.org").exists()
        assert not OutboundEmail.objects.exists()


class LogInTests(AccountTestCase):
    def test_a_moderator_lands_on_the_moderation_queue(self) -> None:
        from tautoko.moderation.services import moderators_group_ensure

        self.moderator.groups.add(moderators_group_ensure())
        self.verified(self.moderator)
        response = self.login("moderator@example.org", "moderator-password")
        assert response.status_code == 302
        assert response["Location"] == reverse("moderation:queue")

    def test_a_verified_organiser_logs_in_and_lands_on_their_petitions(self) -> None:
        self.verified(self.organiser)
        response = self.login("organiser@example.org", "organiser-password")
        assert response.status_code == 302
        assert response["Location"] == reverse("organise:dashboard")

    def test_an_unverified_address_cannot_log_in_and_is_sent_a_link(self) -> None:
        response = self.login("organiser@example.org", "organiser-password")
        assert response.status_code == 302
        assert response["Location"] == reverse("account_email_verification_sent")
        assert "_auth_user_id" not in self.client.session
        assert OutboundEmail.objects.filter(to=self.organiser.email).exists()

    def test_repeated_wrong_passwords_are_throttled_for_a_while_not_for_ever(self) -> None:
        self.verified(self.organiser)
        with Clock() as clock:
            first_failure = clock.now
            for _attempt in range(LOGIN_FAILURES_ALLOWED):
                response = self.login("organiser@example.org", "wrong-password")
                assert response.status_code == 200
                assert TOO_MANY not in response.content.decode()
                clock.advance(seconds=1)
            response = self.login("organiser@example.org", "organiser-password")
            assert TOO_MANY in response.content.decode()
            assert "_auth_user_id" not in self.client.session
            # The window counts from the oldest failure: a second before it lapses, the
            # right password is still refused (and the refusal does not extend it) …
            clock.now = first_failure + LOGIN_WINDOW - dt.timedelta(seconds=1)
            response = self.login("organiser@example.org", "organiser-password")
            assert TOO_MANY in response.content.decode()
            assert "_auth_user_id" not in self.client.session
            # … and once it has, the right password works.
            clock.now = first_failure + LOGIN_WINDOW
            response = self.login("organiser@example.org", "organiser-password")
        assert response.status_code == 302
        assert self.client.session["_auth_user_id"] == str(self.organiser.pk)

    def test_the_limit_is_per_address(self) -> None:
        self.verified(self.organiser)
        self.verified(self.visitor)
        with Clock():
            for _attempt in range(LOGIN_FAILURES_ALLOWED):
                self.login("organiser@example.org", "wrong-password")
            response = self.login("visitor@example.org", "visitor-password")
        assert response.status_code == 302
        assert self.client.session["_auth_user_id"] == str(self.visitor.pk)

    def test_a_password_reset_lifts_the_login_limit_at_once(self) -> None:
        self.verified(self.organiser)
        with Clock():
            for _attempt in range(LOGIN_FAILURES_ALLOWED):
                self.login("organiser@example.org", "wrong-password")
            refused = self.login("organiser@example.org", "organiser-password")
            assert TOO_MANY in refused.content.decode()

            self.password_reset_by_email(
                self.client, email="organiser@example.org", password=NEW_PASSWORD
            )

            # The same moment: no window has lapsed, the reset alone lifted the limit.
            response = self.login("organiser@example.org", NEW_PASSWORD)
        assert response.status_code == 302
        assert self.client.session["_auth_user_id"] == str(self.organiser.pk)

    def test_logging_out_takes_a_post(self) -> None:
        self.client.force_login(self.organiser)
        assert self.client.post(reverse("account_logout")).status_code == 302
        assert "_auth_user_id" not in self.client.session


class PasswordResetTests(AccountTestCase):
    def test_a_reset_link_arrives_through_the_outbox_and_sets_a_new_password(self) -> None:
        self.verified(self.organiser)
        response = self.client.post(
            reverse("account_reset_password"), {"email": "organiser@example.org"}
        )
        assert response.status_code == 302
        self.work_run()
        link = link_in(
            self.email_latest(to=self.organiser.email).body_text, "/accounts/password/reset/key/"
        )
        response = self.client.get(link, follow=True)
        form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
        response = self.client.post(
            form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
        assert response.status_code == 302
        self.organiser.refresh_from_db()
        assert self.organiser.check_password(NEW_PASSWORD)

    def test_a_forged_reset_key_is_refused(self) -> None:
        response = self.client.get("/accounts/password/reset/key/1-forged-key/", follow=True)
        assert (
            "bad" in response.content.decode().lower()
            or "invalid" in response.content.decode().lower()
        )

    def test_an_unknown_address_gets_the_same_answer_and_no_email_with_a_link(self) -> None:
        response = self.client.post(
            reverse("account_reset_password"), {"email": "nobody@example.org"}
        )
        assert response.status_code == 302
        assert not OutboundEmail.objects.filter(to=self.organiser.email).exists()


class ChangeEmailTests(AccountTestCase):
    def test_a_new_address_replaces_the_old_only_once_confirmed(self) -> None:
        self.verified(self.organiser)
        self.client.force_login(self.organiser)
        response = self.client.post(
            reverse("account_email"), {"action_add": "", "email": "rawiri@example.net"}
        )
        assert response.status_code == 302
        self.organiser.refresh_from_db()
        assert self.organiser.email == "organiser@example.org"
        self.work_run()
        confirm = link_in(
            self.email_latest(to="rawiri@example.net").body_text, "/accounts/confirm-email/"
        )
        self.client.post(confirm)
        self.organiser.refresh_from_db()
        assert self.organiser.email == "rawiri@example.net"

    def test_the_email_page_needs_a_login(self) -> None:
        response = self.client.get(reverse("account_email"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_allauth_rate_limits_use_the_cache() -> None:
    assert "login_failed" in settings.ACCOUNT_RATE_LIMITS


def test_the_login_limit_is_five_failures_per_address_in_five_minutes() -> None:
    # The figures the tests above rely on, and README's "Brute force" states.
    rates = settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",")
    assert f"{LOGIN_FAILURES_ALLOWED}/{LOGIN_WINDOW.seconds // 60}m/key" in rates
