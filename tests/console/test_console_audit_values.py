"""The audit log names list and choice values of known fields through their owning app's labels (issue 14,
item 2): an agent profile's skills read 物流、投诉, with the codes in the row's tooltip only."""

from __future__ import annotations

import pytest
from django.test import Client
from test_console_raw_codes import visible_text

from mallops.accounts.actors import actor_of
from mallops.audit.services import audit_record
from mallops.service import configuration
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db


def _zh_client(user: object) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.cookies["django_language"] = "zh-hans"
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_agent_profile_creation_shows_the_skills_in_chinese() -> None:
    # given: a supervisor gives an agent a profile with two skills (codes in the snapshot)
    supervisor = make_staff("cs_supervisor")
    agent = make_staff("cs_agent", username="xiaowang")
    configuration.agent_profile_create(
        actor=actor_of(supervisor), user_id=agent.pk, skills=["complaint", "logistics"]
    )
    # when: the auditor opens the log filtered to that action
    html = _zh_client(make_staff("compliance_auditor")).get(
        "/audit/", {"action": "service.agent_profile_created"}
    )
    # then: the skills read in Chinese, the codes stay in the tooltip
    assert html.status_code == 200
    page = html.content.decode()
    text = visible_text(page)
    assert "技能：物流、投诉" in text
    assert "logistics" not in text and "complaint" not in text
    assert 'title="skills · logistics, complaint"' in page


def test_list_values_of_another_app_read_through_its_labels() -> None:
    auditor = make_staff("compliance_auditor")
    audit_record(
        actor=auditor,
        action="review.listing_reject",
        object_type="review.listing",
        object_id="3",
        before={"status": "in_review"},
        after={"status": "rejected", "reason_codes": ["wrong_category"]},
    )
    page = _zh_client(auditor).get("/audit/").content.decode()
    text = visible_text(page)
    assert "驳回原因：类目错误" in text, text
    assert 'title="reason_codes · wrong_category"' in page
