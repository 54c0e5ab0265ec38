from __future__ import annotations

from django.contrib import admin

from tautoko.responses.models import Debate, OfficialResponse, ThresholdCrossing


@admin.register(ThresholdCrossing)
class ThresholdCrossingAdmin(admin.ModelAdmin):
    list_display = ("petition", "threshold", "signatures", "crossed_at")
    list_filter = ("threshold",)
    readonly_fields = ("petition", "threshold", "signatures", "crossed_at")


@admin.register(OfficialResponse)
class OfficialResponseAdmin(admin.ModelAdmin):
    list_display = ("petition", "published_at", "published_by")
    raw_id_fields = ("petition", "published_by")


@admin.register(Debate)
class DebateAdmin(admin.ModelAdmin):
    list_display = ("petition", "scheduled_for", "debated_at")
    raw_id_fields = ("petition",)
