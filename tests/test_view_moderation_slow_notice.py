from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from tautoko.petitions.models import Petition, TimelineEvent
from tests.base import TautokoTestCase

NOTICE = "Moderation is taking longer than usual"


class ModerationSlowNoticeTests(TautokoTestCase):
    def submitted(self, *, days_ago: float) -> Petition:
        petition = self.make_petition(state=Petition.State.PENDING, organiser=self.organiser)
        petition.event(
            kind=TimelineEvent.Kind.SUBMITTED,
            at=timezone.now() - dt.timedelta(days=days_ago),
            actor=self.organiser,
        )
        return petition

    def test_the_public_is_told_when_a_petition_waits_past_the_target(self) -> None:
        self.submitted(days_ago=8)

        response = self.client.get(reverse("petitions:home"))

        assert NOTICE in response.content.decode()

    def test_no_notice_while_the_queue_is_within_the_target(self) -> None:
        self.submitted(days_ago=2)

        assert NOTICE not in self.client.get(reverse("petitions:home")).content.decode()

    def test_an_organiser_about_to_submit_sees_it_too(self) -> None:
        self.submitted(days_ago=10)
        draft = self.make_petition(state=Petition.State.DRAFT, organiser=self.organiser)
        self.client.force_login(self.organiser)

        response = self.client.get(reverse("organise:preview", args=[draft.slug]))

        assert response.status_code == 200
        assert NOTICE in response.content.decode()
