"""Seed the default rejection reasons and the Moderators group with its permission."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REASONS = (
    ("duplicate", "Duplicate",
     "There is already a petition about this. Please sign that one instead."),
    ("not-decision-maker", "Not something the decision maker can do",
     "The decision maker this petition is addressed to has no power to do what it asks."),
    ("offensive", "Offensive", "It contains language or content that is offensive."),
    ("defamatory", "Defamatory", "It makes claims that could be defamatory."),
    ("personal-information", "Personal information",
     "It includes personal information about someone."),
    ("advert", "Advert", "It advertises a product, service or business."),
)


def seed(apps, schema_editor):
    RejectionReason = apps.get_model("moderation", "RejectionReason")
    for position, (code, label, explanation) in enumerate(REASONS):
        RejectionReason.objects.get_or_create(
            code=code, defaults={"label": label, "explanation": explanation, "position": position}
        )
    # Permissions are normally made after all migrations; the group needs its one now.
    app_config = apps.get_app_config("moderation")
    app_config.models_module = True  # what create_permissions checks for "has models"
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="moderation", codename="moderate")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
