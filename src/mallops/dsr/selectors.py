"""Read-only questions other apps ask about retention holds (PIPL Art. 47: a frozen record is stored and
secured only, not shown or processed further).

    from mallops.dsr.selectors import frozen_ids, delivery_for_display
    if is_frozen("orders.order", order.pk): ...
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mallops.dsr.models import PersonalDataHold

FROZEN_TEXT = "［已冻结：个人信息依法保存，不予展示］"
DELIVERY_FIELDS = (
    "ship_recipient",
    "ship_phone",
    "ship_province",
    "ship_city",
    "ship_district",
    "ship_detail",
    "tracking_number",
)


def _active() -> Any:
    return PersonalDataHold.objects.filter(released_at__isnull=True)


def frozen_ids(object_type: str, ids: Iterable[Any]) -> set[str]:
    """Which of ``ids`` (any type; compared as strings) are under an active hold."""
    wanted = {str(i) for i in ids}
    if not wanted:
        return set()
    return set(
        _active().filter(object_type=object_type, object_id__in=wanted).values_list("object_id", flat=True)
    )


def is_frozen(object_type: str, object_id: Any) -> bool:
    return bool(frozen_ids(object_type, [object_id]))


def delivery_for_display(order: Any, *, frozen: bool | None = None) -> dict[str, str]:
    """The order's delivery data as merchants and staff may see it: masked when the order is frozen after
    a deletion request and has ended (completed or cancelled). An order still running keeps showing it:
    the merchant needs it to deliver (performing the contract, PIPL Art. 13(2)). Pass ``frozen`` from one
    ``frozen_ids`` call when rendering many orders."""
    ended = order.completed_at is not None or order.cancelled_at is not None
    if frozen is None:
        frozen = ended and is_frozen("orders.order", order.pk)
    if frozen and ended:
        return dict.fromkeys(DELIVERY_FIELDS, FROZEN_TEXT)
    return {name: str(getattr(order, name) or "") for name in DELIVERY_FIELDS}
