"""Proposed decision makers, the successful state, and dedicated event kinds.

The goal ladder's switches and the organiser's own goal changes used to be ``goal_raised``
events: a switch had ``data.ladder`` (and an unchanged goal), a change by hand had an
actor. They become ``ladder_on`` / ``ladder_off`` (``data.goal``) and ``goal_changed``.
An automatic raise by the ladder stays ``goal_raised``: it has no actor and follows a
``goal_reached`` event at the same moment.
"""

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _is_automatic_raise(event: Any, reached: set[tuple[int, Any]]) -> bool:
    return event.actor_id is None and (event.petition_id, event.at) in reached


def goal_events_split(apps: Any, schema_editor: Any) -> None:
    TimelineEvent = apps.get_model("petitions", "TimelineEvent")
    reached = set(
        TimelineEvent.objects.filter(kind="goal_reached").values_list("petition_id", "at")
    )
    for event in TimelineEvent.objects.filter(kind="goal_raised").iterator():
        data = dict(event.data or {})
        if "ladder" in data:
            event.kind = "ladder_on" if data["ladder"] else "ladder_off"
            event.data = {"goal": data.get("to", data.get("from"))}
        elif not _is_automatic_raise(event, reached):
            event.kind = "goal_changed"
        else:
            continue
        event.save(update_fields=["kind", "data"])


def goal_events_merge(apps: Any, schema_editor: Any) -> None:
    TimelineEvent = apps.get_model("petitions", "TimelineEvent")
    for event in TimelineEvent.objects.filter(kind__in=["ladder_on", "ladder_off"]).iterator():
        goal = (event.data or {}).get("goal")
        event.data = {"from": goal, "to": goal, "ladder": event.kind == "ladder_on"}
        event.kind = "goal_raised"
        event.save(update_fields=["kind", "data"])
    TimelineEvent.objects.filter(kind="goal_changed").update(kind="goal_raised")


class Migration(migrations.Migration):

    dependencies = [
        ('petitions', '0006_petition_sponsoring'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='decisionmaker',
            name='proposed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='decisionmaker',
            name='proposed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='decisionmaker',
            name='status',
            field=models.CharField(choices=[('listed', 'Listed'), ('proposed', 'Proposed by an organiser')], default='listed', max_length=16),
        ),
        migrations.AlterField(
            model_name='petition',
            name='state',
            field=models.CharField(choices=[('draft', 'Draft'), ('sponsoring', 'Gathering sponsors'), ('pending', 'Awaiting moderation'), ('open', 'Open'), ('closed', 'Closed'), ('rejected', 'Rejected'), ('hidden', 'Hidden'), ('successful', 'Successful')], default='draft', max_length=16),
        ),
        migrations.AlterField(
            model_name='timelineevent',
            name='kind',
            field=models.CharField(choices=[('created', 'Created'), ('sponsoring', 'Gathering sponsors'), ('submitted', 'Sent for moderation'), ('opened', 'Opened for signatures'), ('shared', 'Shared'), ('goal_reached', 'Goal reached'), ('goal_raised', 'Goal raised'), ('update', 'Update posted'), ('closed', 'Closed'), ('rejected', 'Rejected'), ('hidden', 'Hidden'), ('restored', 'Restored'), ('edited', 'Text changed'), ('threshold_reached', 'Threshold reached'), ('responded', 'Official response'), ('debate_scheduled', 'Debate scheduled'), ('debated', 'Debated'), ('ladder_on', 'Goal ladder switched on'), ('ladder_off', 'Goal ladder switched off'), ('goal_changed', 'Goal changed'), ('successful', 'Victory declared'), ('second_opinion_asked', 'Second opinion asked for'), ('second_opinion_given', 'Second opinion given'), ('decision_maker_listed', 'Proposed decision maker listed'), ('decision_maker_matched', 'Decision maker matched')], max_length=24),
        ),
        migrations.RunPython(goal_events_split, goal_events_merge),
    ]
