"""The lucky-draw seed is encrypted at rest (privacy field keys); rows written before are encrypted here."""

from typing import Any

from django.db import migrations, models

import mallops.privacy.fields


def encrypt_seeds(apps: Any, schema_editor: Any) -> None:
    draws = apps.get_model("content", "LuckyDraw")
    # reading a legacy plaintext value returns it as is; writing it back through the field encrypts it
    for pk, seed in draws.objects.order_by("pk").values_list("pk", "seed"):
        if seed:
            draws.objects.filter(pk=pk).update(seed=seed)


def decrypt_seeds(apps: Any, schema_editor: Any) -> None:
    draws = apps.get_model("content", "LuckyDraw")
    for pk, seed in draws.objects.order_by("pk").values_list("pk", "seed"):
        if seed:
            draws.objects.filter(pk=pk).update(seed=models.Value(seed, output_field=models.CharField()))


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0003_post_interactions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="luckydraw",
            name="seed",
            field=mallops.privacy.fields.EncryptedTextField(
                associated_data="content.luckydraw.seed", blank=True, default=""
            ),
        ),
        migrations.RunPython(encrypt_seeds, decrypt_seeds),
    ]
