from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tautoko.fraud.models import FraudSettings, Invalidation, InvalidationItem, Rule, TrendingAlert


@admin.register(FraudSettings)
class FraudSettingsAdmin(admin.ModelAdmin):
    """One row; changes reach every process within TAUTOKO["FRAUD_CONFIG_SECONDS"]."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not FraudSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("kind", "value", "action", "note", "created_at")
    list_filter = ("kind", "action")
    search_fields = ("value", "note")


class InvalidationItemInline(admin.TabularInline):
    model = InvalidationItem
    extra = 0
    raw_id_fields = ("signature",)
    readonly_fields = ("signature", "previous_state")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invalidation)
class InvalidationAdmin(admin.ModelAdmin):
    """Read-only: invalidations are made and cancelled on /fraud/invalidate, which counts."""

    list_display = ("created_at", "created_by", "petition", "invalidated", "cancelled_at")
    inlines = (InvalidationItemInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TrendingAlert)
class TrendingAlertAdmin(admin.ModelAdmin):
    list_display = ("created_at", "petition", "kind", "value", "count", "hour")
    list_filter = ("kind",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
