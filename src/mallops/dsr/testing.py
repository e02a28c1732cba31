"""Test helper: give buyers consent, so tests of consent-bound features (analytics per buyer, segment
campaigns) state it instead of relying on processing without consent."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from mallops.dsr.models import ConsentAction, ConsentRecord, PrivacyPolicy

TEST_PURPOSES = [
    {"code": code, "name": name, "scope": scope, "retention": retention, "legal_basis": basis}
    for code, name, scope, retention, basis in (
        ("account", "账号注册与登录", "手机号、昵称", "注销账号后删除", "contract"),
        ("order_fulfilment", "订单履行与配送", "收货人、电话、地址、订单记录", "交易完成后三年", "contract"),
        ("marketing", "个性化推荐与营销信息", "浏览与购买记录", "撤回同意后删除", "consent"),
        ("analytics", "统计分析", "设备与浏览信息", "十二个月", "consent"),
        ("personalisation", "个性化推荐", "购买记录（用于搜索和推荐排序）", "撤回同意后不再使用", "consent"),
    )
]


def policy_for_tests() -> PrivacyPolicy:
    """The current policy, or a test one declaring the purposes above."""
    current = PrivacyPolicy.objects.filter(is_current=True).first()
    if current is not None:
        return current
    return PrivacyPolicy.objects.create(
        version="test.1",
        text="测试用隐私政策：收集范围、目的、保存期限和您的权利。",
        purposes=TEST_PURPOSES,
        published_at=timezone.now(),
        is_current=True,
    )


def grant_consent(users: Iterable[Any], purposes: Iterable[str] = ("analytics", "marketing")) -> None:
    """Record a grant of each purpose by each user under the current (or a test) policy."""
    policy = policy_for_tests()
    now = timezone.now()
    ConsentRecord.objects.bulk_create(
        ConsentRecord(buyer=user, purpose=p, policy=policy, action=ConsentAction.GRANTED, at=now)
        for user in users
        for p in purposes
    )
