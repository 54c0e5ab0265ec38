from __future__ import annotations

from django.apps import AppConfig


class PetitionsConfig(AppConfig):
    name = "tautoko.petitions"
    label = "petitions"

    def ready(self) -> None:
        from tautoko.outbox.audiences import audience_register
        from tautoko.petitions.audiences import SIGNERS_OPTED_IN, signers_opted_in

        audience_register(SIGNERS_OPTED_IN, signers_opted_in)
