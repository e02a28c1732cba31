"""Shared data for the dsr tests."""

from __future__ import annotations

from mallops.accounts.models import User
from mallops.accounts.roles import Kind
from mallops.testing.factories import PASSWORD

POLICY_TEXT = "本隐私政策说明我们收集哪些个人信息、为何收集、保存多久以及您享有的权利。" * 2

PURPOSES = [
    {
        "code": "order_fulfilment",
        "name": "订单履行",
        "scope": "收货人、电话、地址",
        "retention": "交易完成后三年",
        "legal_basis": "contract",
    },
    {
        "code": "marketing",
        "name": "个性化推荐与营销",
        "scope": "浏览与购买记录",
        "retention": "撤回同意后删除",
        "legal_basis": "consent",
    },
]

_n = [0]


def new_buyer(phone: str = "13912345678") -> User:
    _n[0] += 1
    user = User(username=f"dsrbuyer{_n[0]}", kind=Kind.BUYER, display_name="李小红", phone=phone)
    user.set_password(PASSWORD)
    user.save()
    return user
