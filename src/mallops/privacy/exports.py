"""Which declared personal data an export holds: the data classes behind a model's attribute paths.

Every export of personal data records itself (``privacy.services.personal_data_export_record``); this
module answers, from the models' ``PERSONAL_DATA`` declarations, whether a set of exported columns holds
any and of which classes. A path follows relations with ``__`` (``buyer__username``); a path that names no
field (a computed column) or a field nobody declared holds none.

A report that computes its rows (dicts or plain objects, no model behind them) cannot be read from the
declarations: each such export declares its personal columns here, in ``COMPUTED_EXPORTS`` (an empty
mapping declares that it holds none). An undeclared computed-row export is refused
(``UndeclaredExportError``) rather than left out of the export audit: the check fails closed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from mallops.core.errors import FieldError, validation_error
from mallops.privacy.contracts import DataClass
from mallops.privacy.registry import UnclassifiedFieldError, personal_field


def path_data_class(model: type[models.Model], path: str) -> DataClass | None:
    """The data class of the declared personal field ``path`` leads to from ``model`` (``None``: none)."""
    current: type[models.Model] = model
    parts = [part for part in path.split("__") if part]
    for index, part in enumerate(parts):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if index < len(parts) - 1:
            related = field.related_model
            if not isinstance(related, type) or not issubclass(related, models.Model):
                return None
            current = related
            continue
        try:
            return DataClass(personal_field(current, part).data_class)
        except UnclassifiedFieldError:
            return None
    return None


def export_data_classes(model: type[models.Model] | None, paths: Iterable[str]) -> list[DataClass]:
    """The distinct data classes the exported ``paths`` of ``model`` hold, sorted (empty: no personal data)."""
    if model is None:
        return []
    found = {path_data_class(model, path) for path in paths}
    return sorted((c for c in found if c is not None), key=lambda c: c.value)


# Exports whose rows a report computes: export name -> {column key: data class of its values}. Keep every
# computed-row ``DataTable`` export (``export_name``) here, also one that holds no personal data.
COMPUTED_EXPORTS: Mapping[str, Mapping[str, DataClass]] = {
    # analytics.care: one row per buyer who needs care (masked name, why, the orders or complaints behind it)
    "buyer-care": {
        "name": DataClass.IDENTITY,
        "reason": DataClass.TRANSACTION,
        "detail": DataClass.TRANSACTION,
        "since": DataClass.TRANSACTION,
    },
    # pricing.views_campaigns: campaign totals per promotion or coupon batch (buyer counts, no buyer)
    "campaigns": {},
    # scorecards: the incentive rules (KPI targets and bands per team)
    "incentive-rules": {},
}


class UndeclaredExportError(LookupError):
    """A computed-row export that ``COMPUTED_EXPORTS`` does not list (a programming error)."""


def computed_export_data_classes(
    name: str, keys: Iterable[str], *, declared: Mapping[str, Mapping[str, DataClass]] | None = None
) -> list[DataClass]:
    """The distinct data classes the exported column ``keys`` of the computed-row export ``name`` hold,
    sorted (empty: none). ``UndeclaredExportError`` when ``name`` is not declared (``declared`` defaults to
    ``COMPUTED_EXPORTS``)."""
    columns = (COMPUTED_EXPORTS if declared is None else declared).get(name)
    if columns is None:
        raise UndeclaredExportError(
            f"the computed-row export {name!r} must declare its personal columns in "
            "mallops.privacy.exports.COMPUTED_EXPORTS (an empty mapping when it holds none)"
        )
    found = {columns[key] for key in keys if key in columns}
    return sorted(found, key=lambda c: c.value)


# A bulk export states its purpose (PIPL Art. 6; the self-inspection's PIPL6-EXPORT-PURPOSE).
BULK_EXPORT_ROWS = 50
PURPOSE_NEEDED = "State the export purpose: the rows hold personal data."


def export_purpose_check(*, rows: int, purpose: str) -> None:
    """422 ``validation_error`` (``purpose``, ``required``) for ``BULK_EXPORT_ROWS`` rows or more without a
    purpose."""
    if rows >= BULK_EXPORT_ROWS and not purpose.strip():
        raise validation_error([FieldError(("purpose",), PURPOSE_NEEDED, "required")])
