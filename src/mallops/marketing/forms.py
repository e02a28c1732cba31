"""Console forms of marketing: a channel, one day's spend in 元, a spend CSV file."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mallops.console.forms import YuanField
from mallops.marketing.models import Channel
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
