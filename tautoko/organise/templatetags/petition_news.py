"""The organiser's news on the public petition page: the victory and the updates.

A tag, so that the petition page only needs a one-line include: the page is rendered once a
second for everyone, so nothing here may depend on who is looking.
"""

from __future__ import annotations

from typing import Any

from django import template

from tautoko.organise.models import PetitionUpdate, Victory
from tautoko.petitions.models import Petition

register = template.Library()

UPDATES_SHOWN = 10


@register.simple_tag
def petition_news(petition: Petition) -> dict[str, Any]:
    return {
        "victory": Victory.objects.filter(petition_id=petition.id).first(),
        "updates": list(PetitionUpdate.objects.filter(petition_id=petition.id)[:UPDATES_SHOWN]),
    }
