"""Console forms of product reviews (moderation and the store's reply)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mallops.product_reviews.models import MAX_TEXT
from mallops.product_reviews.services import MAX_REASON


class HideForm(forms.Form):
    reason = forms.CharField(label=_("Reason for hiding"), max_length=MAX_REASON)


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Reply"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2}))
