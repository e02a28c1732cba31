from __future__ import annotations

from pathlib import Path

import pytest

from mallops.accounts.roles import PERMISSIONS, ROLES, STAFF_ROLES, render_roles_markdown

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.req("R8.1.1")
def test_docs_roles_md_is_generated_from_the_matrix():
    assert (ROOT / "docs" / "roles.md").read_text(encoding="utf-8") == render_roles_markdown()


@pytest.mark.req("R8.1.1")
def test_every_guide_role_exists():
    assert set(STAFF_ROLES) == {
        "platform_admin",
        "user_ops",
        "content_ops",
        "product_ops",
        "data_ops",
        "tech_ops",
        "cs_agent",
        "cs_supervisor",
        "listing_reviewer",
        "compliance_auditor",
        "risk_analyst",
    }
    assert {"merchant_owner", "merchant_operator", "merchant_cs"} <= set(ROLES)


def test_roles_only_name_known_permissions_and_duties_are_separated():
    for role in ROLES.values():
        assert role.permissions <= PERMISSIONS.keys()
    assert "listing.review" not in ROLES["cs_agent"].permissions
    assert "staff.manage" not in ROLES["listing_reviewer"].permissions
    assert "privacy.reveal" not in ROLES["cs_agent"].permissions
