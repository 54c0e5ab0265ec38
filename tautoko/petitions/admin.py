from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tautoko.petitions.models import (
    DecisionMaker,
    Petition,
    PetitionVersion,
    Signature,
    Tally,
    TimelineEvent,
)


@admin.register(DecisionMaker)
class DecisionMakerAdmin(admin.ModelAdmin):
    """The managed list, and the proposals organisers made (filter by status): a proposal
    is listed or matched by the moderator approving its petition; one left on a rejected
    petition stays here, unlisted."""

    list_display = ("name", "title", "slug", "status", "proposed_for", "proposed_at")
    list_filter = ("status",)
    search_fields = ("name", "title")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("proposed_by", "proposed_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[DecisionMaker]:
        return super().get_queryset(request).prefetch_related("petitions")

    @admin.display(description="proposed for")
    def proposed_for(self, maker: DecisionMaker) -> str:
        if maker.is_listed:
            return "—"
        return ", ".join(f"{p.title} ({p.get_state_display()})" for p in maker.petitions.all())


class TimelineEventInline(admin.TabularInline):
    model = TimelineEvent
    extra = 0
    readonly_fields = ("kind", "at", "actor", "note", "data")
    can_delete = False


class PetitionVersionInline(admin.TabularInline):
    model = PetitionVersion
    extra = 0
    fields = readonly_fields = ("number", "created_at", "created_by", "note", "title")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "state", "goal", "decision_maker", "opened_at", "closes_at")
    list_filter = ("state", "decision_maker")
    search_fields = ("title", "slug", "summary")
    readonly_fields = ("state", "version", "opened_at", "closed_at", "created_at")
    # The sponsor link's secrets: never shown, never edited by hand.
    exclude = ("sponsor_link_nonce", "sponsor_link_hash")
    inlines = (PetitionVersionInline, TimelineEventInline)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Once open, people have signed this text and this decision maker: the text changes
        # only as a new version (the organiser's edit), which signatures refer to.
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.opened_at is not None:
            fields += ("title", "summary", "statement", "decision_maker")
        return fields


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "petition",
        "electorate",
        "country",
        "source",
        "state",
        "flagged",
        "created_at",
        "confirmed_at",
    )
    list_filter = ("state", "flagged", "source", "petition")
    search_fields = ("name", "email_canonical")
    readonly_fields = (
        "petition",
        "name",
        "email",
        "email_canonical",
        "electorate",
        "country",
        "source",
        "notify",
        "state",
        "created_at",
        "confirmed_at",
        "consent_version",
        "emails_sent",
        "receipt",
        "ip_hash",
        "flagged",
        "flag_reasons",
    )
    exclude = ("token_hash", "token_expires_at")

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(Tally)
class TallyAdmin(admin.ModelAdmin):
    list_display = ("petition", "dimension", "key", "count")
    list_filter = ("dimension", "petition")
    readonly_fields = ("petition", "dimension", "key", "count")
