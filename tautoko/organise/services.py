"""Organiser workflows: drafting and submitting a petition."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tautoko.organise.slugs import slug_suggest
from tautoko.petitions.models import DecisionMaker, IllegalTransition, Petition, TimelineEvent


class SlugTaken(Exception):
    """Someone took the slug between the form's check and the save."""


def _closes_at(closes_on: dt.date) -> dt.datetime:
    # The end of the chosen day where the site is.
    return timezone.make_aware(dt.datetime.combine(closes_on, dt.time(23, 59, 59)))


@transaction.atomic
def petition_draft_create(
    *,
    organiser: Any,
    title: str,
    summary: str,
    statement: str,
    decision_maker: DecisionMaker,
    goal: int,
    closes_on: dt.date,
    slug: str = "",
    now: dt.datetime | None = None,
) -> Petition:
    now = now or timezone.now()
    try:
        with transaction.atomic():
            petition = Petition.objects.create(
                slug=slug or slug_suggest(title),
                title=title,
                summary=summary,
                statement=statement,
                decision_maker=decision_maker,
                organiser=organiser,
                goal=goal,
                closes_at=_closes_at(closes_on),
                state=Petition.State.DRAFT,
                created_at=now,
            )
    except IntegrityError as error:
        raise SlugTaken from error
    petition.event(kind=TimelineEvent.Kind.CREATED, at=now, actor=organiser)
    return petition


def petition_draft_update(
    *,
    petition: Petition,
    title: str,
    summary: str,
    statement: str,
    decision_maker: DecisionMaker,
    goal: int,
    closes_on: dt.date,
    slug: str = "",
) -> Petition:
    """Change a draft. Only drafts change here: once submitted, moderators see what was sent."""
    if petition.state != Petition.State.DRAFT:
        raise IllegalTransition(f"cannot edit a petition that is {petition.state}")
    petition.slug = slug or slug_suggest(title, exclude_id=petition.id)
    petition.title = title
    petition.summary = summary
    petition.statement = statement
    petition.decision_maker = decision_maker
    petition.goal = goal
    petition.closes_at = _closes_at(closes_on)
    try:
        with transaction.atomic():
            petition.save()
    except IntegrityError as error:
        raise SlugTaken from error
    return petition
