from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from mallops.risk.seeds import SEED_REGISTER, SEED_WARNING_RULES

    register = apps.get_model("risk", "RegisteredRisk")
    for spec in SEED_REGISTER:
        register.objects.get_or_create(code=spec["code"], defaults=spec)
    rules = apps.get_model("risk", "WarningRule")
    for spec in SEED_WARNING_RULES:
        rules.objects.get_or_create(metric=spec["metric"], name=spec["name"], defaults=spec)


def unseed(apps: Any, schema_editor: Any) -> None:
    from mallops.risk.seeds import SEED_REGISTER, SEED_WARNING_RULES

    apps.get_model("risk", "RegisteredRisk").objects.filter(
        code__in=[s["code"] for s in SEED_REGISTER]
    ).delete()
    apps.get_model("risk", "WarningRule").objects.filter(
        name__in=[s["name"] for s in SEED_WARNING_RULES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("risk", "0002_register_warning")]

    operations = [migrations.RunPython(seed, unseed)]
