"""A broadcast's email to a signer is keyed ``signature:<id>:<broadcast key>`` (it was
``<broadcast key>:<id>``), under the prefix of the signature's other emails, so that a
signer's data export, erasure and the retention job find updates and responses too. The
emails already queued or sent are keyed again here."""

from typing import Any

from django.db import migrations, models

# The only audience so far: confirmed signers of a petition (tautoko/petitions/audiences.py).
SIGNER_AUDIENCE = "petition-signers-opted-in"


def _rekey(apps: Any, *, forwards: bool) -> None:
    Broadcast = apps.get_model("outbox", "Broadcast")
    OutboundEmail = apps.get_model("outbox", "OutboundEmail")
    for broadcast_key in Broadcast.objects.filter(audience=SIGNER_AUDIENCE).values_list(
        "key", flat=True
    ):
        if forwards:
            emails = OutboundEmail.objects.filter(key__startswith=f"{broadcast_key}:")
        else:
            emails = OutboundEmail.objects.filter(
                key__startswith="signature:", key__endswith=f":{broadcast_key}"
            )
        rekeyed = []
        for email_id, key in emails.values_list("id", "key").iterator():
            if forwards:
                signature_id = key[len(broadcast_key) + 1 :]
                new = f"signature:{signature_id}:{broadcast_key}"
            else:
                signature_id = key[len("signature:") : -len(broadcast_key) - 1]
                new = f"{broadcast_key}:{signature_id}"
            # Another broadcast whose key begins with this one's has keys of another shape.
            if signature_id.isdigit():
                rekeyed.append(OutboundEmail(id=email_id, key=new))
        OutboundEmail.objects.bulk_update(rekeyed, ["key"], batch_size=1000)


def forwards(apps: Any, schema_editor: Any) -> None:
    _rekey(apps, forwards=True)


def backwards(apps: Any, schema_editor: Any) -> None:
    _rekey(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0002_broadcast"),
    ]

    operations = [
        migrations.AlterField(
            model_name="outboundemail",
            name="key",
            field=models.CharField(max_length=160, unique=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
