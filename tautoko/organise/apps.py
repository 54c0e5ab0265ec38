from __future__ import annotations

from django.apps import AppConfig


class OrganiseConfig(AppConfig):
    name = "tautoko.organise"
    label = "organise"
