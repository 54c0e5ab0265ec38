"""A broadcast's email to a signer is keyed ``signature:<id>:<broadcast key>`` (it was
``<broadcast key>:<id>``), under the prefix of the signature's other emails, so that a
signer's data export, erasure and the retention job find updates and responses too. The
emails already queued or sent are keyed again here, and those of signers already erased or
anonymised, which erasure and retention could not find before, are forgotten as they would
have been."""

from typing import Any

from django.db import migrations, models

# The only audience so far: confirmed signers of a petition (tautoko/petitions/audiences.py).
SIGNER_AUDIENCE = "petition-signers-opted-in"


def _rekey(apps: Any, *, forwards: bool) -> None:
    Broadcast = apps.get_model("outbox", "Broadcast")
    OutboundEmail = apps.get_model("outbox", "OutboundEmail")
    moved: dict[int, int] = {}  # email id -> signature id, of the emails keyed anew
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
                moved[email_id] = int(signature_id)
        OutboundEmail.objects.bulk_update(rekeyed, ["key"], batch_size=1000)
    if forwards:
        _anonymised_forgotten(apps, moved)


def _anonymised_forgotten(apps: Any, moved: dict[int, int]) -> None:
    """What erasure and retention would have done to these emails had they found them under
    the signature's prefix: a signer already anonymised loses the address and contents of
    their broadcast emails, and those not yet sent are dropped (tautoko/signers/services.py,
    _outbox_anonymise)."""
    OutboundEmail = apps.get_model("outbox", "OutboundEmail")
    Signature = apps.get_model("petitions", "Signature")
    signature_ids = sorted(set(moved.values()))
    anonymised: set[int] = set()
    for start in range(0, len(signature_ids), 500):
        anonymised.update(
            Signature.objects.filter(
                id__in=signature_ids[start : start + 500], anonymised_at__isnull=False
            ).values_list("id", flat=True)
        )
    forget = [email_id for email_id, signature_id in moved.items() if signature_id in anonymised]
    for start in range(0, len(forget), 500):
        emails = OutboundEmail.objects.filter(id__in=forget[start : start + 500])
        emails.filter(state__in=("queued", "sending")).delete()
        emails.update(to="", context={}, subject="", body_text="", body_html="", last_error="")


def forwards(apps: Any, schema_editor: Any) -> None:
    _rekey(apps, forwards=True)


def backwards(apps: Any, schema_editor: Any) -> None:
    _rekey(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0002_broadcast"),
        ("petitions", "0007_decision_maker_proposals_successful_and_event_kinds"),
    ]

    operations = [
        migrations.AlterField(
            model_name="outboundemail",
            name="key",
            field=models.CharField(max_length=160, unique=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
