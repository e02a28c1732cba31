"""Privacy test fixtures: a keyring in a temporary data dir and an encrypted model outside the app registry.

``Contact`` lives in its own ``Apps`` registry so production has no probe table and the global model
scan (``unclassified_personal_fields``) never sees it; the ``contact_table`` fixture creates and drops
its table with the schema editor, which on SQLite needs a test without a wrapping transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from django.apps.registry import Apps
from django.db import connection, models

from mallops.privacy import keys
from mallops.privacy.contracts import DataClass, PersonalField
from mallops.privacy.fields import BlindIndexField, EncryptedTextField

ISOLATED_APPS = Apps(["mallops.privacy"])


class Contact(models.Model):
    name = EncryptedTextField(associated_data="privacy_test.contact.name")
    phone = EncryptedTextField(null=True, blank=True, associated_data="privacy_test.contact.phone")
    phone_index = BlindIndexField(source="phone", namespace="phone")
    id_number = EncryptedTextField(blank=True, default="")
    note = models.TextField(blank=True, default="")

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "name": PersonalField(DataClass.IDENTITY, purpose="addressing the customer", mask="name"),
        "phone": PersonalField(DataClass.CONTACT, purpose="delivery contact", mask="phone"),
        "id_number": PersonalField(
            DataClass.SENSITIVE, purpose="real-name check for customs", mask="id_number"
        ),
    }
    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "note": "internal remark about the order, no personal data"
    }

    class Meta:
        app_label = "privacy"
        apps = ISOLATED_APPS
        db_table = "privacy_test_contact"

    def __str__(self) -> str:
        return f"contact {self.pk}"


@pytest.fixture
def keyring_dir(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh key file under a temporary DATA_DIR; the process keyring is reset around the test."""
    monkeypatch.delenv(keys.ENV_KEYS, raising=False)
    monkeypatch.delenv(keys.ENV_BLIND_INDEX_KEY, raising=False)
    settings.DATA_DIR = tmp_path
    keys.reset_keyring()
    yield tmp_path
    keys.reset_keyring()


@pytest.fixture
def contact_table(transactional_db: None, keyring_dir: Path) -> Iterator[type[Contact]]:
    with connection.schema_editor() as editor:
        editor.create_model(Contact)
    try:
        yield Contact
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Contact)


def raw_column(table: str, column: str) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} ORDER BY id")
        return [row[0] for row in cursor.fetchall()]
