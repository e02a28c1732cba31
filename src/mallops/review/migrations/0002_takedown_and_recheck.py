import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("review", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="listing",
            name="takedown_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("staff", "Taken down by the platform"),
                    ("merchant", "Delisted by the merchant"),
                    ("certificate", "Certificate expired"),
                    ("recheck", "Rejected at a rule re-check"),
                ],
                default="",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="listing",
            name="takedown_rule",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="listing",
            name="takedown_article",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.AddField(
            model_name="listing",
            name="taken_down_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="listingversion",
            name="origin",
            field=models.CharField(
                choices=[
                    ("merchant", "Submitted by the merchant"),
                    ("recheck", "Re-check after a rule pack update"),
                ],
                default="merchant",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="listingversion",
            name="rules_version",
            field=models.TextField(blank=True, default=""),
        ),
    ]
