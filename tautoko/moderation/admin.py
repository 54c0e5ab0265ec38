from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from tautoko.moderation.models import Checkout, RejectionReason, SecondOpinion


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    list_display = ("label", "code", "position", "active")
    list_editable = ("position", "active")
    prepopulated_fields = {"code": ("label",)}


@admin.register(Checkout)
class CheckoutAdmin(admin.ModelAdmin):
    list_display = ("petition", "moderator", "taken_at", "expires_at")
    raw_id_fields = ("petition", "moderator")


@admin.register(SecondOpinion)
class SecondOpinionAdmin(admin.ModelAdmin):
    """A record of moderators' requests and opinions; they are made on the moderation pages."""

    list_display = ("petition", "asked_by", "asked_at", "answered_by", "answered_at", "outcome")
    list_filter = ("outcome",)
    readonly_fields = (
        "petition",
        "asked_by",
        "asked_at",
        "note",
        "answered_by",
        "answered_at",
        "answer",
        "outcome",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
