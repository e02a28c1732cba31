"""What the console shows instead of a code: labels for choice values, field names and field paths.

Each app keeps its own table in ``mallops.<app>.labels``: ``LABELS`` maps a name (``"status"``) to either a
``{code: gettext_lazy(...)}`` dict or a ``TextChoices`` class whose labels are already translated, and
``FIELDS`` maps field names to their labels. ``label(value, "orders.status")`` reads
``mallops.orders.labels.LABELS["status"]``; nothing registers at start-up, so a page that never shows an
order never imports the orders table. A code without a label is shown as it is: the raw-code test
(``tests/console/test_console_raw_codes.py``) is what catches it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import import_module
from types import ModuleType
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Field names shared by many apps; an app's own ``FIELDS`` wins.
COMMON_FIELDS: dict[str, Any] = {
    "status": gettext_lazy("Status"),
    "kind": gettext_lazy("Type"),
    "name": gettext_lazy("Name"),
    "title": gettext_lazy("Title"),
    "description": gettext_lazy("Description"),
    "reason": gettext_lazy("Reason"),
    "note": gettext_lazy("Note"),
    "username": gettext_lazy("Username"),
    "password": gettext_lazy("Password"),
    "phone": gettext_lazy("Phone number"),
    "email": gettext_lazy("Email"),
    "display_name": gettext_lazy("Display name"),
    "first_name": gettext_lazy("Given name"),
    "last_name": gettext_lazy("Family name"),
    "contact_name": gettext_lazy("Contact person"),
    "contact_phone": gettext_lazy("Contact phone"),
    "licence_number": gettext_lazy("Business licence number"),
    "owner_username": gettext_lazy("Owner username"),
    "owner_password": gettext_lazy("Owner password"),
    "role": gettext_lazy("Role"),
    "is_active": gettext_lazy("Active"),
    "due_at": gettext_lazy("Due at"),
    "starts_at": gettext_lazy("Starts at"),
    "ends_at": gettext_lazy("Ends at"),
    "created_at": gettext_lazy("Created at"),
    "updated_at": gettext_lazy("Updated at"),
    "amount_fen": gettext_lazy("Amount"),
    "price_fen": gettext_lazy("Price"),
    "carrier": gettext_lazy("Carrier"),
    "tracking_number": gettext_lazy("Tracking number"),
    "field": gettext_lazy("Field"),
    "fields": gettext_lazy("Fields changed"),
    "province": gettext_lazy("Province"),
    "city": gettext_lazy("City"),
    "district": gettext_lazy("District"),
    "data_class": gettext_lazy("Data class"),
    "body": gettext_lazy("Request"),
    "assignee": gettext_lazy("Assignee"),
    "owner": gettext_lazy("Owner"),
    "priority": gettext_lazy("Priority"),
    "category": gettext_lazy("Category"),
    "outcome": gettext_lazy("Outcome"),
    "comment": gettext_lazy("Comment"),
    "team": gettext_lazy("Team"),
    "version": gettext_lazy("Version"),
    "findings": gettext_lazy("Findings"),
    "keywords": gettext_lazy("Keywords"),
    "procedure_version": gettext_lazy("Procedure version"),
    "pending_version": gettext_lazy("Pending version"),
    "escalation_level": gettext_lazy("Escalation level"),
    "routing_hold_reason": gettext_lazy("Routing hold reason"),
    "live_version": gettext_lazy("Live version"),
    "taken_down_at": gettext_lazy("Taken down at"),
    "takedown_kind": gettext_lazy("Taken down by"),
    "takedown_reason": gettext_lazy("Takedown reason"),
}


@cache
def _table(app: str) -> ModuleType | None:
    try:
        return import_module(f"mallops.{app}.labels")
    except ModuleNotFoundError as exc:
        if not f"mallops.{app}.labels".startswith(exc.name or "\0"):
            raise  # a labels module that exists but imports something missing
        return None


LIST_SEPARATOR = gettext_lazy(", ")


def label(value: object, key: str) -> str:
    """``label("paid", "orders.status")`` → ``待发货`` (in zh-hans); an unknown code comes back unchanged."""
    code = "" if value is None else str(value)
    app, _dot, name = key.partition(".")
    module = _table(app)
    table = getattr(module, "LABELS", {}).get(name) if module is not None else None
    if table is None:
        return code
    if isinstance(table, type) and issubclass(table, models.Choices):
        return str(table(code).label) if code in table.values else code
    found = table.get(code)
    return code if found is None else str(found)


def label_choices(key: str, values: Iterable[str]) -> list[tuple[str, str]]:
    """``(code, label)`` pairs for a ``<select>``: the option's value stays the code."""
    return [(value, label(value, key)) for value in values]


def field_label(name: str, app: str = "") -> str:
    """``contact_phone`` → ``联系电话``; the app's ``FIELDS`` first, then the common ones."""
    module = _table(app) if app else None
    own: Mapping[str, Any] = getattr(module, "FIELDS", {}) if module is not None else {}
    found = own.get(name, COMMON_FIELDS.get(name))
    return name if found is None else str(found)


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def field_path_label(path: str | Iterable[str | int], app: str = "") -> str:
    """A field path as a person reads it: ``selling_points[0]`` → ``卖点 1``,
    ``skus[0].spec_values.口味`` → ``规格 1 · 口味``, ``("body", "contact_phone")`` → ``联系电话``.

    Indexes count from 1; a key under a mapping field (a spec name typed by the merchant) is shown as it is;
    the ``body``/``query`` prefix of an API error location is dropped.
    """
    parts: list[str | int] = []
    if isinstance(path, str):
        for match in _PATH_PART.finditer(path):
            parts.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
    else:
        parts = list(path)
    while len(parts) > 1 and parts[0] in ("body", "query", "payload"):
        parts = parts[1:]
    shown: list[str] = []
    previous_is_mapping = False
    for part in parts:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            if shown:
                shown[-1] = f"{shown[-1]} {int(part) + 1}"
            else:
                shown.append(str(int(part) + 1))
            previous_is_mapping = False
            continue
        if previous_is_mapping:
            shown.append(part)  # a key the user chose (a spec name): already in their words
            previous_is_mapping = False
            continue
        module = _table(app) if app else None
        mappings: Iterable[str] = getattr(module, "MAPPING_FIELDS", ()) if module is not None else ()
        previous_is_mapping = part in mappings
        if previous_is_mapping:
            # the mapping itself (spec_values) needs no word of its own next to the key it holds
            continue
        shown.append(field_label(part, app))
    return " · ".join(shown)


_NUMBERS = re.compile(r"\d+")


def _upload_message(code: str, msg: str) -> str | None:
    """The file checks' messages (``core.uploads.inspect_upload``) carry their limits in the text, so no fixed
    msgid matches them: they are said again here from the code and the figures in the English text."""
    n = [int(x) for x in _NUMBERS.findall(msg)]
    if code == "too_large" and msg.startswith(("the file is at most", "an image is at most")) and n:
        return _("The file is larger than %(mb)s MB.") % {"mb": n[0]}
    if code == "too_many_pixels" and n:
        return _("The image is larger than %(mp)s megapixels.") % {"mp": n[0]}
    if code == "too_small" and len(n) >= 3:
        return _("Each side of the image must be at least %(min)s px (this one is %(w)s × %(h)s).") % {
            "min": n[0],
            "w": n[1],
            "h": n[2],
        }
    if code == "unsupported_type" and msg.startswith("the file must be "):
        kinds = msg.removeprefix("the file must be ").split(" (")[0].replace(", ", "、")
        return _("The file must be %(kinds)s (judged by its content).") % {"kinds": kinds}
    if code == "unreadable_image":
        return _("The image cannot be read; choose another one.")
    if code == "empty":
        return _("The file is empty.")
    return None


def error_lines(errors: Iterable[Any], app: str = "") -> list[str]:
    """Field errors of a ``DomainError`` as ``联系电话：…`` lines (the message is translated when known)."""
    lines = []
    for error in errors:
        where = field_path_label(tuple(error.loc), app) if error.loc else ""
        # "required" is one word with other meanings in the catalogue; Django's own sentence is unambiguous
        upload = _upload_message(str(error.code), str(error.msg))
        message = (
            _("This field is required.") if error.code == "required" else upload if upload else _(error.msg)
        )
        lines.append(_("%(field)s: %(message)s") % {"field": where, "message": message} if where else message)
    return lines


# --- audit changes ----------------------------------------------------------------------------------------

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _model_field(app: str, model: str, key: str) -> Any:
    """The Django field ``key`` of the audited object's model (``service.ticket`` → ``Ticket.status``), or
    None: its choices and relation name the value and field when the app's tables do not."""
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist

    if not app or not model:
        return None
    try:
        return apps.get_model(app, model)._meta.get_field(key)
    except (LookupError, FieldDoesNotExist, ValueError):
        return None


def _is_relation(app: str, model: str, key: str) -> bool:
    return getattr(_model_field(app, model, key), "related_model", None) is not None


def _related_text(app: str, model: str, key: str, pk: int) -> str:
    """An id in a snapshot: a user as the username (the log shows actors the same way), anything else as
    ``#12`` (the label of its field says what it is)."""
    from django.contrib.auth import get_user_model

    related = getattr(_model_field(app, model, key), "related_model", None)
    user_model = get_user_model()
    if related is user_model or key in ("assignee", "owner", "user_id", "assignee_id", "owner_id"):
        username = user_model.objects.filter(pk=pk).values_list("username", flat=True).first()
        if username:
            return str(username)
    return f"#{pk}"


def action_label(code: str) -> str:
    """An audit action as its Chinese name: ``orders.order_pay`` → ``支付订单``; the audit table first, then
    the recording app's own ``ACTIONS``. An action without a name comes back unchanged (the tests catch it)."""
    shown = label(code, "audit.action")
    if shown != code:
        return shown
    module = _table(code.partition(".")[0])
    found = getattr(module, "ACTIONS", {}).get(code) if module is not None else None
    return code if found is None else str(found)


def audit_field_label(key: str, app: str = "", model: str = "") -> str:
    """A snapshot key as a person reads it, or ``""`` when it has no name (the row is then left out):
    the app's ``FIELDS`` or the common ones, ``category_id`` as its ``category``, a translated model
    verbose name, or a relation named by the object it points at."""
    shown = field_label(key, app)
    if shown != key:
        return shown
    base = key.removesuffix("_id")
    if base != key:
        shown = field_label(base, app)
        if shown != base:
            return shown
    field = _model_field(app, model, key)
    if field is None:
        return ""
    from django.utils.functional import Promise

    verbose = getattr(field, "verbose_name", None)
    if isinstance(verbose, Promise):
        return str(verbose)
    related = getattr(field, "related_model", None)
    if related is not None:
        obj = related._meta.label_lower
        named = label(obj, "audit.object")
        if named != obj:
            return named
    return ""


def _value_table(app: str, model: str, key: str) -> str:
    """The label key of a snapshot value that is another table's code (``audit.labels.VALUES``), or ``""``."""
    module = _table("audit")
    return str(getattr(module, "VALUES", {}).get(f"{app}.{model}.{key}", "")) if module is not None else ""


def _value_codes(value: Any) -> str:
    """The codes behind a labelled value, for the tooltip: ``["logistics", "return"]`` → ``logistics, return``."""
    if isinstance(value, str):
        return "" if _ISO_DATETIME.match(value) else value
    if isinstance(value, list | tuple) and value and all(isinstance(item, str) for item in value):
        return ", ".join(value)
    return ""


def _value_text(value: Any, key: str, app: str, model: str) -> str:
    from mallops.core.money import format_fen

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, int) and (key.endswith("_id") or _is_relation(app, model, key)):
        return _related_text(app, model, key, value)
    if key.endswith("_fen") and isinstance(value, int):
        return format_fen(value)
    if key in ("field", "fields") and isinstance(value, str):
        return audit_field_label(value, app, model) or _("other details")
    if isinstance(value, str):
        if _ISO_DATETIME.match(value):
            from datetime import datetime
            from zoneinfo import ZoneInfo

            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return value
            if moment.tzinfo is not None:
                moment = moment.astimezone(ZoneInfo("Asia/Shanghai"))
            return moment.strftime("%Y-%m-%d %H:%M")
        for candidate in (
            _value_table(app, model, key),
            f"{app}.{model}_{key}",
            f"{app}.{key}",
            f"core.{key}",
        ):
            shown = label(value, candidate) if candidate else value
            if shown != value:
                return shown
        field = _model_field(app, model, key)
        choices = dict(getattr(field, "flatchoices", None) or ())
        if value in choices:
            return str(choices[value])
        return value
    if isinstance(value, list | tuple):
        return str(LIST_SEPARATOR).join(_value_text(item, key, app, model) for item in value)
    if isinstance(value, dict):
        parts = ((audit_field_label(str(k), app, model), k, v) for k, v in value.items())
        return "; ".join(f"{name}: {_value_text(v, str(k), app, model)}" for name, k, v in parts if name)
    return str(value)


def audit_changes(before: Any, after: Any, object_type: str = "") -> list[dict[str, str]]:
    """An audit event's before/after snapshots as rows ``{field, code, before, after, text}`` a person can
    read: Chinese field names, labelled codes (the object's app tables, then its model's choices), money in
    元, times in Beijing time; ``code`` is the tooltip: the snapshot key, then the codes behind a labelled
    value. Unchanged keys are left out when there is a before, and so are keys without a name (internal
    ids). A snapshot that is not a mapping is shown as one row."""
    app, _dot, model = (object_type or "").partition(".")
    old = before if isinstance(before, Mapping) else {}
    new = after if isinstance(after, Mapping) else {}
    if not isinstance(before, Mapping | type(None)) or not isinstance(after, Mapping | type(None)):
        text = f"{before} → {after}" if before else str(after or "")
        return [
            {"field": "", "code": "", "before": str(before or ""), "after": str(after or ""), "text": text}
        ]
    rows = []
    for key in [*old, *(k for k in new if k not in old)]:
        if key in old and key in new and old[key] == new[key]:
            continue
        field = audit_field_label(str(key), app, model)
        if not field:
            continue
        was = _value_text(old[key], str(key), app, model) if key in old else ""
        now = _value_text(new[key], str(key), app, model) if key in new else ""
        change = f"{was} → {now}" if key in old and before else now
        codes = [
            _value_codes(snapshot[key])
            for snapshot, shown in ((old, was), (new, now))
            if key in snapshot and _value_codes(snapshot[key]) not in ("", shown)
        ]
        rows.append(
            {
                "field": field,
                "code": " · ".join([str(key), *codes]),
                "before": was,
                "after": now,
                "text": _("%(field)s: %(message)s") % {"field": field, "message": change},
            }
        )
    return rows
