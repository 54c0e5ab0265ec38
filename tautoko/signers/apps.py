from __future__ import annotations

from django.apps import AppConfig


class SignersConfig(AppConfig):
    name = "tautoko.signers"
    label = "signers"
