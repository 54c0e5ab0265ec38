from __future__ import annotations

from django.contrib import admin

from tautoko.outbox.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ("template", "to", "state", "attempts", "created_at", "sent_at")
    list_filter = ("state", "template")
    search_fields = ("to", "key")
    readonly_fields = (
        "key",
        "code",
        "to",
        "template",
        "state",
        "attempts",
        "created_at",
        "sent_at",
        "last_error",
    )
    exclude = ("context", "body_text", "body_html")
