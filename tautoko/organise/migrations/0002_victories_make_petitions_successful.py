"""A petition with a Victory becomes ``successful``, and its victory event gets its own kind.

Victory used to be declared without a change of state: the petition stayed open (or
closed) and the timeline had an ``update`` event with ``data.victory``. Now declaring
victory moves the petition to ``successful`` (signing stops, as when it closes: the
closing time is the declaration's when it was still open), with a ``successful`` event.
A hidden petition keeps being hidden, and is restored to ``successful``.
"""

from typing import Any

from django.db import migrations

RUNNING = ("open", "closed")


def victories_successful(apps: Any, schema_editor: Any) -> None:
    Victory = apps.get_model("organise", "Victory")
    TimelineEvent = apps.get_model("petitions", "TimelineEvent")
    for victory in Victory.objects.select_related("petition").iterator():
        petition = victory.petition
        if petition.state in RUNNING:
            petition.state = "successful"
            petition.closed_at = petition.closed_at or victory.declared_at
            petition.save(update_fields=["state", "closed_at"])
        elif petition.state == "hidden":
            hidden = (
                TimelineEvent.objects.filter(petition=petition, kind="hidden")
                .order_by("-at", "-id")
                .first()
            )
            if hidden is not None and (hidden.data or {}).get("from") in RUNNING:
                hidden.data = {**hidden.data, "from": "successful"}
                hidden.save(update_fields=["data"])
                petition.closed_at = petition.closed_at or victory.declared_at
                petition.save(update_fields=["closed_at"])
        for event in TimelineEvent.objects.filter(petition=petition, kind="update"):
            if (event.data or {}).get("victory"):
                event.kind, event.data = "successful", {}
                event.save(update_fields=["kind", "data"])


def victories_back_to_closed(apps: Any, schema_editor: Any) -> None:
    Petition = apps.get_model("petitions", "Petition")
    TimelineEvent = apps.get_model("petitions", "TimelineEvent")
    Petition.objects.filter(state="successful").update(state="closed")
    for hidden in TimelineEvent.objects.filter(kind="hidden"):
        if (hidden.data or {}).get("from") == "successful":
            hidden.data = {**hidden.data, "from": "closed"}
            hidden.save(update_fields=["data"])
    TimelineEvent.objects.filter(kind="successful").update(
        kind="update", data={"victory": True, "title": "Victory"}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("organise", "0001_initial"),
        ("petitions", "0007_decision_maker_proposals_successful_and_event_kinds"),
    ]

    operations = [
        migrations.RunPython(victories_successful, victories_back_to_closed),
    ]
