"""The console's recorder of personal-data exports, installed into the list kit at start-up.

``console.lists`` imports no feature app, so the console app registers this recorder there
(``lists.register_export_audit``): a ``DataTable`` export whose columns hold declared personal data writes
one ``privacy.export`` audit event with the rows, columns, data classes and purpose. A table of computed rows
takes its classes from the columns its export declares in ``privacy.exports.COMPUTED_EXPORTS``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest

from mallops.accounts.actors import request_actor
from mallops.console.lists import ExportAudit
from mallops.privacy.contracts import DataClass
from mallops.privacy.exports import computed_export_data_classes, export_data_classes
from mallops.privacy.services import personal_data_export_record


def _classes(model: type[Any] | None, paths: Sequence[str]) -> list[DataClass]:
    return export_data_classes(model, paths)


def _computed(name: str, keys: Sequence[str]) -> list[DataClass]:
    return computed_export_data_classes(name, keys)


def _record(
    *,
    request: HttpRequest,
    what: str,
    rows: int,
    columns: Sequence[str],
    data_classes: Sequence[DataClass],
    purpose: str,
) -> None:
    personal_data_export_record(
        actor=request_actor(request),
        what=what,
        rows=rows,
        data_classes=list(data_classes),
        purpose=purpose,
        columns=columns,
    )


EXPORT_AUDIT = ExportAudit(classes=_classes, record=_record, computed=_computed)
