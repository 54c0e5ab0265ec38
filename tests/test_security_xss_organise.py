"""Canaries in everything an organiser or a signer types that the dashboard, the petition
page's updates and victory, the update emails and the versions of an edited petition show:
shown as text, never run."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tautoko.outbox.models import OutboundEmail
from tautoko.outbox.services import broadcasts_fan_out, email_render
from tautoko.petitions.models import Petition, Signature
from tests.base import TautokoTestCase
from tests.staff import ModerationTestCase, staff_login
from tests.test_security_xss import CANARY, ESCAPED, MARKDOWN, live_markup


class OrganiseXssCanaryTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(title=CANARY, summary=CANARY, statement=MARKDOWN)
        self.make_signature(
            self.petition,
            state=Signature.State.CONFIRMED,
            name=CANARY,
            electorate=CANARY[:64],
            source="facebook",
            notify=True,
        )
        self.work_run()
        self.client.force_login(self.organiser)
        slug = self.petition.slug
        self.client.post(
            reverse("organise:update-post", args=[slug]), {"title": CANARY, "body": MARKDOWN}
        )
        self.client.post(reverse("organise:victory", args=[slug]), {"story": MARKDOWN})

    def test_canaries_are_inert_on_the_dashboard_and_the_petition_page(self) -> None:
        slug = self.petition.slug
        for path in (reverse("organise:petition", args=[slug]), f"/{slug}"):
            html = self.client.get(path).content.decode()
            assert live_markup(html) == [], path
            assert ESCAPED in html, path

    def test_canaries_are_inert_in_the_update_email(self) -> None:
        broadcasts_fan_out()
        email = OutboundEmail.objects.get(template="petition-update")
        subject, text, html = email_render(email)
        assert live_markup(html) == []
        assert ESCAPED in html
        assert CANARY in text and CANARY in subject
        assert "&lt;" not in text


class RevisionXssCanaryTests(ModerationTestCase):
    """Canaries typed into an edit of an open petition: inert on its public page, its
    history (the word diff included), the organiser's pages and the moderators'."""

    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(state=Petition.State.PENDING)
        self.petition.approve(by=self.moderator)
        self.client.force_login(self.organiser)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("organise:revise", args=[self.petition.slug]),
                {"title": CANARY, "summary": CANARY, "statement": MARKDOWN, "note": CANARY},
            )
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert self.petition.version == 2

    def test_canaries_are_inert_wherever_the_versions_are_shown(self) -> None:
        slug = self.petition.slug
        pages = [
            (self.client, reverse("organise:revise", args=[slug])),
            (self.client, reverse("organise:preview", args=[slug])),
            (self.client, reverse("petitions:history", args=[slug])),
            (self.client, reverse("petitions:detail", args=[slug])),
        ]
        moderator = Client()
        staff_login(moderator, self.moderator)
        pages += [
            (moderator, reverse("moderation:queue")),
            (moderator, reverse("moderation:review", args=[slug])),
        ]
        for client, path in pages:
            response = client.get(path)
            assert response.status_code == 200, path
            html = response.content.decode()
            assert live_markup(html) == [], path
            assert ESCAPED in html, path
