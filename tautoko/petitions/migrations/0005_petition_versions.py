"""Versions of a petition's text: PetitionVersion, Petition.version, Signature.petition_version.

Every petition that has opened gets its version 1: its text as it stands, which is the text
it opened with, since nothing could change an open petition's text before this. Every
signature was made on that version 1 (the field's default fills them in).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def versions_first_keep(apps, schema_editor):
    Petition = apps.get_model("petitions", "Petition")
    PetitionVersion = apps.get_model("petitions", "PetitionVersion")
    opened = Petition.objects.filter(opened_at__isnull=False).exclude(versions__number=1)
    batch = []
    for petition in opened.iterator(chunk_size=1000):
        batch.append(
            PetitionVersion(
                petition_id=petition.id,
                number=1,
                title=petition.title,
                summary=petition.summary,
                statement=petition.statement,
                note="",
                created_at=petition.opened_at,
                created_by_id=petition.organiser_id,
            )
        )
        if len(batch) >= 1000:
            PetitionVersion.objects.bulk_create(batch)
            batch = []
    PetitionVersion.objects.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ('petitions', '0004_signature_fraud_fields'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='petition',
            name='version',
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AddField(
            model_name='signature',
            name='petition_version',
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name='timelineevent',
            name='kind',
            field=models.CharField(choices=[('created', 'Created'), ('submitted', 'Sent for moderation'), ('opened', 'Opened for signatures'), ('shared', 'Shared'), ('goal_reached', 'Goal reached'), ('goal_raised', 'Goal raised'), ('update', 'Update posted'), ('closed', 'Closed'), ('rejected', 'Rejected'), ('hidden', 'Hidden'), ('restored', 'Restored'), ('edited', 'Text changed'), ('threshold_reached', 'Threshold reached'), ('responded', 'Official response'), ('debate_scheduled', 'Debate scheduled'), ('debated', 'Debated')], max_length=24),
        ),
        migrations.CreateModel(
            name='PetitionVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField()),
                ('title', models.CharField(max_length=80)),
                ('summary', models.CharField(max_length=300, verbose_name='what should happen')),
                ('statement', models.TextField(blank=True, max_length=5000, verbose_name='why')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='what changed')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('petition', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='petitions.petition')),
            ],
            options={
                'ordering': ['petition', 'number'],
                'constraints': [models.UniqueConstraint(fields=('petition', 'number'), name='petition_version_unique'), models.CheckConstraint(condition=models.Q(('number__gte', 1)), name='petition_version_from_one'), models.CheckConstraint(condition=models.Q(('number', 1), models.Q(('note', ''), _negated=True), _connector='OR'), name='petition_version_edit_has_note')],
            },
        ),
        migrations.RunPython(versions_first_keep, migrations.RunPython.noop, elidable=True),
    ]
