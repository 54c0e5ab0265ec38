"""Finding petitions: free text, filters, sorting."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Exists, F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tautoko.petitions.counts import counts_current
from tautoko.petitions.models import Petition, Tally
from tautoko.responses.models import Debate, OfficialResponse, Threshold, ThresholdCrossing
from tautoko.search import fts

# The state filters people know, some of them made of more than the petition's state.
STATE_CHOICES: tuple[tuple[str, Any], ...] = (
    ("open", _("Open")),
    ("closed", _("Closed")),
    ("awaiting", _("Awaiting a response")),
    ("responded", _("Responded")),
    ("debated", _("Debated")),
    ("successful", _("Successful")),
    ("rejected", _("Rejected")),
)
SORT_CHOICES: tuple[tuple[str, Any], ...] = (
    ("relevance", _("Best match")),
    ("signatures", _("Most signatures")),
    ("newest", _("Newest")),
    ("trending", _("Trending (last 24 hours)")),
)


@dataclasses.dataclass(frozen=True)
class Search:
    text: str = ""
    state: str = ""
    decision_maker: str = ""  # a decision maker's slug
    electorate: str = ""
    sort: str = ""


def _state_filter(queryset: QuerySet[Petition], state: str) -> QuerySet[Petition]:
    responded = Exists(OfficialResponse.objects.filter(petition=OuterRef("pk")))
    if state in (
        Petition.State.OPEN,
        Petition.State.CLOSED,
        Petition.State.SUCCESSFUL,
        Petition.State.REJECTED,
    ):
        return queryset.filter(state=state)
    if state == "awaiting":
        due = Exists(
            ThresholdCrossing.objects.filter(petition=OuterRef("pk"), threshold=Threshold.RESPONSE)
        )
        return queryset.filter(due, ~responded).exclude(state=Petition.State.REJECTED)
    if state == "responded":
        return queryset.filter(responded)
    if state == "debated":
        return queryset.filter(
            Exists(Debate.objects.filter(petition=OuterRef("pk"), debated_at__isnull=False))
        )
    return queryset


def _tally(dimension: str, key: str) -> Subquery:
    return Subquery(
        Tally.objects.filter(petition=OuterRef("pk"), dimension=dimension, key=key).values("count")[
            :1
        ],
        output_field=IntegerField(),
    )


def petitions_search(*, search: Search, now: dt.datetime | None = None) -> QuerySet[Petition]:
    """Public petitions matching a search, each annotated with ``settled_count`` (settled
    count), ``growth`` (last 24 hours) and, with an electorate, ``local`` (signatures from
    it), in the order asked for."""
    now = now or timezone.now()
    queryset: QuerySet[Petition] = Petition.objects.visible().select_related("decision_maker")
    text = search.text.strip()
    if text:
        queryset = fts.search_filter(queryset, text=text, vendor=connection.vendor)
    queryset = _state_filter(queryset, search.state)
    if search.decision_maker:
        queryset = queryset.filter(decision_maker__slug=search.decision_maker)
    since = (now - dt.timedelta(hours=24)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H")
    growth = Subquery(
        Tally.objects.filter(
            petition=OuterRef("pk"), dimension=Tally.Dimension.HOUR, key__gte=since
        )
        .values("petition")
        .annotate(n=Sum("count"))
        .values("n")[:1],
        output_field=IntegerField(),
    )
    queryset = queryset.annotate(
        settled_count=Coalesce(_tally(Tally.Dimension.TOTAL, ""), Value(0)),
        growth=Coalesce(growth, Value(0)),
    )
    if search.electorate:
        # "Popular in my electorate": only petitions signed there, the most signed there first.
        queryset = queryset.annotate(
            local=Coalesce(_tally(Tally.Dimension.ELECTORATE, search.electorate), Value(0))
        ).filter(local__gt=0)
    orders: dict[str, list[Any]] = {
        "relevance": ["-rank"] if text else [],
        "signatures": ["-settled_count"],
        "newest": [F("opened_at").desc(nulls_last=True), "-created_at"],
        "trending": ["-growth"],
    }
    default = "relevance" if text else ("" if search.electorate else "signatures")
    order = list(orders.get(search.sort or default, []))
    if search.electorate:
        order.append("-local")
    return queryset.order_by(*order, "-settled_count", "-id")


@dataclasses.dataclass(frozen=True)
class SimilarPetition:
    petition: Petition
    count: int


def petitions_similar_find(
    *,
    title: str,
    summary: str,
    exclude_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[SimilarPetition]:
    """Open petitions that may already ask for what a draft asks: those sharing words with
    its title and summary, the best matches first (``TAUTOKO["SIMILAR_PETITIONS_SHOWN"]`` at
    most), each with its public count. ``exclude_id`` is the draft itself."""
    queryset: QuerySet[Petition] = Petition.objects.signable(now=now).select_related(
        "decision_maker"
    )
    if exclude_id is not None:
        queryset = queryset.exclude(id=exclude_id)
    queryset = fts.search_filter(
        queryset, text=f"{title}\n{summary}", vendor=connection.vendor, any_word=True
    )
    petitions = list(
        queryset.order_by(F("rank").desc(), "-id")[: settings.TAUTOKO["SIMILAR_PETITIONS_SHOWN"]]
    )
    counts = counts_current(petition_ids=[petition.id for petition in petitions])
    return [SimilarPetition(petition=petition, count=counts[petition.id]) for petition in petitions]
