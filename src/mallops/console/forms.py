"""Form pieces every console form uses: money typed in 元 and stored as fen, native date/time pickers.

``YuanField`` parses with ``mallops.core.money.parse_yuan`` (string arithmetic, no float ever), so
``"1,049.5"`` is exactly ``104950`` fen; it shows an initial value of ``104950`` as ``1,049.50`` after a ¥
sign. ``console_widgets(form)`` turns Django's text date inputs into ``<input type=date>`` and
``<input type=datetime-local>``; ``{% form_fields form %}`` calls it, so views need not.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mallops.core.money import parse_yuan


class YuanInput(forms.TextInput):
    """A text box for an amount in 元: decimal keyboard on phones, the ¥ sign drawn by the field template."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        base = {"inputmode": "decimal", "autocomplete": "off", "placeholder": "0.00", "class": "money"}
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            sign = "-" if value < 0 else ""
            whole, cents = divmod(abs(value), 100)
            return f"{sign}{whole:,}.{cents:02d}"
        return str(value)


class YuanField(forms.Field):
    """An amount typed in 元 (``1,049.00``, ``¥12``, ``0.5``), cleaned to an integer number of fen."""

    widget = YuanInput
    default_error_messages = {
        "invalid": _("Enter an amount in yuan with at most two decimals, for example 1049.00."),
        "min_value": _("The amount must be at least %(limit)s."),
        "max_value": _("The amount must be at most %(limit)s."),
    }

    def __init__(self, *, min_fen: int | None = 0, max_fen: int | None = None, **kwargs: Any) -> None:
        self.min_fen = min_fen
        self.max_fen = max_fen
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return parse_yuan(str(value))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        from mallops.console.formats import yuan

        if self.min_fen is not None and value < self.min_fen:
            raise ValidationError(
                self.error_messages["min_value"], code="min_value", params={"limit": yuan(self.min_fen)}
            )
        if self.max_fen is not None and value > self.max_fen:
            raise ValidationError(
                self.error_messages["max_value"], code="max_value", params={"limit": yuan(self.max_fen)}
            )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeLocalInput(forms.DateTimeInput):
    """``<input type=datetime-local>``; the value is Beijing time (the active time zone), minutes precision."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def console_widgets(form: forms.BaseForm) -> forms.BaseForm:
    """Give date and date-time fields the browser's pickers (in place; returns the form)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(field, forms.DateTimeField) and type(widget) is forms.DateTimeInput:
            field.widget = DateTimeLocalInput(widget.attrs)
        elif isinstance(field, forms.DateField) and type(widget) is forms.DateInput:
            field.widget = DateInput(widget.attrs)
    return form
