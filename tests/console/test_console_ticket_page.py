"""The ticket pages' forms (issue 14): every field has a visible label or an aria-label in Chinese, the reply
is the one primary action, escalation is a danger action behind a confirmation, the reply library is a
labelled group. The platform desk (supervisor: every form) and the store's ticket page."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.service.configuration import agent_profile_create, reply_template_create
from mallops.service.services import ticket_create
from mallops.service.testing import make_buyer
from mallops.testing.factories import make_member, make_merchant, make_staff

pytestmark = pytest.mark.django_db


class _Forms(HTMLParser):
    """Fields without a label, and the class and confirmation of each form's submit button."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.labels = 0  # depth of open <label> elements
        self.label_for: set[str] = set()
        self.fields: list[dict[str, Any]] = []
        self.buttons: list[dict[str, str]] = []
        self.form: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "label":
            self.labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag == "form":
            self.form = a
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.fields.append({**a, "tag": tag, "in_label": self.labels > 0})
        elif (
            tag == "button"
            and a.get("type") == "submit"
            and self.form.get("action", "").startswith("/service/")
        ):
            self.buttons.append(
                {
                    "action": self.form.get("action", ""),
                    "class": a.get("class", ""),
                    "confirm": self.form.get("data-confirm", ""),
                }
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self.labels:
            self.labels -= 1

    def unlabelled(self) -> list[str]:
        return [
            f["name"]
            for f in self.fields
            if not f["in_label"] and not f.get("aria-label") and f.get("id", "\0") not in self.label_for
        ]


def _read(html: str) -> _Forms:
    parsed = _Forms()
    parsed.feed(html)
    return parsed


def _zh(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.cookies["django_language"] = "zh-hans"
    client.force_login(user)
    return client


def test_platform_ticket_page_labels_every_field_and_styles_actions_by_weight() -> None:
    supervisor = make_staff("cs_supervisor")
    agent_profile_create(actor=actor_of(supervisor), user_id=make_staff("cs_agent").pk, skills=["logistics"])
    reply_template_create(
        actor=actor_of(supervisor),
        title="物流查询",
        body="您好，包裹已发出。",
        category="logistics",
        keywords="包裹",
    )
    ticket = ticket_create(
        actor=actor_of(make_buyer()), subject="包裹到哪了", description="包裹三天没动", category="logistics"
    )
    html = _zh(supervisor).get(f"/service/tickets/{ticket.pk}/").content.decode()
    forms = _read(html)
    assert forms.unlabelled() == []
    buttons = {b["action"].rsplit("/", 1)[-1]: b for b in forms.buttons}
    assert set(buttons) >= {"reply", "note", "pause", "assign", "take", "resolve", "extend", "escalate"}
    assert [name for name, b in buttons.items() if "btn-primary" in b["class"]] == ["reply"]
    assert "btn-danger" in buttons["escalate"]["class"] and buttons["escalate"]["confirm"].startswith(
        "升级此工单？"
    )
    assert buttons["extend"]["confirm"].startswith("按特殊情况处理？")
    for name in ("note", "pause", "assign", "take", "resolve", "extend"):
        assert "btn-secondary" in buttons[name]["class"], name
    # the reply library's suggestions are a labelled group of secondary buttons
    assert '<legend id="suggestions-label">回复库推荐答复</legend>' in html
    assert 'aria-labelledby="suggestions-label"' in html and "物流查询</button>" in html


def test_store_ticket_page_labels_every_field_with_one_primary_action() -> None:
    merchant, _owner = make_merchant()
    cs = make_member(merchant, "merchant_cs").user
    ticket = ticket_create(
        actor=actor_of(make_buyer()),
        subject="有现货吗",
        description="白色的",
        category="product",
        merchant_id=merchant.pk,
    )
    forms = _read(_zh(cs).get(f"/service/store/tickets/{ticket.pk}/").content.decode())
    assert forms.unlabelled() == []
    primary = [b["action"].rsplit("/", 1)[-1] for b in forms.buttons if "btn-primary" in b["class"]]
    assert primary == ["reply"]
    assert all("btn" in b["class"] for b in forms.buttons)
