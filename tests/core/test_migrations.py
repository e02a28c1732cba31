from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.req("R6.4.2")
@pytest.mark.django_db(transaction=True)
def test_migrations_apply_forward_and_core_reverses():
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    call_command("migrate", "core", "zero", verbosity=0)
    assert "core_sweepprobe" not in connection.introspection.table_names()
    call_command("migrate", verbosity=0)
    assert "core_sweepprobe" in connection.introspection.table_names()
