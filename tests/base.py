"""The shared base test case: named personas and small, explicit builders.

Builders make exactly the rows they are asked for, with plain defaults that a test can
override by keyword. Nothing is created behind a test's back except the personas.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from tautoko.accounts.models import User
from tautoko.fraud.checks import fraud_state_forget
from tautoko.fraud.pow import challenge_new, solution_encode, solve
from tautoko.lib.email_address import email_canonical
from tautoko.lib.local_memo import local_memos_clear
from tautoko.lib.tokens import code_new, token_digest, token_new
from tautoko.outbox.models import OutboundEmail
from tautoko.outbox.services import outbox_deliver
from tautoko.petitions.models import DecisionMaker, Petition, Signature, TallyDelta
from tautoko.petitions.services import tallies_apply

_sequence = itertools.count(1)

# What a browser posts when a New Zealander fills in the sign form correctly.
SIGN_FORM_VALID: dict[str, str] = {
    "name": "Aroha Test",
    "email": "aroha@example.org",
    "electorate": "Wellington Central",
    "country": "NZ",
    "consent": "on",
}


def caches_clear() -> None:
    """Forget every cached page, petition and count: the shared cache and what this
    process keeps of it (lib/local_memo), as a person's next visit a while later would."""
    cache.clear()
    local_memos_clear()


def tautoko_settings(**changes: Any) -> override_settings:
    """Override some keys of settings.TAUTOKO, keeping all the others."""
    return override_settings(TAUTOKO={**settings.TAUTOKO, **changes})


class TautokoTestCase(TestCase):
    """Personas: ``organiser`` runs petitions, ``moderator`` is staff, ``visitor`` only reads
    and signs (signing needs no account; the visitor's login is for "someone else" tests)."""

    organiser: User
    moderator: User
    visitor: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.organiser = User.objects.create_user(
            "organiser@example.org", "organiser-password", name="Rawiri Organiser"
        )
        cls.moderator = User.objects.create_user(
            "moderator@example.org", "moderator-password", name="Mere Moderator", is_staff=True
        )
        cls.visitor = User.objects.create_user(
            "visitor@example.org", "visitor-password", name="Vic Visitor"
        )

    def setUp(self) -> None:
        # Counts and the home page's growth figures live in the (process-wide) cache; rate
        # limits, spent challenges and the fraud settings in the fraud cache and memory.
        caches_clear()
        caches["fraud"].clear()
        fraud_state_forget()

    # --- Builders -----------------------------------------------------------------------------

    def make_decision_maker(self, **fields: Any) -> DecisionMaker:
        n = next(_sequence)
        values: dict[str, Any] = {
            "slug": f"decision-maker-{n}",
            "name": f"Minister {n}",
            "title": "Minister of Testing",
        }
        return DecisionMaker.objects.create(**(values | fields))

    def make_petition(
        self,
        *,
        state: str = Petition.State.OPEN,
        goal: int = 100,
        closes_at: dt.datetime | None = None,
        **fields: Any,
    ) -> Petition:
        n = next(_sequence)
        now = timezone.now()
        values: dict[str, Any] = {
            "slug": f"petition-{n}",
            "title": f"Petition number {n}",
            "summary": "Something should happen.",
            "statement": "Because it *matters*.",
            "organiser": self.organiser,
            "goal": goal,
            "goal_ladder": False,
            "state": state,
            "closes_at": closes_at,
            "opened_at": now if state in (Petition.State.OPEN, Petition.State.CLOSED) else None,
            "closed_at": now if state == Petition.State.CLOSED else None,
        }
        values |= fields
        if "decision_maker" not in values:
            values["decision_maker"] = self.make_decision_maker()
        return Petition.objects.create(**values)

    def make_signature(
        self,
        petition: Petition,
        *,
        state: str = Signature.State.PENDING,
        email: str | None = None,
        token: str | None = None,
        token_expires_at: dt.datetime | None = None,
        confirmed_at: dt.datetime | None = None,
        **fields: Any,
    ) -> Signature:
        """A signature row. A pending one has a live confirmation link, whose token is kept
        on the instance as ``signature.token``. A confirmed one also writes its +1 count
        change, as confirming does; ``self.work_run()`` folds it into the tallies."""
        n = next(_sequence)
        now = timezone.now()
        email = email or f"signer{n}@example.org"
        values: dict[str, Any] = {
            "petition": petition,
            "name": f"Signer {n}",
            "email": email,
            "email_canonical": email_canonical(email),
            "electorate": "Wellington Central",
            "country": "NZ",
            "state": state,
            "consent_version": settings.TAUTOKO["PRIVACY_NOTICE_VERSION"],
            "emails_sent": 1,
            "receipt": code_new(),
        }
        if state == Signature.State.PENDING:
            token = token or token_new()[0]
            values["token_hash"] = token_digest(token)
            values["token_expires_at"] = token_expires_at or now + dt.timedelta(
                hours=settings.TAUTOKO["CONFIRMATION_TTL_HOURS"]
            )
        if state == Signature.State.CONFIRMED:
            values["confirmed_at"] = confirmed_at or now
        values |= fields
        signature = Signature.objects.create(**values)
        signature.token = token  # type: ignore[attr-defined]
        # A shadow-flagged signature is never counted: no count change for it.
        if state == Signature.State.CONFIRMED and not signature.flagged:
            TallyDelta.objects.create(
                petition=petition,
                electorate=signature.electorate,
                country=str(signature.country),
                source=signature.source,
                at=signature.confirmed_at,
                delta=1,
            )
        return signature

    def sign_form(
        self, petition: Petition, *, issued_seconds_ago: float = 60, **changes: str
    ) -> dict[str, str]:
        """What a browser with JavaScript posts: SIGN_FORM_VALID with the proof-of-work of a
        page loaded ``issued_seconds_ago``, solved (tautoko/fraud/pow.py)."""
        challenge = challenge_new(
            petition_id=petition.id, max_number=1000, now=time.time() - issued_seconds_ago
        )
        return {**SIGN_FORM_VALID, "pow": solution_encode(challenge, solve(challenge)), **changes}

    # --- The worker ---------------------------------------------------------------------------

    def work_run(self, *, keep_bodies: bool = True) -> None:
        """Do one round of the worker's work: fold count changes, send the emails due.

        Sent emails keep their bodies (as in demo mode) unless told otherwise, so that a test
        can follow the links in them. The cached counts are dropped, so that the next page
        shows the folded count without waiting for COUNT_CACHE_SECONDS.
        """
        tallies_apply()
        with tautoko_settings(OUTBOX_KEEP_BODIES=keep_bodies):
            outbox_deliver()
        caches_clear()

    def email_latest(self, *, to: str | None = None) -> OutboundEmail:
        """The latest sent email (to one address, if given)."""
        emails = OutboundEmail.objects.filter(state=OutboundEmail.State.SENT)
        if to is not None:
            emails = emails.filter(to=to)
        email = emails.order_by("-id").first()
        assert email is not None, "no email was sent"
        return email

    def password_reset_by_email(self, client: Client, *, email: str, password: str) -> None:
        """Reset an account's password as its owner does: ask for the link, follow it from
        the email, set ``password``. The emails are sent without ``work_run``, which would
        empty the cache, where the login limits live."""
        response = client.post(reverse("account_reset_password"), {"email": email})
        assert response.status_code == 302
        with tautoko_settings(OUTBOX_KEEP_BODIES=True):
            # Under a test's Clock, rows still take the real time from their field defaults
            # (``default=timezone.now`` holds the unpatched function): deliver what is due
            # by either clock.
            outbox_deliver(now=max(timezone.now(), dt.datetime.now(dt.UTC)))
        body = self.email_latest(to=email).body_text
        match = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S*)", body)
        assert match is not None, f"no reset link in: {body}"
        response = client.get(match.group(1), follow=True)
        form_url = response.redirect_chain[-1][0] if response.redirect_chain else match.group(1)
        response = client.post(form_url, {"password1": password, "password2": password})
        assert response.status_code == 302, response.content.decode()

    def confirmation_link_latest(self, *, to: str | None = None) -> str:
        """The path of the confirmation link in the latest sent email, for the test client."""
        email = self.email_latest(to=to)
        assert email.body_text, "the email kept no body: deliver with OUTBOX_KEEP_BODIES on"
        match = re.search(
            re.escape(settings.SITE_URL) + r"(/[\w-]+/confirm/[\w-]+)", email.body_text
        )
        assert match is not None, f"no confirmation link in: {email.body_text}"
        return match.group(1)

    def confirmation_token_latest(self, *, to: str | None = None) -> str:
        return self.confirmation_link_latest(to=to).rsplit("/", 1)[1]
