from __future__ import annotations

from django.urls import path

from tautoko.lib import url_converters  # noqa: F401 - registers <code:…>
from tautoko.signers import views

app_name = "signers"
urlpatterns = [
    path("privacy", views.privacy_notice, name="privacy"),
    path("my-signatures", views.manage_request, name="request"),
    path("my-signatures/sent", views.manage_sent, name="sent"),
    path("my-signatures/erased", views.signer_erased, name="erased"),
    path("my-signatures/<code:token>", views.manage, name="manage"),
    # A signed value (tautoko/signers/unsubscribe.py), not one of our codes: ":" in it.
    path("updates/unsubscribe/<str:token>", views.updates_unsubscribe, name="unsubscribe"),
    path("my-signatures/<code:token>/export.json", views.signer_export, name="export"),
    path("my-signatures/<code:token>/erase", views.signer_erase, name="erase"),
    path(
        "my-signatures/<code:token>/withdraw/<code:receipt>",
        views.signature_withdraw,
        name="withdraw",
    ),
]
