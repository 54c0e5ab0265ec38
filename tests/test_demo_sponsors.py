"""The demo with sponsors on (the site's default of 5, as under `make run`): the queued
petition got its sponsors and waits for a moderator; another still gathers them."""

from __future__ import annotations

from tautoko.moderation.services import moderation_queue, petition_approve
from tautoko.outbox.models import OutboundEmail
from tautoko.petitions.demo import QUEUED_SLUG, SPONSORING_SLUG, demo_load
from tautoko.petitions.models import Petition, Signature, TimelineEvent
from tautoko.petitions.services import tally_total
from tests.base import TautokoTestCase, tautoko_settings


@tautoko_settings(SPONSORS_REQUIRED=5)
class DemoSponsorsTests(TautokoTestCase):
    def test_the_queued_petition_has_its_sponsors_and_the_load_is_idempotent(self) -> None:
        assert demo_load() is True
        queued = Petition.objects.get(slug=QUEUED_SLUG)
        assert queued.state == Petition.State.PENDING
        assert queued.sponsors_confirmed() == 5
        assert list(queued.events.values_list("kind", flat=True)) == [
            TimelineEvent.Kind.CREATED,
            TimelineEvent.Kind.SPONSORING,
            TimelineEvent.Kind.SUBMITTED,
        ]
        assert OutboundEmail.objects.filter(template="petition-sponsored").count() == 1
        sponsoring = Petition.objects.get(slug=SPONSORING_SLUG)
        assert sponsoring.state == Petition.State.SPONSORING
        assert sponsoring.sponsors_confirmed() == 2
        assert sponsoring.sponsor_link_token() is not None
        assert list(moderation_queue()) == [queued]

        rows = (Petition.objects.count(), Signature.objects.count(), OutboundEmail.objects.count())
        assert demo_load() is False
        assert (
            Petition.objects.count(),
            Signature.objects.count(),
            OutboundEmail.objects.count(),
        ) == rows

        # Approved, it opens with its sponsors in its count.
        petition_approve(petition=queued, moderator=self.moderator)
        self.work_run()
        assert tally_total(petition_id=queued.id) == 5
