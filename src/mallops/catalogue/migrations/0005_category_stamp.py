"""The category stamp: one row that every write to ``catalogue_category`` changes, in the writer's own
transaction (``CategoryStamp``; docs/performance.md, Session 9).

Triggers, not service code, so that no writer can forget it: the services, data migrations, the admin,
test factories and raw SQL all go through them. The new value is random, not a counter: a rolled-back
write leaves the old stamp, and no later write can bring back a stamp that once keyed other content. An
upsert, so a flush that emptied the stamp table (``manage.py flush``; PostgreSQL's TRUNCATE fires the
statement trigger too) gets its row back with the next category write; until then readers find no stamp
and keep no copy.
"""

from typing import Any

from django.db import migrations, models

SQLITE_UPSERT = (
    "INSERT INTO catalogue_categorystamp (id, stamp) VALUES (1, lower(hex(randomblob(16)))) "
    "ON CONFLICT (id) DO UPDATE SET stamp = excluded.stamp"
)
SQLITE_FORWARD = [
    f"""CREATE TRIGGER catalogue_category_stamp_{event.lower()} AFTER {event} ON catalogue_category
    BEGIN {SQLITE_UPSERT}; END"""
    for event in ("INSERT", "UPDATE", "DELETE")
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS catalogue_category_stamp_{event}" for event in ("insert", "update", "delete")
]
POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION catalogue_category_stamp() RETURNS trigger AS $$
BEGIN
    INSERT INTO catalogue_categorystamp (id, stamp)
        VALUES (1, md5(random()::text || clock_timestamp()::text || txid_current()::text))
        ON CONFLICT (id) DO UPDATE SET stamp = EXCLUDED.stamp;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER catalogue_category_stamp
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON catalogue_category
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_category_stamp();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS catalogue_category_stamp ON catalogue_category;
DROP FUNCTION IF EXISTS catalogue_category_stamp();
"""


def forward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement, params=None)
        schema_editor.execute(SQLITE_UPSERT, params=None)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
        schema_editor.execute(
            "INSERT INTO catalogue_categorystamp (id, stamp) VALUES (1, md5(random()::text))", params=None
        )


def backward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement, params=None)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0004_category_is_active"),
    ]

    operations = [
        migrations.CreateModel(
            name="CategoryStamp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("stamp", models.CharField(max_length=64)),
            ],
        ),
        migrations.RunPython(forward, backward),
    ]
