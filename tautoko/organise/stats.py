"""The organiser's figures for one petition, all from the settled tallies.

Hours are the tallies' UTC hours; days are the site's local days. The chart's geometry is
computed here once, and drawn both as inline SVG (the dashboard) and in the PDF.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from tautoko.petitions.counts import breakdown
from tautoko.petitions.models import Petition, Signature, Tally, TimelineEvent
from tautoko.petitions.services import tally_total

# The projection uses the rate of the last few hours; the charts show the last two days by
# the hour and the last four months by the day.
RATE_WINDOW_HOURS = 6
HOURLY_CHART_HOURS = 48
DAILY_CHART_DAYS = 120
CHART_WIDTH = 720
CHART_HEIGHT = 240
CHART_MARGIN = 40

# Every event is a mark on the chart but these, which happen before opening or are about
# moderation: so thresholds crossed and responses are marked as soon as they are recorded.
# Moderators' own events (TimelineEvent.STAFF_ONLY) are never shown to the organiser.
CHART_EVENT_KINDS_LEFT_OUT = (
    TimelineEvent.Kind.CREATED,
    TimelineEvent.Kind.SPONSORING,
    TimelineEvent.Kind.SUBMITTED,
    TimelineEvent.Kind.SHARED,
    TimelineEvent.Kind.REJECTED,
    TimelineEvent.Kind.HIDDEN,
    TimelineEvent.Kind.RESTORED,
    *TimelineEvent.STAFF_ONLY,
)


@dataclasses.dataclass(frozen=True)
class Bar:
    label: str
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclasses.dataclass(frozen=True)
class Mark:
    label: str
    x: float
    kind: str = ""


@dataclasses.dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    marks: list[Mark]
    peak: int
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    margin: int = CHART_MARGIN

    @property
    def baseline(self) -> float:
        return self.height - self.margin

    @property
    def plot_right(self) -> float:
        return self.width - self.margin / 2


@dataclasses.dataclass(frozen=True)
class Projection:
    next_goal: int
    remaining: int
    rate_per_hour: float
    hours: float | None  # None when nobody signed lately: no honest estimate

    @property
    def eta(self) -> dt.datetime | None:
        if self.hours is None:
            return None
        return timezone.now() + dt.timedelta(hours=self.hours)


def _hour_start(key: str) -> dt.datetime:
    return dt.datetime.strptime(key, "%Y-%m-%dT%H").replace(tzinfo=dt.UTC)


def hourly_counts(*, petition: Petition) -> dict[dt.datetime, int]:
    rows = Tally.objects.filter(
        petition=petition, dimension=Tally.Dimension.HOUR, count__gt=0
    ).values_list("key", "count")
    return {_hour_start(key): count for key, count in rows}


def _chart(
    *,
    title: str,
    slots: list[tuple[dt.datetime, str, int]],
    slot_length: dt.timedelta,
    events: list[TimelineEvent],
) -> Chart:
    """Bars for ``slots`` (start, label, count) and a mark for each event inside them."""
    peak = max((count for _, _, count in slots), default=0)
    left, right = CHART_MARGIN, CHART_WIDTH - CHART_MARGIN / 2
    top, bottom = CHART_MARGIN / 2, CHART_HEIGHT - CHART_MARGIN
    step = (right - left) / max(len(slots), 1)
    bars = []
    for index, (_start, label, count) in enumerate(slots):
        height = (bottom - top) * count / peak if peak else 0.0
        bars.append(
            Bar(
                label=label,
                count=count,
                x=round(left + index * step + step * 0.1, 2),
                y=round(bottom - height, 2),
                width=round(step * 0.8, 2),
                height=round(height, 2),
            )
        )
    marks = []
    if slots:
        start, end = slots[0][0], slots[-1][0] + slot_length
        for event in events:
            if start <= event.at < end:
                offset = (event.at - start) / (end - start)
                marks.append(
                    Mark(
                        label=_event_label(event),
                        x=round(left + offset * (right - left), 2),
                        kind=event.kind,
                    )
                )
    return Chart(title=title, bars=bars, marks=marks, peak=peak)


def _event_label(event: TimelineEvent) -> str:
    label = str(event.get_kind_display())
    if event.kind == TimelineEvent.Kind.LADDER_ON:
        return _("Goal ladder on")
    if event.kind == TimelineEvent.Kind.LADDER_OFF:
        return _("Goal ladder off")
    if event.kind == TimelineEvent.Kind.SUCCESSFUL:
        return _("Victory")
    if event.kind in (TimelineEvent.Kind.GOAL_RAISED, TimelineEvent.Kind.GOAL_CHANGED):
        return f"{label}: {event.data.get('from')} → {event.data.get('to')}"
    if event.kind == TimelineEvent.Kind.GOAL_REACHED:
        return f"{label}: {event.data.get('goal')}"
    if event.kind == TimelineEvent.Kind.UPDATE and event.data.get("title"):
        return f"{label}: {event.data['title']}"
    return label


def chart_events(*, petition: Petition) -> list[TimelineEvent]:
    return list(petition.events.public().exclude(kind__in=CHART_EVENT_KINDS_LEFT_OUT))


def chart_hourly(
    *, petition: Petition, hours: dict[dt.datetime, int], events: list[TimelineEvent]
) -> Chart:
    """Signatures in each of the last HOURLY_CHART_HOURS hours, up to now (or closing).

    When nobody signed in those hours the chart ends at the last hour anyone did instead,
    so a quiet petition still shows the burst that made it.
    """
    window = dt.timedelta(hours=HOURLY_CHART_HOURS - 1)
    end = petition.closed_at or timezone.now()
    last = end.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    latest = max(hours, default=None)
    if latest is not None and latest < last - window:
        last = latest
    first = last - window
    if petition.opened_at:
        opened = petition.opened_at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
        first = min(max(first, opened), last)
    slots = []
    moment = first
    while moment <= last:
        local = timezone.localtime(moment)
        slots.append((moment, local.strftime("%d %b %H:00"), hours.get(moment, 0)))
        moment += dt.timedelta(hours=1)
    return _chart(
        title=_("Signatures per hour"),
        slots=slots,
        slot_length=dt.timedelta(hours=1),
        events=events,
    )


def chart_daily(
    *, petition: Petition, hours: dict[dt.datetime, int], events: list[TimelineEvent]
) -> Chart:
    """Signatures on each local day from opening to today (or to closing).

    At most DAILY_CHART_DAYS days: the last ones, or those up to the last signature when
    nobody signed in that long.
    """
    days: dict[dt.date, int] = {}
    for moment, count in hours.items():
        day = timezone.localtime(moment).date()
        days[day] = days.get(day, 0) + count
    window = dt.timedelta(days=DAILY_CHART_DAYS - 1)
    end = timezone.localtime(petition.closed_at or timezone.now()).date()
    latest = max(days, default=None)
    if latest is not None and latest < end - window:
        end = latest
    begin_at = petition.opened_at or petition.created_at
    first = min([timezone.localtime(begin_at).date(), *days.keys()])
    first = min(max(first, end - window), end)
    slots = []
    day = first
    while day <= end:
        start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
        slots.append((start, day.strftime("%d %b"), days.get(day, 0)))
        day += dt.timedelta(days=1)
    return _chart(
        title=_("Signatures per day"), slots=slots, slot_length=dt.timedelta(days=1), events=events
    )


def projection(
    *, petition: Petition, count: int, hours: dict[dt.datetime, int], now: dt.datetime
) -> Projection:
    """When the next goal will be reached at the rate of the last RATE_WINDOW_HOURS hours."""
    next_goal = petition.goal if count < petition.goal else petition.next_goal(count)
    since = now - dt.timedelta(hours=RATE_WINDOW_HOURS)
    recent = sum(n for moment, n in hours.items() if moment + dt.timedelta(hours=1) > since)
    rate = recent / RATE_WINDOW_HOURS
    remaining = max(next_goal - count, 0)
    eta_hours = remaining / rate if rate > 0 else None
    return Projection(next_goal=next_goal, remaining=remaining, rate_per_hour=rate, hours=eta_hours)


def confirmation_rate(*, petition: Petition) -> tuple[int, int, int | None]:
    """(confirmed, all signatures, percentage confirmed or None when nobody signed).

    Shadow-flagged signatures are in neither figure: the confirmed ones then equal the count
    beside them, and an organiser cannot tell a flagged signature from any other
    (tautoko/fraud)."""
    figures = Signature.objects.filter(petition=petition, flagged=False).aggregate(
        all=Count("id"), confirmed=Count("id", filter=Q(state=Signature.State.CONFIRMED))
    )
    everyone, confirmed = figures["all"], figures["confirmed"]
    rate = math.floor(100 * confirmed / everyone) if everyone else None
    return confirmed, everyone, rate


@dataclasses.dataclass(frozen=True)
class Share:
    key: str
    label: str
    count: int
    percent: float


def _label(dimension: str, key: str) -> str:
    if dimension == Tally.Dimension.COUNTRY:
        return str(countries.name(key) or key or "—")
    if dimension == Tally.Dimension.SOURCE:
        # Translators: signatures that came through no share link.
        return key or _("direct")
    return key or "—"


def shares(*, petition: Petition, dimension: str, total: int) -> list[Share]:
    return [
        Share(
            key=key,
            label=_label(dimension, key),
            count=count,
            percent=round(100 * count / total, 1) if total else 0.0,
        )
        for key, count in breakdown(petition_id=petition.id, dimension=dimension)
    ]


def dashboard_figures(*, petition: Petition, now: dt.datetime | None = None) -> dict[str, object]:
    now = now or timezone.now()
    count = tally_total(petition_id=petition.id)
    hours = hourly_counts(petition=petition)
    events = chart_events(petition=petition)
    confirmed, everyone, rate = confirmation_rate(petition=petition)
    last_24 = sum(n for moment, n in hours.items() if moment > now - dt.timedelta(hours=24))

    return {
        "count": count,
        "confirmed": confirmed,
        "signatures_all": everyone,
        "confirmation_rate": rate,
        "growth_24h": last_24,
        "projection": projection(petition=petition, count=count, hours=hours, now=now),
        "chart_hourly": chart_hourly(petition=petition, hours=hours, events=events),
        "chart_daily": chart_daily(petition=petition, hours=hours, events=events),
        "sources": shares(petition=petition, dimension=Tally.Dimension.SOURCE, total=count),
        "electorates": shares(petition=petition, dimension=Tally.Dimension.ELECTORATE, total=count),
        "countries": shares(petition=petition, dimension=Tally.Dimension.COUNTRY, total=count),
    }
