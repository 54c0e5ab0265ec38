from __future__ import annotations

from django.apps import AppConfig


class FraudConfig(AppConfig):
    name = "tautoko.fraud"
    verbose_name = "Fraud"
