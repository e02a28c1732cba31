from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from mallops.service.policies import SEED_POLICIES

    model = apps.get_model("service", "SlaPolicy")
    for spec in SEED_POLICIES:
        model.objects.get_or_create(code=spec["code"], defaults=spec)


def unseed(apps: Any, schema_editor: Any) -> None:
    from mallops.service.policies import SEED_POLICIES

    apps.get_model("service", "SlaPolicy").objects.filter(code__in=[p["code"] for p in SEED_POLICIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
