"""Merchant centre: the store's shipping rule (运费设置): a flat fee per order and 满 X 元包邮."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from mallops.accounts.actors import request_actor
from mallops.console.forms import YuanField
from mallops.core.errors import DomainError
from mallops.core.words import error_lines
from mallops.orders import shipping

PERMISSION = "store.order.manage"  # the permission the shipping-rule API asks for


class ShippingRuleForm(forms.Form):
    fee_fen = YuanField(
        label=gettext_lazy("Shipping fee per order"),
        max_fen=shipping.MAX_FEE_FEN,
        help_text=gettext_lazy("0 means the store ships free."),
    )
    free_over_fen = YuanField(
        label=gettext_lazy("Free shipping from (goods payable)"),
        min_fen=1,
        required=False,
        help_text=gettext_lazy("After promotions and coupons, before points. Leave empty for no threshold."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def merchant_shipping_rule(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied(PERMISSION)
    try:
        rule = shipping.my_shipping_rule(actor=request_actor(request))
    except DomainError as exc:
        raise PermissionDenied(exc.detail) from exc
    form = ShippingRuleForm(initial={"fee_fen": rule.fee_fen, "free_over_fen": rule.free_over_fen})
    if request.method == "POST":
        form = ShippingRuleForm(request.POST)
        if form.is_valid():
            data: dict[str, Any] = form.cleaned_data
            try:
                shipping.shipping_rule_set(
                    actor=request_actor(request),
                    fee_fen=data["fee_fen"],
                    free_over_fen=data["free_over_fen"],
                )
            except DomainError as exc:
                for line in error_lines(exc.errors, "orders") or [_("The action was refused.")]:
                    form.add_error(None, line)
            else:
                messages.success(request, _("Shipping rule saved. It applies to orders placed from now on."))
                return redirect("orders:merchant_shipping_rule")
    return render(
        request,
        "orders/merchant_shipping_rule.html",
        {"active": "merchant_shipping_rule", "form": form, "rule": rule},
    )
