from __future__ import annotations

from django.contrib import admin

from tautoko.moderation.models import Checkout, RejectionReason


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    list_display = ("label", "code", "position", "active")
    list_editable = ("position", "active")
    prepopulated_fields = {"code": ("label",)}


@admin.register(Checkout)
class CheckoutAdmin(admin.ModelAdmin):
    list_display = ("petition", "moderator", "taken_at", "expires_at")
    raw_id_fields = ("petition", "moderator")
