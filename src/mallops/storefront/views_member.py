"""The buyer's 我的 → 会员 (tier, growth, benefits, birthday, birthday gifts) and 我的 → 消息 (membership
notices and campaign messages, unread badge, mark read). Each view calls the owning app's selectors and
services; only the signed-in buyer's own rows are ever read or changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mallops.accounts.actors import request_actor
from mallops.core.errors import DomainError
from mallops.core.inputs import is_ascii_digits
from mallops.marketing import inbox as campaign_inbox
from mallops.membership import birthday, notices
from mallops.membership import selectors as membership
from mallops.storefront.views import _buyer_or_redirect

NOTICE_KINDS = {"tier": "会员等级", "points": "积分", "birthday": "生日礼", "campaign": "活动"}


@dataclass(frozen=True)
class InboxItem:
    kind: str  # tier | points | birthday | campaign
    id: int
    title: str
    body: str
    at: datetime
    is_read: bool

    @property
    def kind_label(self) -> str:
        return NOTICE_KINDS[self.kind]


def inbox_items(buyer: Any) -> list[InboxItem]:
    """The buyer's messages, newest first: membership notices and campaign messages (with consent)."""
    items = [
        InboxItem(n.kind, n.id, n.title, "", n.at, n.read_at is not None)
        for n in notices.buyer_notices(buyer=buyer)
    ]
    items += [
        InboxItem(
            "campaign",
            d.pk,
            "活动消息",
            d.campaign.message,
            d.delivered_at or d.campaign.created_at,
            d.read_at is not None,
        )
        for d in campaign_inbox.buyer_messages(buyer=buyer)
    ]
    return sorted(items, key=lambda i: (i.at, i.id), reverse=True)[:100]


def unread_count(buyer: Any) -> int:
    """The unread badge of 我的 → 消息."""
    return notices.unread_notices(buyer=buyer) + campaign_inbox.unread_messages(buyer=buyer)


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """消息: every message of the buyer, unread ones marked."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    items = inbox_items(request.user)
    return render(
        request,
        "storefront/account/inbox.html",
        {"items": items, "unread": sum(1 for i in items if not i.is_read)},
    )


@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    """标为已读: one message (``kind`` and ``id``) or all of them."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    kind = request.POST.get("kind", "")
    raw = request.POST.get("id", "")
    item_id = int(raw) if is_ascii_digits(raw) else None
    now = timezone.now()
    if kind and (kind not in NOTICE_KINDS or item_id is None):
        raise Http404("message")
    if kind in ("", "campaign"):
        campaign_inbox.messages_mark_read(buyer=request.user, now=now, delivery_id=item_id)
    if kind != "campaign":
        notices.notices_mark_read(buyer=request.user, now=now, kind=kind, notice_id=item_id)
    return redirect("storefront:inbox")


@require_http_methods(["GET", "POST"])
def member(request: HttpRequest) -> HttpResponse:
    """会员: tier, growth value, benefits, the birthday (changeable once per 365 days) and the gifts."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    now = timezone.now()
    error = ""
    if request.method == "POST":
        month, day = request.POST.get("month", ""), request.POST.get("day", "")
        if not (is_ascii_digits(month, max_digits=2) and is_ascii_digits(day, max_digits=2)):
            error = "请选择生日的月份和日期"
        else:
            try:
                birthday.member_birthday_set(actor=request_actor(request), month=int(month), day=int(day))
            except DomainError as refused_error:
                error = {
                    409: "生日每 365 天只能修改一次，请到期后再修改",
                    404: "成为会员后才能填写生日",
                }.get(refused_error.status, "没有这一天，请重新选择")
            else:
                messages.success(request, "生日已保存")
                return redirect("storefront:member")
    mine = membership.my_membership(buyer=request.user, now=now)
    return render(
        request,
        "storefront/account/member.html",
        {
            "mine": mine,
            "birthday": birthday.birthday_of(buyer=request.user, now=now),
            "gifts": notices.buyer_birthday_gifts(buyer=request.user),
            "error": error,
            "months": range(1, 13),
            "days": range(1, 32),
        },
    )
