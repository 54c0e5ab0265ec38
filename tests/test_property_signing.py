"""Property: whatever order people sign, sign again, confirm and get counted in, the counts
stay exact and each person has one signature per petition.

Hypothesis drives a state machine against the real database and checks it against a small
model of who signed and who confirmed. Each run happens inside a savepoint that is rolled
back afterwards. (Withdrawal joins the rules once signers can withdraw.) Some signatures
are shadow-flagged by a fraud check: they are confirmed like any other, and never counted,
so the count is always the number of *counted* rows (confirmed and not flagged).

``make test`` runs a few dozen short runs; ``HYPOTHESIS_PROFILE=ci`` runs many more (see
tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tautoko.lib.email_address import email_canonical
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.models import DecisionMaker, Petition, Signature, Tally, TallyDelta
from tautoko.petitions.services import (
    LinkExpired,
    LinkUsed,
    SignatureNotFound,
    petition_recount,
    signature_confirm,
    signature_create,
    tallies_apply,
)
from tests.base import TautokoTestCase

_runs = itertools.count(1)
START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)

# Four people, each typing their address in several ways that all reach one mailbox.
PEOPLE = (
    ("Ari.Tane@gmail.com", "aritane+petition@googlemail.com", " ARI.TANE@GMAIL.COM"),
    ("kiri@example.org", "Kiri@Example.org ", "KIRI@EXAMPLE.ORG"),
    ("moana.lee+news@outlook.com", "Moana.Lee@Outlook.com", "moana.lee+x@outlook.com"),
    ("te.ao@example.net",),
)
ELECTORATES = ("Ōhāriu", "Wellington Central", "")
COUNTRIES = ("NZ", "AU")
SOURCES = ("", "x", "facebook")


class SigningMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        run = next(_runs)
        maker = DecisionMaker.objects.create(slug=f"property-maker-{run}", name="Minister")
        self.petition = Petition.objects.create(
            slug=f"property-{run}",
            title="Property",
            summary="Counts stay exact.",
            decision_maker=maker,
            state=Petition.State.OPEN,
            goal=2,
            goal_steps=[2, 3],
        )
        self.now = START
        self.ttl = dt.timedelta(hours=settings.TAUTOKO["CONFIRMATION_TTL_HOURS"])
        # The model: what each person's signature should look like.
        self.signed: set[int] = set()
        self.confirmed: set[int] = set()
        self.flagged: set[int] = set()
        self.emails: Counter[int] = Counter()
        self.link_expires: dict[int, dt.datetime] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # --- helpers ------------------------------------------------------------------------------

    def signature_of(self, person: int) -> Signature:
        return Signature.objects.get(
            petition=self.petition, email_canonical=email_canonical(PEOPLE[person][0])
        )

    def tokens_of(self, person: int) -> list[str]:
        """Every confirmation link sent to this person, oldest first."""
        signature = self.signature_of(person)
        emails = OutboundEmail.objects.filter(
            key__startswith=f"signature:{signature.id}:", template="confirm-signature"
        )
        ordered = sorted(emails, key=lambda email: int(email.key.rsplit(":", 1)[1]))
        return [email.context["confirm_url"].rsplit("/", 1)[1] for email in ordered]

    @property
    def counted(self) -> set[int]:
        return self.confirmed - self.flagged

    def settled_total(self) -> int:
        row = Tally.objects.filter(petition=self.petition, dimension="total", key="").first()
        return row.count if row else 0

    def assert_settled_counts_are_exact(self) -> None:
        confirmed = Signature.objects.counted().filter(petition=self.petition)
        assert self.settled_total() == confirmed.count() == len(self.counted)
        expected: dict[tuple[str, str], int] = {}
        for dimension in ("electorate", "country", "source"):
            for row in confirmed.values(dimension).annotate(n=Count("id")).order_by():
                expected[(dimension, str(row[dimension]))] = row["n"]
        if self.counted:
            expected[("total", "")] = len(self.counted)
            hours = Counter(
                at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H")
                for at in confirmed.values_list("confirmed_at", flat=True)
            )
            expected |= {("hour", hour): n for hour, n in hours.items()}
        settled = Tally.objects.filter(petition=self.petition).exclude(count=0)
        assert {(row.dimension, row.key): row.count for row in settled} == expected

    # --- rules --------------------------------------------------------------------------------

    @rule(
        person=st.integers(0, len(PEOPLE) - 1),
        variant=st.integers(0, 2),
        electorate=st.sampled_from(ELECTORATES),
        country=st.sampled_from(COUNTRIES),
        source=st.sampled_from(SOURCES),
        flagged=st.booleans(),
    )
    def sign(
        self, person: int, variant: int, electorate: str, country: str, source: str, flagged: bool
    ) -> None:
        addresses = PEOPLE[person]
        outcome = signature_create(
            petition=self.petition,
            name=f"Person {person}",
            email=addresses[variant % len(addresses)],
            electorate=electorate,
            country=country,
            source=source,
            now=self.now,
            # A repeat sign never changes whether the first one was flagged.
            flags=("honeypot",) if flagged else (),
        )
        assert outcome.created == (person not in self.signed)
        if outcome.created and flagged:
            self.flagged.add(person)
        assert outcome.emailed == (self.emails[person] < 5)
        if outcome.emailed:
            self.emails[person] += 1
            if person not in self.confirmed:
                self.link_expires[person] = self.now + self.ttl
        self.signed.add(person)

    @precondition(lambda self: self.signed - self.confirmed)
    @rule(data=st.data())
    def confirm_with_the_latest_link(self, data: st.DataObject) -> None:
        person = data.draw(st.sampled_from(sorted(self.signed - self.confirmed)))
        token = self.tokens_of(person)[-1]
        if self.now >= self.link_expires[person]:
            try:
                signature_confirm(token=token, now=self.now)
            except LinkExpired:
                return
            raise AssertionError("an expired link confirmed a signature")
        signature_confirm(token=token, now=self.now)
        self.confirmed.add(person)

    @precondition(lambda self: self.signed)
    @rule(data=st.data())
    def confirm_with_an_older_or_spent_link(self, data: st.DataObject) -> None:
        person = data.draw(st.sampled_from(sorted(self.signed)))
        tokens = self.tokens_of(person)
        if person not in self.confirmed:
            tokens = tokens[:-1]  # only the newest link of a pending signature works
        if not tokens:
            return
        token = data.draw(st.sampled_from(tokens))
        try:
            signature_confirm(token=token, now=self.now)
        except (SignatureNotFound, LinkUsed):
            return
        raise AssertionError("a replaced or spent link confirmed a signature")

    @rule(hours=st.integers(0, 80))
    def time_passes(self, hours: int) -> None:
        self.now += dt.timedelta(hours=hours, minutes=7)

    @rule()
    def fold(self) -> None:
        tallies_apply(now=self.now)
        assert not TallyDelta.objects.filter(petition=self.petition).exists()
        self.assert_settled_counts_are_exact()

    @rule()
    def recount(self) -> None:
        pending = TallyDelta.objects.filter(petition=self.petition).aggregate(n=Sum("delta"))
        assert petition_recount(petition=self.petition) == len(self.counted) - (pending["n"] or 0)

    @rule()
    def corrupt_the_total_then_recount(self) -> None:
        Tally.objects.filter(petition=self.petition, dimension="total").update(count=-7)
        petition_recount(petition=self.petition)
        tallies_apply(now=self.now)
        self.assert_settled_counts_are_exact()

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def one_row_per_person(self) -> None:
        rows = Signature.objects.filter(petition=self.petition)
        per_person = Counter(rows.values_list("email_canonical", flat=True))
        assert len(per_person) == len(self.signed)
        assert set(per_person.values()) <= {1}

    @invariant()
    def confirmed_rows_match_the_model(self) -> None:
        counted = Signature.objects.counted().filter(petition=self.petition)
        expected = {email_canonical(PEOPLE[person][0]) for person in self.counted}
        assert set(counted.values_list("email_canonical", flat=True)) == expected
        confirmed = Signature.objects.filter(petition=self.petition, state="confirmed")
        expected = {email_canonical(PEOPLE[person][0]) for person in self.confirmed}
        assert set(confirmed.values_list("email_canonical", flat=True)) == expected
        flagged = Signature.objects.filter(petition=self.petition, flagged=True)
        expected = {email_canonical(PEOPLE[person][0]) for person in self.flagged}
        assert set(flagged.values_list("email_canonical", flat=True)) == expected

    @invariant()
    def settled_plus_waiting_is_the_counted_count(self) -> None:
        waiting: Any = TallyDelta.objects.filter(petition=self.petition).aggregate(n=Sum("delta"))
        assert self.settled_total() + (waiting["n"] or 0) == len(self.counted)

    @invariant()
    def no_one_gets_more_than_five_emails(self) -> None:
        rows = Signature.objects.filter(petition=self.petition)
        assert all(n <= 5 for n in rows.values_list("emails_sent", flat=True))


class SigningPropertyTests(TautokoTestCase):
    def test_counts_stay_exact_and_each_person_signs_once(self) -> None:
        run_state_machine_as_test(SigningMachine)
