from __future__ import annotations

from functools import partial

from django.apps import AppConfig


class DsrConfig(AppConfig):
    name = "mallops.dsr"
    label = "dsr"
    verbose_name = "Privacy policy, consent and data-subject requests"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started
        from django.utils.translation import gettext_lazy as _

        from mallops.compliance.sources import register_source
        from mallops.console.navigation import MenuItem, register
        from mallops.dsr import exporters, sources
        from mallops.dsr.consent_selectors import consent_cache_begin, consent_cache_end, consenting_user_ids
        from mallops.dsr.contracts import Purpose
        from mallops.dsr.inspection_selectors import data_handling_facts
        from mallops.dsr.requests import overdue_count
        from mallops.pricing.audiences import register_marketing_consent

        # the self-inspection screens these (compliance imports no dsr)
        register_source("data_handling_facts", data_handling_facts)
        # a coupon issued to named buyers asks marketing consent (pricing imports no dsr)
        register_marketing_consent(partial(consenting_user_ids, purpose=Purpose.MARKETING))

        # ``consent_allows`` answers are cached per HTTP request, never longer
        request_started.connect(consent_cache_begin, dispatch_uid="dsr.consent_cache_begin")
        request_finished.connect(consent_cache_end, dispatch_uid="dsr.consent_cache_end")
        exporters.register_builtin()
        sources.register_sources()
        register(
            MenuItem(
                "dsr_queue",
                _("Data-subject requests"),
                "dsr:queue",
                "privacy.dsr.handle",
                badge=overdue_count,
                group="risk",
            )
        )
        register(
            MenuItem(
                "privacy_policy", _("Privacy policy"), "dsr:policies", "privacy.policy.publish", group="risk"
            )
        )
