"""Console forms of the content calendar."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mallops.console.forms import DateTimeLocalInput, YuanField
from mallops.content.models import BODY_MAX, TITLE_MAX, Platform
from mallops.core.inputs import is_ascii_digits


class ContentPostForm(forms.Form):
    platform = forms.ChoiceField(label=_("Platform"), choices=Platform.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(label=_("Body"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 6}))
    media_refs = forms.CharField(
        label=_("Media"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One picture or video reference per line (at most nine)."),
    )
    scheduled_at = forms.DateTimeField(
        label=_("Planned time (Beijing time)"), required=False, widget=DateTimeLocalInput()
    )

    def media_list(self) -> list[str]:
        raw = str(self.cleaned_data.get("media_refs") or "")
        return [line.strip() for line in raw.splitlines() if line.strip()]


PRIZE_ROWS = 3  # the console form offers three prize rows; the API takes up to twenty


class LuckyDrawForm(forms.Form):
    """A new lucky draw: title, public rules, draw time and up to three prizes typed in 元. Prize row
    ``n`` has the fields ``prize_<n>_name``, ``prize_<n>_value`` and ``prize_<n>_quantity``; a row without
    a name is skipped, the first is required."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    rules = forms.CharField(
        label=_("Public rules"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Who may enter, when and how the draw is made, how prizes are redeemed, the organiser."),
    )
    draw_at = forms.DateTimeField(label=_("Draw time (Beijing time)"), widget=DateTimeLocalInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, PRIZE_ROWS + 1):
            first = n == 1
            self.fields[f"prize_{n}_name"] = forms.CharField(
                label=_("Prize %(n)s: name") % {"n": n}, max_length=TITLE_MAX, required=first
            )
            self.fields[f"prize_{n}_value"] = YuanField(
                label=_("Prize %(n)s: market value") % {"n": n},
                required=first,
                help_text=_("In yuan, e.g. 199.00") if first else "",
            )
            self.fields[f"prize_{n}_quantity"] = forms.IntegerField(
                label=_("Prize %(n)s: quantity") % {"n": n}, min_value=1, max_value=100_000, required=first
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(2, PRIZE_ROWS + 1):
            if data.get(f"prize_{n}_name") and (
                data.get(f"prize_{n}_value") is None or not data.get(f"prize_{n}_quantity")
            ):
                self.add_error(f"prize_{n}_name", _("Give the prize's market value and quantity."))
        return data

    def prizes(self) -> list[tuple[int, str, int, int]]:
        """The filled prize rows as ``(row number, name, value_fen, quantity)``, in row order."""
        rows = []
        for n in range(1, PRIZE_ROWS + 1):
            name = str(self.cleaned_data.get(f"prize_{n}_name") or "").strip()
            if name:
                rows.append(
                    (
                        n,
                        name,
                        int(self.cleaned_data[f"prize_{n}_value"]),
                        int(self.cleaned_data[f"prize_{n}_quantity"]),
                    )
                )
        return rows


class PostInteractionsForm(forms.Form):
    """The interactions an operator read on the platform: comments, and a poll typed as one option per
    line with its votes last (``红色 120``)."""

    comment_count = forms.IntegerField(label=_("Comment count"), min_value=0)
    poll_question = forms.CharField(label=_("Poll question"), max_length=TITLE_MAX, required=False)
    poll_options = forms.CharField(
        label=_("Poll options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One option per line, its votes last, e.g. 红色 120."),
    )

    def clean_poll_options(self) -> list[tuple[str, int]]:
        rows = []
        for line in str(self.cleaned_data.get("poll_options") or "").splitlines():
            if not line.strip():
                continue
            text, _space, votes = line.strip().rpartition(" ")
            if not text.strip() or not is_ascii_digits(votes, max_digits=9):
                raise forms.ValidationError(_("Write each option as its words, a space and its votes."))
            rows.append((text.strip(), int(votes)))
        return rows
