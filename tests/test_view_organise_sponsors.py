"""The organiser's side of sponsors (submitting, the sponsor link on the preview, replacing
it, the dashboard list) and the rest of the site, which shows nothing of a petition that is
gathering sponsors."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import reverse

from tautoko.accounts.models import User
from tautoko.lib.tokens import token_digest
from tautoko.organise.services import sponsors_check
from tautoko.organise.views import (
    MESSAGE_NOT_EDITABLE,
    MESSAGE_SPONSOR_LINK_NOT_RENEWABLE,
    MESSAGE_SPONSOR_LINK_RENEWED,
    MESSAGE_SPONSORING,
)
from tautoko.petitions.models import Petition, TimelineEvent
from tests.base import tautoko_settings
from tests.base_sponsors import REQUIRED, SponsorsTestCase
from tests.security import staff_client


def sponsor_link_in(page: str) -> str:
    match = re.search(r'id="sponsor-url" type="text" readonly value="([^"]+)"', page)
    assert match is not None, "no sponsor link on the page"
    return match.group(1)


class SubmitTests(SponsorsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(state=Petition.State.DRAFT, title="Save the kākā")
        self.client.force_login(self.organiser)

    def test_the_draft_preview_says_sponsors_come_first(self) -> None:
        page = self.client.get(reverse("organise:preview", args=[self.petition.slug]))
        assert f"First it needs {REQUIRED} sponsors" in page.content.decode()

    def test_submitting_starts_gathering_sponsors_and_shows_the_link(self) -> None:
        response = self.client.post(
            reverse("organise:submit", args=[self.petition.slug]), follow=True
        )
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.SPONSORING
        assert self.petition.events.get().kind == TimelineEvent.Kind.SPONSORING
        page = response.content.decode()
        assert str(MESSAGE_SPONSORING) % {"required": REQUIRED} in page
        assert "Gathering sponsors" in page
        link = sponsor_link_in(page)
        assert link.startswith(settings.SITE_URL + "/sponsor/")
        token = link.rsplit("/", 1)[1]
        assert token_digest(token) == self.petition.sponsor_link_hash
        assert str(self.petition.id) != token
        assert f"0 of {REQUIRED} sponsors confirmed" in page
        assert 'data-copy="#sponsor-url"' in page
        assert "tautoko/petition." in page  # the copy button's script
        assert response["Cache-Control"] == "private, no-store"
        # And the link works.
        assert self.client.get(link.removeprefix(settings.SITE_URL)).status_code == 200

    def test_the_preview_counts_confirmed_sponsors_only(self) -> None:
        self.client.post(reverse("organise:submit", args=[self.petition.slug]))
        self.make_sponsor(self.petition)
        self.make_sponsor(self.petition, state="pending")
        self.make_sponsor(self.petition, flagged=True, flag_reasons="honeypot")
        page = self.client.get(reverse("organise:preview", args=[self.petition.slug]))
        assert f"1 of {REQUIRED} sponsors confirmed" in page.content.decode()
        dashboard = self.client.get(reverse("organise:dashboard")).content.decode()
        assert f"Gathering sponsors · 1 of {REQUIRED} sponsors" in dashboard

    def test_a_petition_gathering_sponsors_cannot_be_edited(self) -> None:
        self.client.post(reverse("organise:submit", args=[self.petition.slug]))
        response = self.client.post(
            reverse("organise:edit", args=[self.petition.slug]), {"title": "Changed"}, follow=True
        )
        assert (
            str(MESSAGE_NOT_EDITABLE) % {"state": "Gathering sponsors"} in response.content.decode()
        )
        self.petition.refresh_from_db()
        assert self.petition.title == "Save the kākā"

    def test_with_sponsors_off_submitting_queues_it_as_before(self) -> None:
        with tautoko_settings(SPONSORS_REQUIRED=0):
            page = self.client.post(
                reverse("organise:submit", args=[self.petition.slug]), follow=True
            ).content.decode()
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.PENDING
        assert 'id="sponsor-url"' not in page


class SponsorLinkRenewTests(SponsorsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_sponsoring_petition()
        self.url = reverse("organise:sponsor-link-renew", args=[self.petition.slug])

    def test_the_organiser_replaces_the_link_and_the_old_one_stops_working(self) -> None:
        old = self.sponsor_url(self.petition)
        sponsor = self.make_sponsor(self.petition)
        self.client.force_login(self.organiser)
        response = self.client.post(self.url, follow=True)
        page = response.content.decode()
        assert str(MESSAGE_SPONSOR_LINK_RENEWED) in page
        new = sponsor_link_in(page)
        assert not new.endswith(old)
        self.client.logout()
        assert self.client.get(old).status_code == 404
        assert self.client.get(new.removeprefix(settings.SITE_URL)).status_code == 200
        assert self.petition.sponsors_confirmed() == 1
        sponsor.refresh_from_db()
        assert sponsor.state == "confirmed"

    def test_anonymous_visitors_are_sent_to_log_in(self) -> None:
        response = self.client.post(self.url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert self.client.get(self.sponsor_url(self.petition)).status_code == 200

    def test_someone_elses_petition_is_a_404(self) -> None:
        self.client.force_login(self.visitor)
        assert self.client.post(self.url).status_code == 404
        assert (
            self.client.get(reverse("organise:preview", args=[self.petition.slug])).status_code
            == 404
        )
        assert self.client.get(self.sponsor_url(self.petition)).status_code == 200

    def test_it_refuses_get(self) -> None:
        self.client.force_login(self.organiser)
        assert self.client.get(self.url).status_code == 405

    def test_only_while_gathering_sponsors(self) -> None:
        Petition.objects.filter(id=self.petition.id).update(state=Petition.State.PENDING)
        self.client.force_login(self.organiser)
        page = self.client.post(self.url, follow=True).content.decode()
        assert str(MESSAGE_SPONSOR_LINK_NOT_RENEWABLE) % {"state": "Awaiting moderation"} in page
        assert self.client.get(self.sponsor_url(self.petition)).status_code == 200


class ElsewhereTests(SponsorsTestCase):
    """Until it has its sponsors, a petition is the organiser's and its sponsors' only."""

    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_sponsoring_petition(title="Secret kākā plan")

    def test_the_public_pages_do_not_know_it(self) -> None:
        slug = self.petition.slug
        assert self.client.get(reverse("petitions:detail", args=[slug])).status_code == 404
        assert self.client.get(reverse("petitions:count-json", args=[slug])).status_code == 404
        assert (
            self.client.post(reverse("petitions:sign", args=[slug]), self.sign_form(self.petition))
        ).status_code == 404
        assert "Secret kākā plan" not in self.client.get(reverse("petitions:home")).content.decode()
        search = self.client.get(reverse("search:search"), {"q": "kākā"}).content.decode()
        assert "Secret kākā plan" not in search

    def test_the_moderators_do_not_see_it_until_it_has_its_sponsors(self) -> None:
        self.moderator.user_permissions.add(Permission.objects.get(codename="moderate"))
        client = staff_client(self.moderator)
        assert "Secret kākā plan" not in client.get(reverse("moderation:queue")).content.decode()
        assert (
            client.get(reverse("moderation:review", args=[self.petition.slug])).status_code == 404
        )
        assert (
            client.post(reverse("moderation:approve", args=[self.petition.slug])).status_code == 404
        )
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.SPONSORING

        for _ in range(REQUIRED):
            self.make_sponsor(self.petition)
        sponsors_check(petition_id=self.petition.id)
        assert "Secret kākā plan" in client.get(reverse("moderation:queue")).content.decode()

    def test_the_admin_lists_it_without_its_link_secrets(self) -> None:
        admin = User.objects.create_superuser("admin@example.org", "admin-password", name="Ana")
        client = staff_client(admin)
        listing = client.get(
            reverse("admin:petitions_petition_changelist"), {"state": "sponsoring"}
        )
        assert "Secret kākā plan" in listing.content.decode()
        page = client.get(
            reverse("admin:petitions_petition_change", args=[self.petition.id])
        ).content.decode()
        assert "Secret kākā plan" in page
        assert "sponsor_link" not in page
        assert self.petition.sponsor_link_hash not in page
