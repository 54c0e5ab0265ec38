from __future__ import annotations

from django.apps import AppConfig


class PetitionsConfig(AppConfig):
    name = "tautoko.petitions"
    label = "petitions"
