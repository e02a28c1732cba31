"""The buyer's own pages of the storefront: sign-in and sign-out, 我的, the address book and the privacy
centre. Each view parses the form, calls one service of the owning app and renders (zh-hans, phone first).

Sign-in is the console's form (the same brute-force lock and failure counter, ``accounts.services``) with
the opposite door rule: only buyer accounts sign in here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mallops.accounts import profile
from mallops.accounts.actors import request_actor
from mallops.accounts.roles import Kind
from mallops.console.views import ThrottledAuthenticationForm
from mallops.core.errors import DomainError
from mallops.storefront import search_selectors, selectors
from mallops.storefront.views import _buyer_or_redirect


class BuyerSignInForm(ThrottledAuthenticationForm):
    """The console's throttled sign-in, for buyer accounts only (staff sign in at the console)."""

    def confirm_login_allowed(self, user: Any) -> None:
        AuthenticationForm.confirm_login_allowed(self, user)
        if getattr(user, "kind", "") != Kind.BUYER:
            raise forms.ValidationError("not a buyer account", code="not_buyer")


SIGN_IN_ERRORS = {
    "locked": "登录失败次数过多，请稍后再试",
    "not_buyer": "该账号不是买家账号，商家和平台人员请从工作台登录",
    "inactive": "该账号已停用",
}


def _next_url(request: HttpRequest, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted.startswith("/shop/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """登录: a buyer signs in with the username or mobile number and the password."""
    target = _next_url(request, reverse("storefront:me"))
    if request.user.is_authenticated and getattr(request.user, "kind", None) == Kind.BUYER:
        return redirect(target)
    form = BuyerSignInForm(request, data=request.POST if request.method == "POST" else None)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            auth_login(request, form.get_user())
            return redirect(target)
        codes = [e.code for e in form.non_field_errors().as_data()] if form.errors else []
        error = next((SIGN_IN_ERRORS[c] for c in codes if c in SIGN_IN_ERRORS), "账号或密码不正确")
    return render(
        request,
        "storefront/account/sign_in.html",
        {"error": error, "next": target, "username": request.POST.get("username", "")[:64]},
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return redirect("storefront:home")


@require_GET
def me(request: HttpRequest) -> HttpResponse:
    """我的: the buyer's name and the links to everything that is theirs."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    return render(
        request,
        "storefront/account/me.html",
        {"personalised": search_selectors.is_personalised(request.user)},
    )


# ---------------------------------------------------------------- addresses

ADDRESS_ERRORS = {
    "recipient": "收货人请填写 2 至 20 个字",
    "phone": "请填写 11 位手机号码",
    "province": "请选择省份",
    "city": "城市请填写 2 至 30 个汉字，如 杭州市",
    "district": "区县请填写 2 至 30 个汉字，如 西湖区",
    "detail": "详细地址请填写 5 至 120 个字",
}


def _address_input(request: HttpRequest) -> dict[str, str]:
    return {name: request.POST.get(name, "").strip()[:200] for name in profile.ADDRESS_FIELDS}


def _field_errors(error: DomainError) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in error.errors:
        name = str(item.loc[-1]) if item.loc else ""
        found[name] = ADDRESS_ERRORS.get(name, "请检查填写的内容")
    if not found:
        found["form"] = (
            f"最多保存 {profile.MAX_ADDRESSES} 个收货地址"
            if error.status == 409
            else "保存未成功，请稍后重试"
        )
    return found


@require_GET
def addresses(request: HttpRequest) -> HttpResponse:
    """收货地址: the buyer's address book, default first."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    return render(
        request,
        "storefront/account/addresses.html",
        {"addresses": selectors.addresses(buyer=request.user), "next": _next_url(request, "")},
    )


@require_http_methods(["GET", "POST"])
def address_edit(request: HttpRequest, address_id: int | None = None) -> HttpResponse:
    """Add (no id) or change one address; ``next`` brings the buyer back (e.g. to the checkout)."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    row = None
    if address_id is not None:
        try:
            row = profile.address_get(actor=request_actor(request), address_id=address_id)
        except DomainError as error:
            raise Http404("address") from error
    values = {name: getattr(row, name) for name in profile.ADDRESS_FIELDS} if row else {}
    is_default = bool(row and row.is_default)
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _address_input(request)
        is_default = bool(request.POST.get("is_default")) or is_default
        try:
            if row is None:
                profile.address_create(
                    actor=request_actor(request),
                    data=profile.AddressInput(**values, is_default=is_default),
                )
            else:
                changes: dict[str, Any] = {**values}
                if is_default and not row.is_default:
                    changes["is_default"] = True
                profile.address_update(actor=request_actor(request), address_id=row.pk, changes=changes)
        except DomainError as error:
            errors = _field_errors(error)
        else:
            messages.success(request, "收货地址已保存")
            return redirect(_next_url(request, reverse("storefront:addresses")))
    return render(
        request,
        "storefront/account/address_form.html",
        {
            "row": row,
            "values": values,
            "is_default": is_default,
            "errors": errors,
            "provinces": profile.PROVINCES,
            "next": _next_url(request, ""),
        },
    )


@require_POST
def address_action(request: HttpRequest, address_id: int, action: str) -> HttpResponse:
    """设为默认 or 删除 one of the buyer's addresses."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    try:
        if action == "default":
            profile.address_update(
                actor=request_actor(request), address_id=address_id, changes={"is_default": True}
            )
            messages.success(request, "已设为默认地址")
        elif action == "delete":
            profile.address_delete(actor=request_actor(request), address_id=address_id)
            messages.success(request, "收货地址已删除")
        else:
            raise Http404("action")
    except DomainError as error:
        raise Http404("address") from error
    return redirect(_next_url(request, reverse("storefront:addresses")))


# ---------------------------------------------------------------- privacy centre

# what a buyer may ask for here (withdrawal is the consent toggle itself)
REQUEST_KINDS = ("access", "portability", "correction", "deletion")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """隐私中心: the current privacy policy, a toggle per consent purpose (个性化推荐 on its own at the top:
    the E-Commerce Law Art. 18 switch) and the buyer's data-subject requests with their status."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    from mallops.dsr import consent, requests
    from mallops.dsr.contracts import Purpose
    from mallops.dsr.models import RequestKind

    policy = consent.current_policy()
    states = consent.consent_states(request.user)[1] if policy is not None else []
    switch = next((s for s in states if s.purpose == Purpose.PERSONALISATION), None)
    return render(
        request,
        "storefront/account/privacy.html",
        {
            "policy": policy,
            "switch": switch,
            "personalised": search_selectors.is_personalised(request.user),
            "states": [s for s in states if s.purpose != Purpose.PERSONALISATION],
            "requests": requests.buyer_requests(actor=request_actor(request))[:20],
            "kinds": [(kind, RequestKind(kind).label) for kind in REQUEST_KINDS],
        },
    )


@require_POST
def privacy_consent(request: HttpRequest) -> HttpResponse:
    """Grant or withdraw one purpose of the current policy (``dsr.consent.consent_change``)."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    from mallops.dsr import consent

    action = request.POST.get("action", "")
    try:
        state = consent.consent_change(
            actor=request_actor(request), purpose=request.POST.get("purpose", ""), action=action
        )
    except DomainError:
        messages.error(request, "设置未保存，请刷新页面后重试")
    else:
        messages.success(request, f"已{'开启' if action == 'grant' else '关闭'}：{state.name}")
    return redirect("storefront:privacy")


@require_POST
def privacy_request(request: HttpRequest) -> HttpResponse:
    """File a data-subject request (查阅、复制 / 转移 / 更正、补充 / 删除); answered within 15 working days."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    from mallops.dsr import requests

    kind = request.POST.get("kind", "")
    if kind not in REQUEST_KINDS:
        messages.error(request, "请选择请求类型")
        return redirect("storefront:privacy")
    try:
        row = requests.request_submit(
            actor=request_actor(request), kind=kind, note=request.POST.get("note", "")[:2000]
        )
    except DomainError as error:
        if error.status == 409:
            messages.error(request, "同类请求正在处理中，请等待答复")
        elif any(e.code == "required" for e in error.errors):
            messages.error(request, "更正请求请写明哪里不对、正确的是什么（至少 5 个字）")
        else:
            messages.error(request, "提交未成功，请检查后重试")
    else:
        messages.success(request, f"请求已提交，我们将在 {row.due_at:%Y-%m-%d} 前答复")
    return redirect("storefront:privacy")


# ---------------------------------------------------------------- 确认收货


@require_POST
def order_confirm(request: HttpRequest, order_id: int) -> HttpResponse:
    """确认收货 of the buyer's own shipped or delivered order (``orders.services.buyer_order_confirm``)."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    from mallops.orders import services as orders

    try:
        orders.buyer_order_confirm(actor=request_actor(request), order_id=order_id)
    except DomainError as error:
        if error.status == 404:
            raise Http404("order") from error
        messages.error(request, "当前订单不能确认收货")
    else:
        messages.success(request, "已确认收货，欢迎评价商品")
    return redirect("storefront:order", order_id=order_id)


@require_POST
def order_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    """取消订单 of the buyer's own unpaid order (``orders.services.buyer_order_cancel``)."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    from mallops.orders import services as orders

    try:
        orders.buyer_order_cancel(actor=request_actor(request), order_id=order_id)
    except DomainError as error:
        if error.status == 404:
            raise Http404("order") from error
        messages.error(request, "当前订单不能取消")
    else:
        messages.success(request, "订单已取消")
    return redirect("storefront:order", order_id=order_id)
