"""Model fields for personal data at rest (R6.2.1, R7.3.1).

``EncryptedTextField`` stores an AES-256-GCM token and hands the model plaintext; ``BlindIndexField``
stores the HMAC of another field's value so equality lookups work without decrypting::

    phone = EncryptedTextField(associated_data="accounts.user.phone")
    phone_index = BlindIndexField(source="phone", namespace="phone", unique=True)

    User.objects.filter(phone_index=blind_index("138 1234 1234", namespace="phone"))
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.lookups import Lookup

from mallops.privacy import keys


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text encrypted at rest. ``None`` stays NULL; ``""`` is stored as ``""`` (not encrypted).

    Storing the empty string as is keeps ``blank=True`` forms and "not given" checks simple; it reveals
    nothing a ciphertext would not, since GCM tokens show the plaintext length anyway.

    ``associated_data`` is bound into every token: pick a stable label per column (for example
    ``"accounts.user.phone"``) so a token pasted into another column does not decrypt there. Changing it
    later makes existing values unreadable, so it is part of the migration state.

    Only ``isnull`` lookups are supported (every write uses a fresh nonce, so equality in SQL cannot
    work); look values up through a ``BlindIndexField``. Reads of a legacy plaintext value (a column
    converted from ``TextField``) return it unchanged; ``mallops keys rotate`` encrypts such values and
    ``mallops keys status`` counts them.
    """

    description = "Text encrypted at rest (AES-256-GCM)"

    def __init__(self, *args: Any, associated_data: str = "", **kwargs: Any) -> None:
        self.associated_data = associated_data
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.associated_data:
            kwargs["associated_data"] = self.associated_data
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "" or not keys.is_token(value):
            return value
        return keys.decrypt(value, associated_data=self.associated_data)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return keys.encrypt(str(value), associated_data=self.associated_data)

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        return None


class BlindIndexField(models.CharField):  # type: ignore[type-arg]
    """HMAC-SHA256 digest of ``source``'s value, filled in when the model is saved.

    NULL when the source is empty. ``save(update_fields=[...])`` must name both fields, and
    ``QuerySet.update``/``bulk_update`` do not call ``pre_save``: services that write the source that
    way set the index themselves with ``keys.blind_index``.
    """

    description = "HMAC blind index of another field"

    def __init__(self, *args: Any, source: str, namespace: str, **kwargs: Any) -> None:
        self.source = source
        self.namespace = namespace
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        if not kwargs.get("unique"):
            kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["namespace"] = self.namespace
        return name, path, args, kwargs

    def compute(self, value: str | None) -> str | None:
        if value is None or not str(value).strip():
            return None
        return keys.blind_index(str(value), namespace=self.namespace)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        digest = self.compute(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, digest)
        return digest
