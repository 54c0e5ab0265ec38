"""Moderators may run bulk invalidations (fraud.invalidate), as they fight fraud."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    # Permissions are normally made after all migrations; the group needs this one now.
    app_config = apps.get_app_config("fraud")
    app_config.models_module = True  # what create_permissions checks for "has models"
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="fraud", codename="invalidate")
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Moderators").first()
    permission = Permission.objects.filter(
        content_type__app_label="fraud", codename="invalidate"
    ).first()
    if group and permission:
        group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("fraud", "0001_initial"),
        ("moderation", "0002_reasons_and_moderators_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
