"""The personal-data registry: which fields hold personal data, why, and what each viewer sees.

Models declare ``PERSONAL_DATA`` (and, for look-alikes, ``NOT_PERSONAL_DATA``) as described in
``mallops.privacy.contracts``. This module reads those declarations (R1.3.1 purpose, R1.3.2 class and
access per class), finds personal-looking fields nobody declared, and masks values for display and
audit snapshots (R7.3.1). Nothing is cached: declarations are class attributes, read when asked.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.conf import settings
from django.db import models

from mallops.privacy.contracts import (
    PRIVACY_PERMISSIONS,
    REVEAL_PERMISSION,
    DataClass,
    PersonalField,
)
from mallops.privacy.fields import BlindIndexField, EncryptedTextField
from mallops.privacy.masking import MASKERS, REDACTED

__all__ = [
    "REVEAL_PERMISSION",
    "ClassifiedField",
    "DataClass",
    "PersonalField",
    "UnclassifiedFieldError",
    "always_masked",
    "classified_fields",
    "declaration_errors",
    "looks_personal",
    "mask_for_audit",
    "masked_fields",
    "masked_value",
    "personal_field",
    "unclassified_personal_fields",
    "viewer_permissions",
]


class UnclassifiedFieldError(LookupError):
    """Asked to mask or reveal a field its model does not declare as personal data."""


@dataclass(frozen=True)
class ClassifiedField:
    model_label: str
    field_name: str
    spec: PersonalField

    @property
    def label(self) -> str:
        return f"{self.model_label}.{self.field_name}"


# --- name patterns ---------------------------------------------------------------------------------------

# Found anywhere in a field name: distinctive enough not to need word boundaries.
_PERSONAL_FRAGMENTS = (
    "phone", "mobile", "email", "address", "idcard", "id_card", "id_number", "idnumber", "identity",
    "passport", "birth", "gender", "wechat", "weixin", "openid", "unionid", "alipay", "realname",
    "real_name", "full_name", "first_name", "last_name", "nickname", "nick_name", "username", "user_name",
    "display_name", "legal_name", "contact", "recipient", "receiver", "consignee", "latitude", "longitude",
    "location", "device", "imei", "idfa", "oaid", "mac_address", "user_agent", "useragent",
    "biometric", "religio", "ethnic", "medical", "bank", "card_no", "card_number", "account_number",
    "street",
)  # fmt: skip
# Matched only as a whole word of the name (``client_ip`` yes, ``ship_fee`` no).
_PERSONAL_WORDS = frozenset(
    {"tel", "ip", "qq", "sex", "age", "dob", "lat", "lng", "lon", "addr", "mail", "zipcode", "postcode",
     "postal", "ssn", "face", "health", "salary", "income", "geo", "gps", "avatar", "photo"}
)  # fmt: skip
# Words that are personal only on a model about a person (``name`` on a buyer, not on a product;
# ``fingerprint`` of a person, not of a request).
_PERSON_CONTEXT_WORDS = frozenset(
    {"name", "city", "district", "province", "region", "country", "fingerprint"}
)
_PERSON_MODEL = re.compile(
    r"user|buyer|customer|member|person|profile|contact|recipient|consignee|staff|employee|applicant|"
    r"subject|address|guardian|courier|driver",
    re.IGNORECASE,
)
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")


def looks_personal(field_name: str, *, model_name: str = "") -> bool:
    """Whether a field name suggests personal data (a heuristic; declarations are the truth)."""
    lowered = field_name.lower()
    if any(fragment in lowered for fragment in _PERSONAL_FRAGMENTS):
        return True
    words = {word.lower() for word in _WORD_SPLIT.split(field_name) if word}
    if words & _PERSONAL_WORDS:
        return True
    return bool(words & _PERSON_CONTEXT_WORDS and _PERSON_MODEL.search(model_name))


# --- declarations ----------------------------------------------------------------------------------------


def _declared(model: type[models.Model]) -> Mapping[str, PersonalField]:
    declared = getattr(model, "PERSONAL_DATA", None) or {}
    return declared if isinstance(declared, Mapping) else {}


def _not_personal(model: type[models.Model]) -> Mapping[str, str]:
    declared = getattr(model, "NOT_PERSONAL_DATA", None) or {}
    return declared if isinstance(declared, Mapping) else {}


def personal_field(model: type[models.Model], field_name: str) -> PersonalField:
    """The declaration of ``model.field_name``; ``UnclassifiedFieldError`` when there is none."""
    spec = _declared(model).get(field_name)
    if not isinstance(spec, PersonalField):
        raise UnclassifiedFieldError(f"{model._meta.label}.{field_name} is not declared in PERSONAL_DATA")
    return spec


def scanned_models(app_registry: Apps | None = None) -> list[type[models.Model]]:
    """Concrete models of ``mallops.*`` apps, plus the user model (whichever app defines it)."""
    registry = app_registry or global_apps
    found: list[type[models.Model]] = []
    for config in registry.get_app_configs():
        if config.name.startswith("mallops."):
            found.extend(m for m in config.get_models() if not m._meta.proxy)
    if app_registry is None:
        user_model = global_apps.get_model(settings.AUTH_USER_MODEL)
        if user_model not in found:
            found.append(user_model)
    return found


def _local_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.local_concrete_fields if not f.primary_key]


def unclassified_personal_fields(app_registry: Apps | None = None) -> list[str]:
    """``app.Model.field`` for every field that looks personal (by name, or because it is encrypted) and
    is declared neither in ``PERSONAL_DATA`` nor in ``NOT_PERSONAL_DATA``. A blind index is derived from
    its source and needs no declaration of its own. Sorted; empty when everything is classified."""
    missing: list[str] = []
    for model in scanned_models(app_registry):
        declared, exempt = _declared(model), _not_personal(model)
        for model_field in _local_fields(model):
            name = model_field.name
            if name in declared or name in exempt or isinstance(model_field, BlindIndexField):
                continue
            if isinstance(model_field, EncryptedTextField) or looks_personal(name, model_name=model.__name__):
                missing.append(f"{model._meta.label}.{name}")
    return sorted(missing)


def declaration_errors(app_registry: Apps | None = None) -> list[str]:
    """Declarations that cannot be right: unknown fields, wrong types, both personal and not, no reason."""
    errors: list[str] = []
    registry = app_registry or global_apps
    for model in registry.get_models():
        label = model._meta.label
        field_names = {f.name for f in model._meta.concrete_fields}
        declared, exempt = _declared(model), _not_personal(model)
        for name, spec in declared.items():
            if name not in field_names:
                errors.append(f"{label}.PERSONAL_DATA names {name!r}, which is not a concrete field")
            if not isinstance(spec, PersonalField):
                errors.append(f"{label}.PERSONAL_DATA[{name!r}] is not a PersonalField")
            if name in exempt:
                errors.append(f"{label}.{name} is declared both personal and not personal")
        for name, reason in exempt.items():
            if name not in field_names:
                errors.append(f"{label}.NOT_PERSONAL_DATA names {name!r}, which is not a concrete field")
            if not isinstance(reason, str) or len(reason.strip()) < 5:
                errors.append(f"{label}.NOT_PERSONAL_DATA[{name!r}] needs a reason")
    for model in scanned_models(app_registry):
        for model_field in _local_fields(model):
            source_spec = _declared(model).get(getattr(model_field, "source", ""))
            if isinstance(model_field, BlindIndexField) and not isinstance(source_spec, PersonalField):
                errors.append(f"{model._meta.label}.{model_field.name} indexes an undeclared field")
    return errors


def classified_fields(app_registry: Apps | None = None) -> list[ClassifiedField]:
    """Every declared personal field, for processing records and the privacy notice (GB/T 35273 §11.3)."""
    registry = app_registry or global_apps
    return sorted(
        (
            ClassifiedField(model._meta.label, name, spec)
            for model in registry.get_models()
            for name, spec in _declared(model).items()
            if isinstance(spec, PersonalField)
        ),
        key=lambda item: item.label,
    )


# --- masking by viewer -----------------------------------------------------------------------------------


def viewer_permissions(user: Any) -> frozenset[str]:
    """The privacy permissions ``user`` holds, asked through ``has_perm`` (so any backend answers)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(perm for perm in PRIVACY_PERMISSIONS if user.has_perm(perm))


def apply_mask(spec: PersonalField, value: Any) -> Any:
    """Mask ``value`` as ``spec`` says; a non-text value under a text mask is hidden whole."""
    if value is None or spec.mask == "none":
        return value
    if isinstance(value, str):
        return MASKERS[spec.mask](value)
    return REDACTED


def masked_value(obj: models.Model, field_name: str, viewer_permissions: Collection[str]) -> Any:
    """The value of a declared personal field as this viewer may see it.

    Full value when the viewer holds ``privacy.view_<class>`` for the field's class, else the mask.
    ``UnclassifiedFieldError`` for an undeclared field: masking must not silently pass data through.
    """
    spec = personal_field(type(obj), field_name)
    value = getattr(obj, field_name)
    if spec.data_class.view_permission in viewer_permissions:
        return value
    return apply_mask(spec, value)


def always_masked(obj: models.Model, field_name: str) -> Any:
    """The mask of a declared personal field whatever the viewer holds: what every list and page shows
    until the viewer reveals one field with a reason (``personal_field_reveal``, audited). Issue 14:
    holding ``privacy.view_<class>`` no longer unmasks whole lists, the platform admin included."""
    return apply_mask(personal_field(type(obj), field_name), getattr(obj, field_name))


def masked_fields(
    obj: models.Model, viewer_permissions: Collection[str], fields: Iterable[str] | None = None
) -> dict[str, Any]:
    """``masked_value`` for several fields at once (default: every declared field), for API schemas."""
    names = list(fields) if fields is not None else list(_declared(type(obj)))
    return {name: masked_value(obj, name, viewer_permissions) for name in names}


def mask_for_audit(model: type[models.Model] | None, data: Mapping[str, Any]) -> dict[str, Any]:
    """Mask a before/after snapshot for the audit log: declared fields by their mask, always (an audit
    reader is not the data subject); an encrypted field nobody declared is hidden whole; other keys
    pass unchanged."""
    if model is None:
        return dict(data)
    declared = _declared(model)
    encrypted = {f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)}
    out: dict[str, Any] = {}
    for key, value in data.items():
        spec = declared.get(key)
        if isinstance(spec, PersonalField):
            out[key] = apply_mask(spec, value)
        elif key in encrypted:
            out[key] = None if value is None else REDACTED
        else:
            out[key] = value
    return out
