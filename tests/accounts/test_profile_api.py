"""Buyers view and correct their profile and address book through ``/api/v1/me/...`` (R1.3.4)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mallops.accounts.models import Address, User
from mallops.audit.models import AuditEvent
from mallops.privacy.keys import blind_index
from mallops.risk.models import RiskEventLog
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, token_for
from mallops.testing.orders import make_buyer

pytestmark = pytest.mark.django_db

HOME = {
    "recipient": "王小明",
    "phone": "13800001111",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "detail": "文三路 100 号 2 幢 301",
}


class Me(ApiClient):
    def patch_json(self, path: str, data: Any) -> Any:
        return self.patch(
            path, data=json.dumps(data), content_type="application/json", headers=self._headers(None)
        )


def _me(user: User) -> Me:
    return Me(token_for(user))


def _locs(response: Any) -> list[list[Any]]:
    return [e["loc"] for e in response.json()["errors"]]


@pytest.mark.req("R1.3.4")
def test_buyer_reads_and_changes_the_profile_audited_without_the_values() -> None:
    buyer = make_buyer("me-profile")
    me = _me(buyer)
    assert me.get_json("/api/v1/me/profile").json() == {
        "username": "me-profile",
        "display_name": "",
        "phone": "",
    }
    done = me.patch_json("/api/v1/me/profile", {"display_name": "小明", "phone": "13900002222"})
    assert done.status_code == 200, done.content
    assert done.json() == {"username": "me-profile", "display_name": "小明", "phone": "13900002222"}
    buyer.refresh_from_db()
    assert buyer.phone == "13900002222" and buyer.phone_index == blind_index("13900002222", namespace="phone")
    event = AuditEvent.objects.get(action="accounts.profile_update")
    assert event.actor_id == buyer.pk and event.after == {"fields": ["display_name", "phone"]}


def test_profile_input_is_checked_and_nothing_changes_on_error() -> None:
    taken = make_buyer("me-taken")
    taken.phone, taken.phone_index = "13900003333", blind_index("13900003333", namespace="phone")
    taken.save()
    buyer = make_buyer("me-checks")
    me = _me(buyer)
    bad = me.patch_json("/api/v1/me/profile", {"phone": "1234"})
    assert bad.status_code == 422 and _locs(bad) == [["body", "payload", "phone"]]
    duplicate = me.patch_json("/api/v1/me/profile", {"display_name": "新名字", "phone": "13900003333"})
    assert duplicate.status_code == 422 and duplicate.json()["errors"][0]["code"] == "duplicate"
    extra = me.patch_json("/api/v1/me/profile", {"username": "hijack"})
    assert extra.status_code == 422
    empty = me.patch_json("/api/v1/me/profile", {})
    assert empty.status_code == 422
    buyer.refresh_from_db()
    assert (buyer.username, buyer.display_name, buyer.phone) == ("me-checks", "", "")
    assert not AuditEvent.objects.filter(action="accounts.profile_update").exists()


def test_only_a_signed_in_buyer_has_a_profile_here() -> None:
    _, owner = make_merchant()
    assert _me(owner).get_json("/api/v1/me/profile").status_code == 403
    assert ApiClient().get_json("/api/v1/me/profile").status_code == 401
    assert _me(owner).post_json("/api/v1/me/addresses", HOME).status_code == 403


@pytest.mark.req("R1.3.4")
def test_address_book_create_update_delete_with_one_default_audited_and_risk_assessed() -> None:
    buyer = make_buyer("me-book")
    me = _me(buyer)
    first = me.post_json("/api/v1/me/addresses", HOME)
    assert first.status_code == 201, first.content
    assert first.json() == {**HOME, "id": first.json()["id"], "is_default": True}  # the first is the default
    second = me.post_json(
        "/api/v1/me/addresses", {**HOME, "city": "宁波市", "district": "鄞州区", "is_default": True}
    ).json()
    listing = me.get_json("/api/v1/me/addresses").json()
    assert listing["count"] == 2
    assert [(a["id"], a["is_default"]) for a in listing["items"]] == [
        (second["id"], True),
        (first.json()["id"], False),
    ]
    changed = me.patch_json(f"/api/v1/me/addresses/{first.json()['id']}", {"detail": "文三路 200 号"})
    assert changed.status_code == 200 and changed.json()["detail"] == "文三路 200 号"
    assert Address.objects.get(pk=first.json()["id"]).detail == "文三路 200 号"
    # deleting the default promotes the remaining one
    assert me.delete_json(f"/api/v1/me/addresses/{second['id']}").status_code == 204
    assert list(Address.objects.filter(user=buyer).values_list("pk", "is_default")) == [
        (first.json()["id"], True)
    ]
    actions = list(
        AuditEvent.objects.filter(action__startswith="accounts.address_")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "accounts.address_create",
        "accounts.address_create",
        "accounts.address_update",
        "accounts.address_delete",
    ]
    update = AuditEvent.objects.get(action="accounts.address_update")
    assert update.after == {"fields": ["detail"]}  # names only: the audit chain holds no address
    # risk control saw each new or changed address (two creations and one change), the full text
    logged = list(
        RiskEventLog.objects.filter(event_type="address_change", buyer=str(buyer.pk)).order_by("pk")
    )
    assert len(logged) == 3
    assert logged[2].payload["address"] == "浙江省杭州市西湖区文三路 200 号"


def test_address_rules_region_and_phone_and_another_buyers_address() -> None:
    buyer, other = make_buyer("me-rules"), make_buyer("me-other")
    me = _me(buyer)
    landline = me.post_json("/api/v1/me/addresses", {**HOME, "phone": "02112345678"})
    assert landline.status_code == 422 and _locs(landline) == [["body", "payload", "phone"]]
    region = me.post_json("/api/v1/me/addresses", {**HOME, "province": "浙江", "city": "Hangzhou"})
    assert region.status_code == 422
    assert sorted(map(tuple, _locs(region))) == [("body", "city"), ("body", "province")]
    assert {e["code"] for e in region.json()["errors"]} == {"invalid_region"}
    assert not Address.objects.exists() and not RiskEventLog.objects.exists()
    theirs = _me(other).post_json("/api/v1/me/addresses", HOME).json()
    assert (
        me.patch_json(f"/api/v1/me/addresses/{theirs['id']}", {"detail": "我的地址 1 号"}).status_code == 404
    )
    assert me.delete_json(f"/api/v1/me/addresses/{theirs['id']}").status_code == 404
    assert Address.objects.get(pk=theirs["id"]).detail == HOME["detail"]
    mine = me.post_json("/api/v1/me/addresses", HOME).json()
    assert me.patch_json(f"/api/v1/me/addresses/{mine['id']}", {"is_default": None}).status_code == 422
    assert Address.objects.get(pk=mine["id"]).is_default is True
    unset = me.patch_json(f"/api/v1/me/addresses/{mine['id']}", {"is_default": False})
    assert unset.status_code == 422 and _locs(unset) == [["body", "is_default"]]


@pytest.mark.req("R1.3.4")
@pytest.mark.req("R7.3.3")
def test_an_approved_correction_request_changes_the_data_it_names_and_tells_the_buyer() -> None:
    from mallops.dsr.models import DataSubjectRequest
    from mallops.testing.factories import make_staff

    buyer, other = make_buyer("me-fix"), make_buyer("me-fix-other")
    me = _me(buyer)
    home = me.post_json("/api/v1/me/addresses", HOME).json()
    theirs = _me(other).post_json("/api/v1/me/addresses", HOME).json()
    url = "/api/v1/me/data-requests"
    # checked at request time by the rules of the buyer's own edit
    short = me.post_json(
        url,
        {
            "kind": "correction",
            "correction": {"field": "address.detail", "value": "1号", "address_id": home["id"]},
        },
    )
    assert short.status_code == 422 and _locs(short) == [["body", "correction", "value"]]
    foreign = me.post_json(
        url,
        {
            "kind": "correction",
            "correction": {"field": "address.detail", "value": "文三路 300 号", "address_id": theirs["id"]},
        },
    )
    assert foreign.status_code == 404
    unknown = me.post_json(url, {"kind": "correction", "correction": {"field": "username", "value": "x"}})
    assert unknown.status_code == 422
    assert not DataSubjectRequest.objects.exists()
    filed = me.post_json(
        url,
        {
            "kind": "correction",
            "correction": {"field": "address.detail", "value": "文三路 300 号", "address_id": home["id"]},
        },
    )
    assert filed.status_code == 201, filed.content
    assert filed.json()["correction_field"] == "address.detail"
    # when staff approve it, the address changes (no note needed: the request says what)
    auditor = make_staff("compliance_auditor")
    handler = ApiClient(token_for(auditor))
    console = ApiClient()
    console.force_login(auditor)
    page = console.get(f"/privacy/requests/{filed.json()['id']}/").content.decode()
    assert "请求更正的内容" in page and f"详细地址：文三路 300 号（地址 #{home['id']}）" in page
    queued = handler.get_json(f"/api/v1/privacy/data-requests/{filed.json()['id']}").json()
    assert queued["correction_value"] == "文三路 300 号" and queued["correction_address_id"] == home["id"]
    done = handler.post_json(f"/api/v1/privacy/data-requests/{filed.json()['id']}/complete", {})
    assert done.status_code == 200, done.content
    assert Address.objects.get(pk=home["id"]).detail == "文三路 300 号"
    assert Address.objects.get(pk=theirs["id"]).detail == HOME["detail"]
    assert done.json()["correction_value"] == ""  # the value now lives in the address only
    seen = me.get_json(f"{url}/{filed.json()['id']}").json()
    assert seen["status"] == "completed"
    assert seen["reason"] == "已按您的请求更正：收货地址（详细地址）"
    assert seen["result"] == {
        "correction": "已按您的请求更正：收货地址（详细地址）",
        "corrected_field": "address.detail",
        "changed": True,
    }
    event = AuditEvent.objects.get(action="accounts.address_update")
    assert event.after == {"fields": ["detail"], "reason": "个人信息更正请求（PIPL 第 46 条）"}
    assert event.actor_id != buyer.pk
    # the audit log reads it in words
    from mallops.core.words import audit_changes

    assert [row["text"] for row in audit_changes(None, event.after, "accounts.address")] == [
        "修改的字段：详细地址",
        "理由：个人信息更正请求（PIPL 第 46 条）",
    ]


def test_a_correction_that_no_longer_fits_leaves_everything_as_it_was() -> None:
    from mallops.dsr.models import DataSubjectRequest
    from mallops.testing.factories import make_staff

    buyer, rival = make_buyer("me-fix-phone"), make_buyer("me-fix-rival")
    filed = _me(buyer).post_json(
        "/api/v1/me/data-requests",
        {"kind": "correction", "correction": {"field": "phone", "value": "13700004444"}},
    )
    assert filed.status_code == 201
    # meanwhile someone else registered the number
    rival.phone, rival.phone_index = "13700004444", blind_index("13700004444", namespace="phone")
    rival.save()
    handler = ApiClient(token_for(make_staff("compliance_auditor")))
    refused = handler.post_json(f"/api/v1/privacy/data-requests/{filed.json()['id']}/complete", {})
    assert refused.status_code == 422
    row = DataSubjectRequest.objects.get()
    assert row.status == "open" and row.correction_value == "13700004444"
    buyer.refresh_from_db()
    assert buyer.phone == ""
