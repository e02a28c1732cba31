"""Names of rules, event types and profile settings in the reader's language (the console shows words,
never rule ids; ids stay in tooltips and exports)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

RULES: dict[str, Any] = {
    "coupon_ring": _("Coupon ring"),
    "new_account_harvest": _("New-account coupon harvest"),
    "brushing": _("Order brushing"),
    "review_without_purchase": _("Review without purchase"),
    "duplicate_review_text": _("Duplicate review text"),
    "account_takeover": _("Account takeover"),
    "refund_abuse": _("Refund abuse"),
    "confirmed_ring": _("Confirmed ring"),
}

EVENT_TYPES: dict[str, Any] = {
    "register": _("Registration"),
    "login": _("Sign-in"),
    "password_change": _("Password change"),
    "address_change": _("Address change"),
    "coupon_claim": _("Coupon claim"),
    "order": _("Placing an order"),
    "review": _("Review"),
    "refund_request": _("Refund request"),
}

# profile settings: (label, unit) — unit "s" is shown and typed in minutes, "fen" in yuan
SETTINGS: dict[str, tuple[Any, str]] = {
    "coupon_ring_review_linked": (_("Coupon ring: linked claimers for review"), ""),
    "coupon_ring_block_linked": (_("Coupon ring: linked claimers for block"), ""),
    "harvest_account_age_s": (_("Harvest: account younger than (minutes)"), "s"),
    "harvest_window_s": (_("Harvest: window (minutes)"), "s"),
    "harvest_distinct_batches": (_("Harvest: distinct batches in the window"), ""),
    "brushing_window_s": (_("Brushing: window (minutes)"), "s"),
    "brushing_review_orders": (_("Brushing: orders for review"), ""),
    "brushing_block_orders": (_("Brushing: orders for block"), ""),
    "duplicate_review_window_s": (_("Duplicate review: window (minutes)"), "s"),
    "duplicate_review_other_buyers": (_("Duplicate review: other buyers"), ""),
    "takeover_login_window_s": (_("Takeover: login before the order (minutes)"), "s"),
    "takeover_change_window_s": (_("Takeover: change after the login (minutes)"), "s"),
    "takeover_block_amount_fen": (_("Takeover: block from order amount (yuan)"), "fen"),
    "refund_window_s": (_("Refund abuse: window (minutes)"), "s"),
    "refund_block_requests": (_("Refund abuse: requests for block"), ""),
    "refund_block_percent": (_("Refund abuse: requests per order for block (%)"), ""),
    "refund_review_requests": (_("Refund abuse: requests for review"), ""),
    "refund_review_percent": (_("Refund abuse: requests per order for review (%)"), ""),
}


def rule_label(rule: str) -> str:
    return str(RULES.get(rule, rule))


def rules_text(rules: list[str]) -> str:
    return "、".join(rule_label(rule) for rule in rules)


def event_label(kind: str) -> str:
    return str(EVENT_TYPES.get(kind, kind))


METRICS: dict[str, Any] = {
    "refund_rate": _("Refund rate (requests per 100 orders)"),
    "disputes": _("Disputes opened"),
    "coupon_cost_per_hour": _("Coupon cost per hour (fen)"),
    "review_bursts": _("Most reviews for one shop"),
    "login_failures": _("Failed sign-ins"),
    "order_drop": _("Order drop against last week (%)"),
}

LEVELS: dict[str, Any] = {
    "low": _("Low"),
    "medium": _("Medium"),
    "high": _("High"),
    "critical": _("Critical"),
}
LEVEL_TONES = {"low": "success", "medium": "info", "high": "warning", "critical": "danger"}


def metric_label(metric: str) -> str:
    return str(METRICS.get(metric, metric))


def role_label(code: str) -> str:
    from django.utils.translation import get_language

    from mallops.accounts.roles import ROLES

    role = ROLES.get(code)
    if role is None:
        return code
    return role.label_zh if (get_language() or "zh-hans").startswith("zh") else role.label_en
