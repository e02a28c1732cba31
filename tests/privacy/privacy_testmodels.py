"""An encrypted model outside the app registry, for the privacy tests (no probe table in production).

``Contact`` lives in its own ``Apps`` registry so the global model scan (``unclassified_personal_fields``,
``mallops keys rotate``) never sees it; the ``contact_table`` fixture creates and drops its table.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.apps.registry import Apps
from django.db import connection, models

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


def raw_column(table: str, column: str) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} ORDER BY id")
        return [row[0] for row in cursor.fetchall()]
