"""The fraud checks on the sign form: shadow-flagging, rate limits, proof-of-work, honeypot,
fill time, disposable addresses and the staff block/allow lists.

Every figure is asserted; "responses identical" means the same status and the same
redirect as for a genuine signer, and the same confirmation email.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any
from unittest import mock

from django.urls import reverse

from tautoko.fraud import checks
from tautoko.fraud.models import FraudSettings, Rule
from tautoko.fraud.pow import PowStatus, challenge_new, pow_check, solution_encode, solve
from tautoko.lib.client_ip import ip_hash
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.forms import ERROR_EMAIL_DISPOSABLE
from tautoko.petitions.models import Signature
from tautoko.petitions.services import petition_recount, signature_confirm, tally_total
from tests.base import TautokoTestCase, tautoko_settings


class FraudSigningTestCase(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition()
        self.url = reverse("petitions:sign", args=[self.petition.slug])

    def sign(self, email: str, *, remote: str = "203.0.113.9", **changes: Any) -> Any:
        headers = {key: changes.pop(key) for key in list(changes) if key.startswith("HTTP_")}
        data = self.sign_form(self.petition, email=email, **changes)
        return self.client.post(self.url, data, REMOTE_ADDR=remote, **headers)

    def confirm_all(self) -> None:
        self.work_run()
        for signature in Signature.objects.filter(state=Signature.State.PENDING):
            token = self.confirmation_token_latest(to=signature.email)
            signature_confirm(token=token)
        self.work_run()

    def flags(self) -> dict[str, str]:
        return dict(Signature.objects.values_list("email", "flag_reasons"))


class RateLimitTests(FraudSigningTestCase):
    def test_twenty_signatures_from_one_ip_in_60_s_count_once_and_answer_alike(self) -> None:
        responses = [self.sign(f"signer{n}@example.org") for n in range(20)]
        self.confirm_all()

        # 20 rows, 1 counted, 19 shadow-flagged for the rate limit.
        assert Signature.objects.count() == 20
        assert Signature.objects.counted().count() == 1
        flagged = Signature.objects.filter(flagged=True)
        assert flagged.count() == 19
        assert set(flagged.values_list("flag_reasons", flat=True)) == {"rate_limit"}
        assert tally_total(petition_id=self.petition.id) == 1
        assert petition_recount(petition=self.petition) == 1
        # Responses identical: the same status and redirect for all 20, and each signer got
        # a confirmation email and could confirm (all 20 are confirmed).
        assert {(r.status_code, r["Location"]) for r in responses} == {
            (302, f"/{self.petition.slug}/signed")
        }
        assert OutboundEmail.objects.filter(template="confirm-signature").count() == 20
        assert Signature.objects.filter(state=Signature.State.CONFIRMED).count() == 20

    def test_the_limit_holds_in_the_shared_cache_too(self) -> None:
        with tautoko_settings(RATE_LIMIT_STORE="cache"):
            for n in range(20):
                self.sign(f"signer{n}@example.org")
        assert Signature.objects.filter(flagged=False).count() == 1
        assert Signature.objects.filter(flag_reasons="rate_limit").count() == 19

    def test_each_ip_has_its_own_limit(self) -> None:
        for n in range(5):
            self.sign(f"signer{n}@example.org", remote=f"203.0.113.{n + 1}")
        assert Signature.objects.filter(flagged=False).count() == 5

    def test_an_allow_listed_network_is_exempt(self) -> None:
        Rule.objects.create(kind="network", value="203.0.113.0/24", action="allow")
        for n in range(20):
            self.sign(f"signer{n}@example.org")
        assert Signature.objects.filter(flagged=False).count() == 20

    def test_staff_edits_to_the_limits_take_effect_without_a_deploy(self) -> None:
        FraudSettings.objects.create(burst_limit=3, sustained_limit=3)
        for n in range(5):
            self.sign(f"signer{n}@example.org")
        assert Signature.objects.filter(flagged=False).count() == 3

    def test_a_spoofed_forwarded_for_header_changes_nothing(self) -> None:
        # No proxy is trusted (the default): the header is ignored.
        for n in range(10):
            self.sign(f"signer{n}@example.org", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        assert Signature.objects.filter(flagged=False).count() == 1
        assert set(Signature.objects.values_list("ip_hash", flat=True)) == {ip_hash("203.0.113.9")}

    def test_behind_one_trusted_proxy_the_client_is_the_proxys_entry(self) -> None:
        with tautoko_settings(TRUSTED_PROXIES=1):
            for n in range(10):
                # Each with a different forged entry before the proxy's own.
                self.sign(
                    f"signer{n}@example.org",
                    remote="10.0.0.1",
                    HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.9",
                )
            self.sign("other@example.org", remote="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.7")
        assert Signature.objects.filter(flagged=False).count() == 2
        assert Signature.objects.get(email="other@example.org").ip_hash == ip_hash("192.0.2.7")

    def test_the_ip_is_stored_only_as_a_keyed_hash(self) -> None:
        self.sign("aroha@example.org")
        signature = Signature.objects.get()
        assert signature.ip_hash == ip_hash("203.0.113.9")
        assert len(signature.ip_hash) == 16 and "203.0.113.9" not in str(signature.__dict__)


class ProofOfWorkTests(FraudSigningTestCase):
    def page_challenge(self) -> str:
        page = self.client.get(reverse("petitions:detail", args=[self.petition.slug]))
        found = re.search(r'name="pow" value="([^"]+)"', page.content.decode())
        assert found is not None
        return found.group(1)

    def test_every_page_carries_its_own_challenge_for_this_petition(self) -> None:
        first, second = self.page_challenge(), self.page_challenge()
        assert first != second
        data = json.loads(base64.b64decode(first))
        assert data["maxNumber"] == 50_000 and f"p={self.petition.id}" in data["salt"]
        assert '<script src="/static/tautoko/pow' in self.client.get(
            reverse("petitions:detail", args=[self.petition.slug])
        ).content.decode().replace("pow.", "pow")

    def test_a_solved_challenge_is_counted_and_cannot_be_replayed(self) -> None:
        challenge = challenge_new(
            petition_id=self.petition.id, max_number=1000, now=time.time() - 30
        )
        solved = solution_encode(challenge, solve(challenge))
        first = self.sign("first@example.org", pow=solved)
        # The same solution again, from other addresses (so no rate limit is involved).
        replays = [
            self.sign(f"replay{n}@example.org", pow=solved, remote=f"198.51.100.{n + 1}")
            for n in range(5)
        ]
        assert Signature.objects.get(email="first@example.org").flagged is False
        assert Signature.objects.filter(flag_reasons="pow_replayed").count() == 5
        assert {r.status_code for r in [first, *replays]} == {302}

    def test_verifying_costs_one_hmac_and_one_hash_whatever_the_difficulty(self) -> None:
        challenge = challenge_new(
            petition_id=1,
            max_number=10_000_000,
            now=time.time(),
        )
        data = json.loads(base64.b64decode(challenge))
        with mock.patch(
            "tautoko.fraud.pow.altcha.hash_hex", wraps=__import__("altcha").hash_hex
        ) as hashed:
            result = pow_check(solution_encode(challenge, 12345), petition_id=1, now=time.time())
        assert result.status == PowStatus.INVALID  # a wrong number (almost surely)
        assert hashed.call_count == 1 and data["maxNumber"] == 10_000_000

    def test_forged_and_foreign_challenges_are_flagged(self) -> None:
        other = self.make_petition()
        foreign = challenge_new(petition_id=other.id, max_number=10, now=time.time() - 30)
        self.sign("foreign@example.org", pow=solution_encode(foreign, solve(foreign)))
        forged = json.loads(base64.b64decode(self.page_challenge()))
        forged["salt"] = forged["salt"].replace("t=", "t=1")  # an earlier issue time
        self.sign(
            "forged@example.org",
            pow=base64.b64encode(json.dumps(forged).encode()).decode(),
            remote="198.51.100.1",
        )
        self.sign("bot@example.org", pow="", remote="198.51.100.2")
        assert self.flags() == {
            "foreign@example.org": "pow_invalid",
            "forged@example.org": "pow_invalid",
            "bot@example.org": "no_challenge",
        }

    def test_a_challenge_unlike_any_we_issue_is_flagged_not_a_500(self) -> None:
        issued = json.loads(base64.b64decode(self.page_challenge()))
        emails = []
        for n, (field, value) in enumerate(
            [
                ("signature", "é" * 64),
                ("saltSignature", "\u00e9"),
                ("salt", issued["salt"] + "\ud800"),  # a lone surrogate: no UTF-8 for it
                ("challenge", "☃"),
            ]
        ):
            forged = {**issued, "number": 1, field: value}
            # ensure_ascii (the default) writes the characters as \u escapes, surrogates too.
            encoded = base64.b64encode(json.dumps(forged).encode()).decode()
            response = self.sign(f"odd{n}@example.org", pow=encoded, remote=f"198.51.100.{n + 1}")
            assert response.status_code == 302, field
            emails.append(f"odd{n}@example.org")
        # JSON nested deeper than Python's parser recurses, well under the field's limit.
        nested = base64.b64encode(b"[" * 1100).decode()
        response = self.sign("nested@example.org", pow=nested, remote="198.51.100.9")
        assert response.status_code == 302
        emails.append("nested@example.org")
        assert self.flags() == dict.fromkeys(emails, "pow_invalid")

    def test_without_javascript_signing_works_but_under_a_stricter_limit(self) -> None:
        # The page's challenge, unsolved (no JavaScript), sent after a human's minute.
        unsolved = challenge_new(
            petition_id=self.petition.id, max_number=1000, now=time.time() - 60
        )
        FraudSettings.objects.create(burst_limit=10)
        solved_results = []
        for n in range(3):
            response = self.sign(f"nojs{n}@example.org", pow=unsolved)
            solved_results.append(response.status_code)
        # Never refused; 2 per 300 s counted (5 for solved), the third flagged.
        assert solved_results == [302, 302, 302]
        assert self.flags() == {
            "nojs0@example.org": "",
            "nojs1@example.org": "",
            "nojs2@example.org": "rate_limit",
        }


class SurgeModeTests(FraudSigningTestCase):
    def difficulty(self, now: float) -> int:
        challenge = checks.challenge_for(petition_id=self.petition.id, now=now)
        return int(json.loads(base64.b64decode(challenge))["maxNumber"])

    def test_difficulty_rises_with_an_abnormal_signing_rate_and_falls_back_after(self) -> None:
        FraudSettings.objects.create(surge_signs_per_minute=10)
        now = 1_800_000_000.0
        assert self.difficulty(now) == 50_000
        for _ in range(11):
            checks._attempt_record(petition_id=self.petition.id, failed=False, now=now)
        assert self.difficulty(now + 2) == 200_000
        # Two minutes on, without signatures: back to normal.
        assert self.difficulty(now + 125) == 50_000

    def test_difficulty_rises_with_an_abnormal_failure_rate(self) -> None:
        now = 1_800_000_000.0
        for n in range(20):
            checks._attempt_record(petition_id=self.petition.id, failed=n < 6, now=now)
        assert self.difficulty(now) == 200_000  # 6 of 20 failed: 30 %
        checks.fraud_state_forget()
        for _ in range(1):
            checks._attempt_record(petition_id=self.petition.id, failed=False, now=now)
        assert self.difficulty(now + 1) == 50_000  # 6 of 21: under 30 %

    def test_other_petitions_are_not_affected(self) -> None:
        FraudSettings.objects.create(surge_signs_per_minute=10)
        other = self.make_petition()
        now = 1_800_000_000.0
        for _ in range(11):
            checks._attempt_record(petition_id=other.id, failed=False, now=now)
        assert self.difficulty(now) == 50_000


class HoneypotAndFillTimeTests(FraudSigningTestCase):
    def test_a_filled_honeypot_is_flagged_and_answered_alike(self) -> None:
        genuine = self.sign("genuine@example.org")
        bot = self.sign("bot@example.org", website="http://spam.example", remote="198.51.100.1")
        assert (genuine.status_code, genuine["Location"]) == (bot.status_code, bot["Location"])
        assert self.flags() == {"genuine@example.org": "", "bot@example.org": "honeypot"}
        assert OutboundEmail.objects.filter(template="confirm-signature").count() == 2

    def test_a_form_sent_under_3_s_after_the_page_is_flagged(self) -> None:
        self.sign("fast@example.org", issued_seconds_ago=1)
        self.sign("human@example.org", issued_seconds_ago=4, remote="198.51.100.1")
        assert self.flags() == {"fast@example.org": "too_fast", "human@example.org": ""}

    def test_the_honeypot_is_hidden_from_people(self) -> None:
        page = self.client.get(reverse("petitions:detail", args=[self.petition.slug]))
        html = page.content.decode()
        assert '<div class="field-trap" aria-hidden="true">' in html
        assert 'name="website"' in html and 'tabindex="-1"' in html


class ShadowFlagCountingTests(FraudSigningTestCase):
    def test_a_flagged_signature_is_confirmed_but_never_counted(self) -> None:
        self.sign("genuine@example.org")
        self.sign("bot@example.org", website="x", remote="198.51.100.1")
        self.confirm_all()
        assert Signature.objects.filter(state=Signature.State.CONFIRMED).count() == 2
        assert tally_total(petition_id=self.petition.id) == 1
        assert petition_recount(petition=self.petition) == 1
        # The flagged signer's thanks page works like anyone's.
        bot = Signature.objects.get(email="bot@example.org")
        thanks = self.client.get(
            reverse("petitions:thanks", args=[self.petition.slug, bot.receipt])
        )
        assert thanks.status_code == 200
        # Its number is the one it would have had (the genuine signer confirmed first).
        assert "You are signer number 2." in thanks.content.decode()


class EmailChecksTests(FraudSigningTestCase):
    def test_a_disposable_address_is_refused_with_a_clear_message(self) -> None:
        response = self.sign("someone@mailinator.com")
        assert response.status_code == 400
        assert str(ERROR_EMAIL_DISPOSABLE) in response.content.decode()
        assert Signature.objects.count() == 0

    def test_staff_can_allow_a_disposable_domain(self) -> None:
        Rule.objects.create(kind="domain", value="mailinator.com", action="allow")
        assert self.sign("someone@mailinator.com").status_code == 302
        assert Signature.objects.get().flagged is False

    def test_blocked_networks_domains_and_addresses_are_flagged(self) -> None:
        Rule.objects.create(kind="network", value="198.51.100.0/24", action="block")
        Rule.objects.create(kind="domain", value="spam.example", action="block")
        Rule.objects.create(kind="address", value="troll@example.org", action="block")
        self.sign("net@example.org", remote="198.51.100.20")
        self.sign("someone@spam.example", remote="192.0.2.1")
        self.sign("troll@example.org", remote="192.0.2.2")
        self.sign("fine@example.org", remote="192.0.2.3")
        assert self.flags() == {
            "net@example.org": "blocked_network",
            "someone@spam.example": "blocked_domain",
            "troll@example.org": "blocked_address",
            "fine@example.org": "",
        }
