"""Filters for timelines shown outside the moderation pages.

The public petition page, the organiser's preview and dashboard all include
``petitions/_timeline.html``; filtering there means no page that shows a timeline can show
moderators' own events (TimelineEvent.STAFF_ONLY), whatever list of events it was given.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from tautoko.petitions.models import TimelineEvent

register = template.Library()


@register.filter
def public_events(events: Iterable[TimelineEvent]) -> list[TimelineEvent]:
    return [event for event in events if event.kind not in TimelineEvent.STAFF_ONLY]


@register.filter
def goal_history(events: Iterable[TimelineEvent]) -> list[TimelineEvent]:
    """Goal reached, raised by the ladder, or changed by the organiser, oldest first."""
    return [event for event in events if event.kind in TimelineEvent.GOAL_KINDS]
