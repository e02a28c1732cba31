"""Forms of the analytics console pages: events picked from a list (Chinese names), windows as a number and
a unit (分钟 / 小时 / 天), dates from the date picker (Asia/Shanghai days, both ends included), money in 元.

The forms only turn what a person picks into the engine's inputs (event codes, seconds, instants); the
engines and their 422s stay the single check (``selectors.funnel_spec`` / ``retention_spec``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Final

from django import forms
from django.utils.translation import gettext_lazy as _

from mallops.analytics import labels
from mallops.analytics.models import CostEntry
from mallops.console.forms import DateInput, YuanField
from mallops.core.words import label

UNIT_SECONDS: Final = {"minute": 60, "hour": 3_600, "day": 86_400}
UNITS = [("minute", _("minutes")), ("hour", _("hours")), ("day", _("days"))]
MAX_STEPS: Final = 6
MAX_RANGE_DAYS: Final = 366
# the events a person is offered first, in funnel order; others seen in the store follow by name
PREFERRED: Final = (
    "page_view",
    "search",
    "product_view",
    "add_to_cart",
    "checkout",
    "order_paid",
    "review",
    "signup",
)
HIDDEN: Final = frozenset({"$exit", "$identify", "cost"})


def event_choices(seen: list[str] | None = None) -> list[tuple[str, str]]:
    """``(code, Chinese name)`` for the event selects: the known events, then other names seen in the store
    (shown by their label when they have one, else as sent by the client)."""
    codes = [*PREFERRED, *(code for code in labels.EVENT if code not in PREFERRED)]
    for name in seen or []:
        if name not in codes:
            codes.append(name)
    return [(code, label(code, "analytics.event")) for code in codes if code not in HIDDEN]


def shanghai_bounds(start: date, end: date) -> tuple[str, str]:
    """ISO instants (with +08:00) of ``[start 00:00, end + 1 day 00:00)`` Beijing time."""
    return f"{start.isoformat()}T00:00:00+08:00", f"{end + timedelta(days=1)}T00:00:00+08:00"


class _RangeForm(forms.Form):
    start = forms.DateField(label=_("Start date"), widget=DateInput())
    end = forms.DateField(
        label=_("End date"), widget=DateInput(), help_text=_("Beijing dates, both days included.")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end date is before the start date."))
            elif (end - start).days >= MAX_RANGE_DAYS:
                self.add_error("end", _("Pick at most 366 days."))
            elif not date(1971, 1, 1) <= start <= end <= date(2199, 12, 31):
                self.add_error("end", _("Pick dates between 1971 and 2199."))
        return data


def range_initial(days: int = 30) -> dict[str, date]:
    from django.utils import timezone

    today = timezone.localdate()
    return {"start": today - timedelta(days=days - 1), "end": today}


class DateRangeForm(_RangeForm):
    """Only a period (purchase behaviour, KPI pages)."""


class FunnelForm(_RangeForm):
    window_value = forms.IntegerField(label=_("Conversion window"), min_value=1, max_value=527_040, initial=1)
    window_unit = forms.ChoiceField(label=_("Unit"), choices=UNITS, initial="day")

    def __init__(self, *args: Any, events: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        defaults = ("page_view", "add_to_cart", "checkout", "order_paid")
        for index in range(MAX_STEPS):
            required = index < 2
            field = forms.ChoiceField(
                label=_("Step %(n)s") % {"n": index + 1},
                choices=events if required else [("", _("(none)")), *events],
                required=required,
                initial=defaults[index] if index < len(defaults) else "",
            )
            self.fields[f"step_{index + 1}"] = field
        # steps first, then the window, then the dates
        order = [f"step_{i + 1}" for i in range(MAX_STEPS)] + ["window_value", "window_unit", "start", "end"]
        self.order_fields(order)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        value, unit = data.get("window_value"), data.get("window_unit")
        if value is not None and unit in UNIT_SECONDS:
            seconds = value * UNIT_SECONDS[unit]
            if seconds > MAX_RANGE_DAYS * 86_400:
                self.add_error("window_value", _("The window is at most 366 days."))
            data["window_seconds"] = seconds
        steps = [data.get(f"step_{i + 1}") for i in range(MAX_STEPS)]
        data["steps"] = [step for step in steps if step]
        return data


class RetentionForm(_RangeForm):
    start_event = forms.ChoiceField(label=_("Start event"))
    return_event = forms.ChoiceField(label=_("Return event"))
    periods = forms.IntegerField(
        label=_("Days to follow"),
        min_value=1,
        max_value=90,
        initial=7,
        help_text=_("Day 0 is the start day."),
    )

    def __init__(self, *args: Any, events: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("start_event", "return_event"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = events
        self.fields["start_event"].initial = "signup"
        self.fields["return_event"].initial = "order_paid"
        self.order_fields(["start_event", "return_event", "periods", "start", "end"])


class CostEntryForm(forms.Form):
    category = forms.ChoiceField(label=_("Cost category"))
    start_on = forms.DateField(label=_("First day"), widget=DateInput())
    end_on = forms.DateField(label=_("Last day"), widget=DateInput(), help_text=_("Both days included."))
    amount_fen = YuanField(
        label=_("Amount"), help_text=_("In yuan, e.g. 3000.00; spread evenly over the days.")
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = [
            (value, label(value, "analytics.cost_category")) for value in CostEntry.Category.values
        ]
