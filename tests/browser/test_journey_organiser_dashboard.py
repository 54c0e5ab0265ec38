"""An organiser opens the dashboard of a petition people have signed: the chart is there,
drawn on the server as SVG with a bar per hour, and the page raises no CSP errors."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from tautoko.accounts.models import User
from tautoko.lib.email_address import email_canonical
from tautoko.lib.tokens import code_new
from tautoko.petitions.models import DecisionMaker, Petition, Signature, TallyDelta
from tautoko.petitions.services import tallies_apply
from tests.base import caches_clear
from tests.browser.base import BrowserTestCase

PASSWORD = "kōwhai-spring-2026"


class OrganiserDashboardJourneyTests(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.organiser = User.objects.create_user(
            "rawiri@example.org", PASSWORD, name="Rawiri", email_verified=True
        )
        now = timezone.now()
        self.petition = Petition.objects.create(
            slug="warm-homes",
            title="Warm homes for every renter",
            summary="Set a minimum standard for heating.",
            statement="Cold homes make people sick.",
            decision_maker=DecisionMaker.objects.create(slug="housing", name="The Minister"),
            organiser=self.organiser,
            state=Petition.State.OPEN,
            goal=100,
            goal_ladder=False,
            opened_at=now - dt.timedelta(hours=12),
        )
        for n, hours_ago in enumerate((0, 1, 1, 3, 3, 3, 7)):
            at = now - dt.timedelta(hours=hours_ago)
            email = f"signer{n}@example.org"
            Signature.objects.create(
                petition=self.petition,
                name=f"Signer {n}",
                email=email,
                email_canonical=email_canonical(email),
                electorate="Wellington Central",
                country="NZ",
                source="facebook" if n % 2 else "",
                state=Signature.State.CONFIRMED,
                confirmed_at=at,
                consent_version="1",
                receipt=code_new(),
            )
            TallyDelta.objects.create(
                petition=self.petition,
                electorate="Wellington Central",
                country="NZ",
                source="facebook" if n % 2 else "",
                at=at,
                delta=1,
            )
        tallies_apply()
        caches_clear()

    def test_the_dashboard_shows_the_growth_chart(self) -> None:
        page = self.page
        page.goto(self.url("/accounts/login/"))
        page.locator("input[name=login]").fill(self.organiser.email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page.get_by_role("heading", name="Your petitions")).to_be_visible()
        page.get_by_role("link", name="Dashboard").click()

        expect(page.get_by_role("heading", name="Warm homes for every renter")).to_be_visible()
        expect(page.locator("[data-total]")).to_have_text("7")
        chart = page.get_by_role("img", name="Signatures per hour")
        expect(chart).to_be_visible()
        bars = chart.locator("rect.bar")
        assert bars.count() == 13  # one per hour since it opened
        counts = [int(bars.nth(i).get_attribute("data-count") or 0) for i in range(bars.count())]
        assert sum(counts) == 7
        assert max(counts) == 3
        tallest = bars.nth(counts.index(3)).bounding_box()
        assert tallest is not None and tallest["height"] > 0
        expect(page.get_by_role("img", name="Signatures per day")).to_be_visible()
        expect(page.locator("table.shares").first).to_contain_text("facebook")
        self.assert_no_page_errors()
