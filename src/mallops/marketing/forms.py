"""Console forms of marketing: a channel, one day's spend in 元, a spend CSV file, a tier strategy, a campaign."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from mallops.console.forms import YuanField
from mallops.marketing.models import Action, Channel
from mallops.marketing.services import MAX_SPEND_FEN


class MarketingChannelForm(forms.Form):
    code = forms.SlugField(label=_("Channel code"), max_length=40)
    name = forms.CharField(label=_("Channel name"), max_length=80)
    kind = forms.ChoiceField(label=_("Channel kind"), choices=Channel.Kind.choices)
    utm_source = forms.CharField(label=_("UTM source"), max_length=80)


class MarketingSpendForm(forms.Form):
    channel = forms.ModelChoiceField(label=_("Marketing channel"), queryset=Channel.objects.order_by("code"))
    day = forms.DateField(label=_("Spend day"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = YuanField(label=_("Marketing spend (元)"), min_fen=0, max_fen=MAX_SPEND_FEN)


class MarketingSpendFileForm(forms.Form):
    file = forms.FileField(
        label=_("Spend file"),
        help_text=_(
            "CSV in UTF-8 with the columns channel,day,amount_yuan; one bad row refuses the whole file."
        ),
    )


def _segment_choices() -> list[tuple[str, Any]]:
    from mallops.analytics.segments import SEGMENT_LABELS

    return [("", _("Any segment")), *((code, name) for code, name in SEGMENT_LABELS.items())]


def _tier_choices() -> list[tuple[str, Any]]:
    from mallops.membership.selectors import tiers

    return [("", _("Any tier")), *((t.code, t.name) for t in tiers())]


class MarketingStrategyForm(forms.Form):
    name = forms.CharField(label=_("Strategy name"), max_length=80)
    segment = forms.ChoiceField(label=_("Buyer segment"), required=False)
    tier_code = forms.ChoiceField(label=_("Membership tier"), required=False)
    action = forms.ChoiceField(label=_("Strategy action"), choices=Action.choices)
    channel = forms.ModelChoiceField(
        label=_("Retargeting channel"),
        required=False,
        queryset=Channel.objects.filter(kind__in=["social", "search_ads"], is_active=True).order_by("code"),
        help_text=_("For a retargeting list: a social or search channel."),
    )
    coupon_batch_id = forms.TypedChoiceField(
        label=_("Win-back coupon"), required=False, coerce=int, empty_value=None
    )
    holdout_percent = forms.IntegerField(label=_("Holdout (%)"), min_value=0, max_value=50, initial=10)
    measure_days = forms.IntegerField(label=_("Measured over (days)"), min_value=1, max_value=90, initial=14)

    def __init__(self, *args: Any, batches: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["segment"]).choices = _segment_choices()
        cast(forms.ChoiceField, self.fields["tier_code"]).choices = _tier_choices()
        cast(forms.ChoiceField, self.fields["coupon_batch_id"]).choices = [("", "—"), *(batches or [])]


class MarketingCampaignForm(forms.Form):
    name = forms.CharField(label=_("Campaign name"), max_length=80)
    segment = forms.ChoiceField(label=_("Buyer segment"), required=False)
    tier_code = forms.ChoiceField(label=_("Membership tier"), required=False)
    tags = forms.CharField(
        label=_("Buyer tags"),
        required=False,
        max_length=200,
        help_text=_("Separate tags with commas; a buyer must carry every tag."),
    )
    offer = forms.ChoiceField(label=_("Offer"))
    message = forms.CharField(label=_("Message"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    channel = forms.ModelChoiceField(
        label=_("Marketing channel"), queryset=Channel.objects.filter(is_active=True).order_by("code")
    )
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    holdout_percent = forms.IntegerField(label=_("Holdout (%)"), min_value=0, max_value=50, initial=10)
    message_cost = YuanField(
        label=_("Cost per message (元)"), min_fen=0, max_fen=MAX_SPEND_FEN, required=False
    )

    def __init__(self, *args: Any, offers: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["segment"]).choices = _segment_choices()
        cast(forms.ChoiceField, self.fields["tier_code"]).choices = _tier_choices()
        cast(forms.ChoiceField, self.fields["offer"]).choices = offers or []

    def tag_list(self) -> list[str]:
        raw = str(self.cleaned_data.get("tags") or "").replace("，", ",")
        return sorted({t.strip() for t in raw.split(",") if t.strip()})
