"""Console form of the store announcement."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mallops.stores.models import MAX_NOTICE


class StoreNoticeForm(forms.Form):
    text = forms.CharField(
        label=_("Announcement"),
        max_length=MAX_NOTICE,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on your store page. It is checked against the advertising rules when you save."),
    )
