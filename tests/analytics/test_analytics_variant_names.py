"""The A/B test page shows each variant by its name (or 对照组 / 实验组), never its key."""

from __future__ import annotations

import pytest
from analytics_django_support import store
from django.test import Client
from django.utils import translation

from mallops.analytics.experiments import variant_names
from mallops.analytics.models import Experiment
from mallops.analytics.store.store import EventStore
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db
__all__ = ["store"]


@translation.override("en")
def test_variant_names_fall_back_to_control_and_treatment() -> None:
    assert variant_names([{"key": "control", "weight": 1}, {"key": "b", "weight": 1}]) == {
        "control": "Control variant",
        "b": "Treatment variant",
    }
    assert variant_names(
        [{"key": "a", "weight": 1, "name": "原结算"}, {"key": "b", "weight": 1}, {"key": "c", "weight": 1}]
    ) == {"a": "原结算", "b": "Treatment variant 1", "c": "Treatment variant 2"}


def test_the_page_shows_the_names_typed_in_the_form_with_the_key_as_tooltip(store: EventStore) -> None:
    # given an experiment started from the console form with a name for the treatment only
    client = Client()
    client.force_login(make_staff("data_ops"))
    response = client.post(
        "/analytics/experiments/",
        {
            "key": "checkout-v2",
            "title": "一页式结算",
            "variant": ["control", "one_page"],
            "variant_name": ["", "一页式结算"],
            "weight": ["50", "50"],
            "metric_event": "order_paid",
        },
    )
    assert response.status_code == 302

    # when
    html = client.get(
        "/analytics/experiments/?key=checkout-v2", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    # then
    assert Experiment.objects.get().variants == [
        {"key": "control", "weight": 50},
        {"key": "one_page", "weight": 50, "name": "一页式结算"},
    ]
    assert '<td title="control">对照组</td>' in html
    assert '<td title="one_page">一页式结算</td>' in html
