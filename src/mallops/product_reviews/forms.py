"""Console forms of product reviews (moderation and the store's reply)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mallops.product_reviews.models import MAX_TEXT
from mallops.product_reviews.services import MAX_REASON


class HideForm(forms.Form):
    reason = forms.CharField(label=_("Reason for hiding"), max_length=MAX_REASON)


# why content operations hide a text already published (the notice tells the author the words)
HIDE_REASONS = {
    "irrelevant": _("Not about the product"),
    "advertising": _("Advertising or spam"),
    "contact": _("Contains contact details"),
    "abusive": _("Abusive or offensive"),
    "false_claim": _("False or exaggerated claims"),
    "other": _("Other"),
}


class PublishedHideForm(forms.Form):
    """隐藏 of a published text: a reason from the list plus an optional note (required for "other")."""

    reason = forms.ChoiceField(label=_("Reason for hiding"), choices=list(HIDE_REASONS.items()))
    note = forms.CharField(label=_("Note"), max_length=MAX_REASON - 40, required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("reason") == "other" and not str(data.get("note") or "").strip():
            self.add_error("note", _("Say why the text is hidden."))
        return data

    def reason_text(self) -> str:
        """The words the author reads: the reason, then the note."""
        words = str(HIDE_REASONS[self.cleaned_data["reason"]])
        note = str(self.cleaned_data.get("note") or "").strip()
        return f"{words}：{note}" if note else words


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Reply"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2}))
