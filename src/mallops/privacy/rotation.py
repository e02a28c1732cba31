"""Key usage and re-encryption of every ``EncryptedTextField`` (``mallops keys status|rotate``). R6.2.1.

Rotation walks each model by primary key in batches; every batch is its own transaction and locks its
rows (``SELECT ... FOR UPDATE`` on PostgreSQL, the write lock on SQLite), so a concurrent edit either
lands before the batch reads the row or after it wrote it. Readers never wait on rotation for long and
never fail: both the old and the new key stay in the keyring and each token names its key. Rows go
through ``_base_manager`` because rotation is a system job that must see every tenant's rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import models, transaction
from django.db.models.functions import Cast

from mallops.privacy import keys
from mallops.privacy.fields import EncryptedTextField

_RAW = "_privacy_raw_"


@dataclass(frozen=True)
class EncryptedColumn:
    model: type[models.Model]
    field: EncryptedTextField

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field.name}"


def encrypted_columns(
    app_registry: Apps | None = None, models_: Iterable[type[models.Model]] | None = None
) -> list[EncryptedColumn]:
    """Every encrypted column of concrete, managed models (or of ``models_`` when given)."""
    candidates = list(models_) if models_ is not None else list((app_registry or global_apps).get_models())
    return [
        EncryptedColumn(model, model_field)
        for model in candidates
        if model._meta.managed and not model._meta.proxy
        for model_field in model._meta.local_concrete_fields
        if isinstance(model_field, EncryptedTextField)
    ]


def _raw(column: EncryptedColumn) -> Cast:
    # Cast to plain text so the stored token comes back without from_db_value decrypting it.
    return Cast(column.field.name, output_field=models.TextField())


def _stored(queryset: models.QuerySet[Any], column: EncryptedColumn) -> models.QuerySet[Any]:
    name = f"{_RAW}{column.field.attname}"
    stored: models.QuerySet[Any] = queryset.annotate(**{name: _raw(column)})
    return stored.exclude(**{f"{name}__isnull": True}).exclude(**{name: ""})


def key_usage(columns: list[EncryptedColumn], keyring: keys.Keyring) -> dict[str, Any]:
    """Stored values per key id, per column and in total; ``plaintext`` counts legacy unencrypted values
    and ``unknown_key`` tokens naming a key the keyring lacks (those cannot be read)."""
    totals: dict[str, int] = defaultdict(int)
    per_column: dict[str, dict[str, int]] = {}
    for column in columns:
        name = f"{_RAW}{column.field.attname}"
        stored = _stored(column.model._base_manager.all(), column)
        counts = {
            key.kid: stored.filter(**{f"{name}__startswith": f"{keys.TOKEN_VERSION}:{key.kid}:"}).count()
            for key in keyring.keys
        }
        total = stored.count()
        plaintext = stored.exclude(**{f"{name}__startswith": f"{keys.TOKEN_VERSION}:"}).count()
        counts["plaintext"] = plaintext
        counts["unknown_key"] = total - plaintext - sum(counts[key.kid] for key in keyring.keys)
        per_column[column.label] = counts
        for kid, count in counts.items():
            totals[kid] += count
    return {"by_key": dict(totals), "columns": per_column}


@dataclass
class RotationReport:
    active_key: str
    batch_size: int
    columns: dict[str, dict[str, int]] = field(default_factory=dict)
    failed_rows: list[str] = field(default_factory=list)

    def count(self, label: str, what: str) -> None:
        bucket = self.columns.setdefault(label, {"reencrypted": 0, "encrypted_plaintext": 0, "failed": 0})
        bucket[what] += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "active_key": self.active_key,
            "batch_size": self.batch_size,
            "reencrypted": sum(c["reencrypted"] for c in self.columns.values()),
            "encrypted_plaintext": sum(c["encrypted_plaintext"] for c in self.columns.values()),
            "failed": sum(c["failed"] for c in self.columns.values()),
            "columns": self.columns,
            "failed_rows": self.failed_rows[:100],
        }


def _needs_rotation(raw_value: str | None, active_prefix: str) -> bool:
    return bool(raw_value) and not str(raw_value).startswith(active_prefix)


def rotate(
    *, columns: list[EncryptedColumn], keyring: keys.Keyring | None = None, batch_size: int = 500
) -> RotationReport:
    """Re-encrypt every stored value not under the active key (and encrypt legacy plaintext).

    Values that cannot be decrypted (unknown key, tampered token) are left as they are and reported by
    ``model label:pk:field`` without their content. ``keyring`` defaults to the process keyring, which
    is also what the fields write with; pass another only if it has the same active key.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    keyring = keyring or keys.get_keyring()
    report = RotationReport(active_key=keyring.active.kid, batch_size=batch_size)
    active_prefix = f"{keys.TOKEN_VERSION}:{keyring.active.kid}:"
    by_model: dict[type[models.Model], list[EncryptedColumn]] = defaultdict(list)
    for column in columns:
        by_model[column.model].append(column)
        report.columns.setdefault(column.label, {"reencrypted": 0, "encrypted_plaintext": 0, "failed": 0})
    for model, model_columns in by_model.items():
        _rotate_model(model, model_columns, keyring, active_prefix, batch_size, report)
    return report


def _rotate_model(
    model: type[models.Model],
    columns: list[EncryptedColumn],
    keyring: keys.Keyring,
    active_prefix: str,
    batch_size: int,
    report: RotationReport,
) -> None:
    raw_names = [f"{_RAW}{column.field.attname}" for column in columns]
    pending = models.Q()
    for name in raw_names:
        pending |= (
            models.Q(**{f"{name}__isnull": False})
            & ~models.Q(**{name: ""})
            & ~models.Q(**{f"{name}__startswith": active_prefix})
        )
    last_pk: Any = None
    while True:
        with transaction.atomic():
            queryset = model._base_manager.annotate(
                **{name: _raw(c) for name, c in zip(raw_names, columns, strict=True)}
            )
            if last_pk is not None:
                queryset = queryset.filter(pk__gt=last_pk)
            rows = list(
                queryset.filter(pending)
                .order_by("pk")
                .select_for_update()
                .values_list("pk", *raw_names)[:batch_size]
            )
            if not rows:
                return
            for pk, *raw_values in rows:
                updates: dict[str, str] = {}
                for column, raw_value in zip(columns, raw_values, strict=True):
                    if not _needs_rotation(raw_value, active_prefix):
                        continue
                    if not keys.is_token(raw_value):
                        updates[column.field.attname] = raw_value
                        report.count(column.label, "encrypted_plaintext")
                        continue
                    try:
                        updates[column.field.attname] = keyring.decrypt(
                            raw_value, associated_data=column.field.associated_data
                        )
                    except keys.DecryptionError:
                        report.count(column.label, "failed")
                        report.failed_rows.append(f"{model._meta.label}:{pk}:{column.field.name}")
                        continue
                    report.count(column.label, "reencrypted")
                if updates:
                    # update() runs get_prep_value, which encrypts under the active key.
                    model._base_manager.filter(pk=pk).update(**updates)
            last_pk = rows[-1][0]
