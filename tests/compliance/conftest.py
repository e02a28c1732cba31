"""The rule tests here check what the rule packs find; the statistical second opinion (a separate layer,
``engine.second_opinion``) is off for them. Tests marked ``second_opinion`` (the labelled-set figures,
the second opinion's own tests) keep it on."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _rules_only(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("second_opinion") is None:
        monkeypatch.setattr("mallops.compliance.engine.api.default_second_opinion", lambda: None)
