from __future__ import annotations

from django.contrib import admin

from tautoko.signers.models import ManageLink


@admin.register(ManageLink)
class ManageLinkAdmin(admin.ModelAdmin):
    # Staff see that links were sent, never to whom: the address is the signer's.
    list_display = ("id", "created_at", "expires_at", "used_at")
    fields = ("created_at", "expires_at", "used_at")
    readonly_fields = fields

    def has_add_permission(self, request: object) -> bool:
        return False
