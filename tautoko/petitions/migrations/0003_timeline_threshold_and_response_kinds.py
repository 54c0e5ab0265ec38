from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0002_signature_consent_and_privacy"),
    ]

    operations = [
        migrations.AlterField(
            model_name="timelineevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("submitted", "Sent for moderation"),
                    ("opened", "Opened for signatures"),
                    ("shared", "Shared"),
                    ("goal_reached", "Goal reached"),
                    ("goal_raised", "Goal raised"),
                    ("update", "Update posted"),
                    ("closed", "Closed"),
                    ("rejected", "Rejected"),
                    ("hidden", "Hidden"),
                    ("restored", "Restored"),
                    ("threshold_reached", "Threshold reached"),
                    ("responded", "Official response"),
                    ("debate_scheduled", "Debate scheduled"),
                    ("debated", "Debated"),
                ],
                max_length=24,
            ),
        ),
    ]
