"""The buyer's CRM page for customer service (R5.4.1): one buyer's profile (masked as in the ticket page's
customer panel), RFM segment, orders, tickets with their SLA clocks, after-sales requests, complaints and
consents. Every section reads through the owning app's selectors, scoped to the viewer; a section the
viewer may not open (no ``order.view``, no ``aftersales.handle``) is left out, not shown empty."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from mallops.accounts.actors import request_actor
from mallops.core.errors import DomainError
from mallops.service import selectors
from mallops.service.models import Category
from mallops.service.views import customer_line


def _need(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


def crm_context(request: HttpRequest, buyer_id: int) -> dict[str, Any]:
    """What the CRM page shows of one buyer for the signed-in agent (about a dozen queries)."""
    from mallops.dsr.selectors import consent_summary
    from mallops.service.crm_panels import buyer_requests, buyer_segment

    user: Any = request.user
    try:
        buyer = selectors.customer_buyer(buyer_id=buyer_id)
    except DomainError as error:
        raise Http404("buyer") from error
    actor = request_actor(request)
    profile = selectors.customer_profile(actor=actor, buyer=buyer)
    tickets = selectors.customer_tickets(actor=actor, buyer_id=buyer.pk, now=timezone.now())
    context: dict[str, Any] = {
        "active": "service",
        "buyer": buyer,
        "customer": profile,
        "customer_line": customer_line(profile),
        "segment": buyer_segment(username=buyer.username),
        "tickets": tickets,
        # complaints are tickets of the complaint category (service.complaints); the page lists them apart
        "complaints": [t for t in tickets if t.category == Category.COMPLAINT],
        "consents": consent_summary(buyer=buyer),
        "can_reveal": user.has_perm("buyer.view") and user.has_perm("privacy.reveal"),
        "show_orders": user.has_perm("order.view"),
        "show_requests": user.has_perm("aftersales.handle"),
    }
    if context["show_orders"]:
        from mallops.orders.selectors import platform_orders

        orders = platform_orders(actor=actor).prefetch_related(None).select_related("merchant")
        context["orders"] = list(orders.filter(buyer_id=buyer.pk).order_by("-created_at", "-pk")[:20])
    if context["show_requests"]:
        context["requests"] = buyer_requests(actor=actor, buyer_id=buyer.pk)
    return context


@login_required
def customer(request: HttpRequest, buyer_id: int) -> HttpResponse:
    """客户档案: the page behind the ticket page's customer panel (``ticket.handle``)."""
    _need(request, "ticket.handle")
    return render(request, "service/customer.html", crm_context(request, buyer_id))
