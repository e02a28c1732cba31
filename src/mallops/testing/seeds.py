"""The rows the data migrations seed (working-day calendar years, categories, SLA policies, risk register),
put back after a test flushed the database."""

from __future__ import annotations

import importlib

SEED_MIGRATIONS = [
    ("mallops.catalogue.migrations.0002_seed_categories", "seed"),
    ("mallops.service.migrations.0002_seed_policies", "seed"),
    ("mallops.workdays.migrations.0002_seed_package_years", "seed"),
    ("mallops.risk.migrations.0003_seed_register", "seed"),
]


def reseed() -> None:
    from django.apps import apps

    for module, function in SEED_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)
