from __future__ import annotations

from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "mallops.marketing"
    label = "marketing"
    verbose_name = "Marketing: channels, spend, attribution, budget suggestions"
