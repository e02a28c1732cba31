"""Privacy policy versions and consent renewal (R1.3.3, R1.3.4)."""

from __future__ import annotations

from typing import Any

import pytest
from dsr_helpers import POLICY_TEXT, PURPOSES

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.dsr.models import ConsentRecord, PrivacyPolicy
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db


@pytest.mark.req("R1.3.3")
def test_publishing_makes_one_current_version_readable_publicly(officer: Any) -> None:
    staff = ApiClient(token_for(officer))
    body = {"version": "2026.1", "text": POLICY_TEXT, "purposes": PURPOSES}
    assert staff.post_json("/api/v1/privacy/policies", body).status_code == 201
    body2 = {**body, "version": "2026.2", "purposes": PURPOSES[:1]}
    assert staff.post_json("/api/v1/privacy/policies", body2).status_code == 201
    assert list(PrivacyPolicy.objects.filter(is_current=True).values_list("version", flat=True)) == ["2026.2"]
    public = ApiClient().get_json("/api/v1/privacy/policy")
    assert public.status_code == 200
    data = public.json()
    assert data["version"] == "2026.2" and data["text"].startswith("本隐私政策")
    assert data["purposes"][0]["retention"] == "交易完成后三年"
    assert data["purposes"][0]["legal_basis"] == "contract"
    assert AuditEvent.objects.filter(action="privacy.policy_publish").count() == 2


@pytest.mark.req("R1.3.3")
def test_publishing_needs_the_permission_and_valid_input(officer: Any) -> None:
    _, owner = make_merchant()
    body = {"version": "2026.1", "text": POLICY_TEXT, "purposes": PURPOSES}
    for user in (make_staff("cs_agent"), owner):
        response = ApiClient(token_for(user)).post_json("/api/v1/privacy/policies", body)
        assert response.status_code == 403
    staff = ApiClient(token_for(officer))
    bad = {"version": "2026.1", "text": POLICY_TEXT, "purposes": [{**PURPOSES[0], "legal_basis": "whim"}]}
    response = staff.post_json("/api/v1/privacy/policies", bad)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    locs = [e["loc"] for e in response.json()["errors"]]
    assert any(loc[-1] == "legal_basis" and "purposes" in loc for loc in locs)
    twice = {**body, "purposes": [PURPOSES[0], PURPOSES[0]]}
    response = staff.post_json("/api/v1/privacy/policies", twice)
    assert response.status_code == 422
    assert ["body", "purposes", 1, "code"] in [e["loc"] for e in response.json()["errors"]]
    assert not PrivacyPolicy.objects.exists()
    assert ApiClient().get_json("/api/v1/privacy/policy").status_code == 404


@pytest.mark.req("R1.3.3")
@pytest.mark.req("R1.3.4")
def test_consent_per_purpose_is_renewed_after_a_new_version(buyer: Any, officer: Any, policy: Any) -> None:
    client = ApiClient(token_for(buyer))
    first = client.get_json("/api/v1/me/consents").json()
    marketing = next(i for i in first["items"] if i["purpose"] == "marketing")
    assert marketing["status"] == "none" and marketing["needs_renewal"] and first["needs_renewal"]
    response = client.post_json("/api/v1/me/consents", {"purpose": "marketing", "action": "grant"})
    assert response.status_code == 201
    assert response.json()["status"] == "granted" and not response.json()["needs_renewal"]
    assert client.get_json("/api/v1/me/consents").json()["needs_renewal"] is False

    from mallops.dsr.consent import policy_publish

    policy_publish(actor=actor_of(officer), version="2026.2", text=POLICY_TEXT, purposes=PURPOSES)
    after = client.get_json("/api/v1/me/consents").json()
    assert after["policy_version"] == "2026.2" and after["needs_renewal"] is True
    marketing = next(i for i in after["items"] if i["purpose"] == "marketing")
    assert marketing["status"] == "granted" and marketing["policy_version"] == "2026.1"
    assert marketing["needs_renewal"] is True

    client.post_json("/api/v1/me/consents", {"purpose": "marketing", "action": "grant"})
    client.post_json("/api/v1/me/consents", {"purpose": "marketing", "action": "withdraw"})
    final = client.get_json("/api/v1/me/consents").json()
    marketing = next(i for i in final["items"] if i["purpose"] == "marketing")
    assert marketing["status"] == "withdrawn" and not marketing["needs_renewal"]
    history = list(
        ConsentRecord.objects.filter(buyer=buyer).order_by("pk").values_list("action", "policy__version")
    )
    assert history == [("granted", "2026.1"), ("granted", "2026.2"), ("withdrawn", "2026.2")]
    assert AuditEvent.objects.filter(action__startswith="privacy.consent_").count() == 3


@pytest.mark.req("R1.3.4")
def test_consent_bad_input_and_non_buyers(buyer: Any, policy: Any) -> None:
    client = ApiClient(token_for(buyer))
    response = client.post_json("/api/v1/me/consents", {"purpose": "nothing", "action": "grant"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "purpose"]
    response = client.post_json("/api/v1/me/consents", {"purpose": "marketing", "action": "maybe"})
    assert response.status_code == 422 and "action" in response.json()["errors"][0]["loc"]
    assert not ConsentRecord.objects.exists()
    _, owner = make_merchant()
    for user in (owner, make_staff("platform_admin")):
        assert ApiClient(token_for(user)).get_json("/api/v1/me/consents").status_code == 403
    assert ApiClient().get_json("/api/v1/me/consents").status_code == 401
