from __future__ import annotations

from typing import Any

import pytest
from dsr_helpers import POLICY_TEXT, PURPOSES, new_buyer

from mallops.accounts.actors import actor_of
from mallops.accounts.models import Address, User
from mallops.testing.factories import make_staff


@pytest.fixture
def buyer() -> User:
    user = new_buyer()
    Address.objects.create(
        user=user,
        recipient="李小红",
        phone="13912345678",
        province="上海市",
        city="上海市",
        district="浦东新区",
        detail="世纪大道100号",
        is_default=True,
    )
    return user


@pytest.fixture
def officer() -> User:
    return make_staff("compliance_auditor")


@pytest.fixture
def policy(officer: User) -> Any:
    from mallops.dsr.consent import policy_publish

    return policy_publish(actor=actor_of(officer), version="2026.1", text=POLICY_TEXT, purposes=PURPOSES)
