"""Demo data: a published privacy policy, consents of the buyers (most grant), and a few data-subject requests
(open, one overdue after the sweep, one completed export). Idempotent: a second run adds nothing."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.accounts.models import User
from mallops.accounts.roles import Kind
from mallops.core.sweeps import registered, run_sweeper
from mallops.dsr import consent, requests
from mallops.dsr.models import ConsentAction, ConsentRecord, DataSubjectRequest, RequestKind

POLICY_TEXT = """Mallops 隐私政策（示例）

一、我们收集的个人信息：注册手机号、昵称；收货人、联系电话与地址；订单与售后记录；设备与浏览信息。
二、使用目的：见下列各项目的，每项说明范围、保存期限和法律依据。
三、保存期限：交易信息自交易完成之日起保存不少于三年（《电子商务法》第三十一条），其他信息在目的实现后删除或匿名化。
四、您的权利：查阅、复制、转移、更正、补充、删除您的个人信息，撤回同意，注销账号。我们将在收到请求后十五个工作日内答复。
五、联系我们：privacy@mallops.example"""

PURPOSES = [
    {"code": "account", "name": "账号注册与登录", "scope": "手机号、昵称", "retention": "注销账号后删除",
     "legal_basis": "contract"},
    {"code": "order_fulfilment", "name": "订单履行与配送", "scope": "收货人、电话、地址、订单记录",
     "retention": "交易完成后三年", "legal_basis": "contract"},
    {"code": "marketing", "name": "营销信息与定向优惠", "scope": "浏览与购买记录", "retention": "撤回同意后删除",
     "legal_basis": "consent"},
    {"code": "analytics", "name": "匿名统计分析", "scope": "设备与浏览信息（去标识化）", "retention": "十二个月",
     "legal_basis": "consent"},
    {"code": "personalisation", "name": "个性化推荐", "scope": "购买记录（用于搜索和推荐排序）",
     "retention": "撤回同意后不再使用", "legal_basis": "consent"},
]  # fmt: skip
GRANT_SHARE = {"marketing": 0.7, "analytics": 0.85, "personalisation": 0.6}


def load(*, lines: list[str], rng: random.Random) -> None:
    if DataSubjectRequest.objects.exists() or consent.current_policy() is not None:
        lines.append(f"Privacy: policy {consent.current_policy()} and demo requests (kept)")
        return
    officer = next(
        (u for u in User.objects.filter(is_active=True) if u.has_perm("privacy.policy.publish")), None
    )
    if officer is None:
        lines.append("Privacy: no staff may publish a policy, nothing made")
        return
    policy = consent.policy_publish(
        actor=actor_of(officer), version="2026.1", text=POLICY_TEXT, purposes=PURPOSES
    )
    # every buyer answers (most consent): consent binds analytics and campaigns, loaded after this demo
    buyers = list(User.objects.filter(kind=Kind.BUYER, is_active=True).order_by("pk"))
    now = timezone.now()
    records = []
    for buyer in buyers:
        for purpose in PURPOSES:
            if purpose["legal_basis"] == "consent" and rng.random() < GRANT_SHARE[purpose["code"]]:
                at = now - timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 600))
                records.append(
                    ConsentRecord(
                        buyer=buyer,
                        purpose=purpose["code"],
                        policy=policy,
                        action=ConsentAction.GRANTED,
                        at=at,
                    )
                )
    ConsentRecord.objects.bulk_create(records)
    made = 0
    for buyer, kind in zip(buyers[:5], list(RequestKind.values), strict=False):
        note = "收货地址的门牌号写错了，应为 200 号" if kind == RequestKind.CORRECTION else ""
        requests.request_submit(actor=actor_of(buyer), kind=kind, note=note)
        made += 1
    # one request filed five weeks ago: the sweep finds it past its 15 working days
    if buyers[5:6]:
        late = requests.request_submit(actor=actor_of(buyers[5]), kind=RequestKind.ACCESS)
        earlier = now - timedelta(days=35)
        DataSubjectRequest.objects.filter(pk=late.pk).update(
            submitted_at=earlier,
            due_at=requests.due_at_for(earlier),
            escalate_due_at=requests.due_at_for(earlier),
        )
        made += 1
    handler = next((u for u in User.objects.filter(is_active=True) if u.has_perm("privacy.dsr.handle")), None)
    first_access = DataSubjectRequest.objects.filter(kind=RequestKind.ACCESS).order_by("pk").first()
    if handler is not None and handler.has_perm("privacy.reveal") and first_access is not None:
        requests.request_complete(actor=actor_of(handler), request_id=first_access.pk)
    overdue = run_sweeper(registered()["dsr.overdue"])
    lines.append(
        f"Privacy: policy {policy.version}, {len(records)} consents, {made} data-subject requests "
        f"({overdue} overdue; console /privacy/requests/)"
    )
