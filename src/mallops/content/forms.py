"""Console forms of the content calendar."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mallops.console.forms import DateTimeLocalInput
from mallops.content.models import BODY_MAX, TITLE_MAX, Platform


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
