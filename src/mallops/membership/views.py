"""Console pages of membership (R4.3.1): 会员等级 (tiers on the data table, create and edit with growth
threshold and benefits), 会员 (members on the data table with the tier distribution chart) and one member's
page (tier history and benefits received)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mallops.accounts.actors import request_actor
from mallops.console.lists import Column, DataTable, DateRange, Filter
from mallops.core.errors import DomainError
from mallops.core.words import error_lines, field_label, label, label_choices
from mallops.membership import selectors, services
from mallops.membership.forms import MembershipTierForm
from mallops.membership.models import Member, Tier
from mallops.privacy.registry import always_masked


def _need(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


def _refused(form: MembershipTierForm, error: DomainError) -> None:
    """Field errors under their fields (the service's paths are ``body.<field>``), the rest on top."""
    for item in error.errors:
        name = str(item.loc[-1]) if item.loc else ""
        name = "coupon_batch" if name == "coupon_batch_id" else name
        line = error_lines([item], "membership")[0]
        if name in form.fields:
            form.add_error(name, _(item.msg))
        else:
            form.add_error(None, line)
    if not error.errors:
        form.add_error(None, _("The action was refused."))


def _yes(value: bool) -> str:
    return _("Yes") if value else _("No")


def _benefits(row: Tier) -> str:
    parts = []
    if row.discount_percent:
        parts.append(_("%(percent)s%% off") % {"percent": row.discount_percent})
    if row.coupon_batch_id and row.coupons_per_period:
        parts.append(_("%(count)s coupons a month") % {"count": row.coupons_per_period})
    if row.free_shipping:
        parts.append(str(field_label("free_shipping", "membership")))
    if row.gift_points or row.gift_coupon_batch_id:
        gift = [_("%(points)s points") % {"points": row.gift_points}] if row.gift_points else []
        if row.gift_coupon_batch_id:
            gift.append(_("a coupon"))
        parts.append(_("Birthday gift: %(gift)s") % {"gift": _(", ").join(gift)})
    elif row.birthday_gift:
        parts.append(_("Birthday gift: %(gift)s") % {"gift": row.birthday_gift})
    return _(", ").join(parts) or "—"


@login_required
def tier_list(request: HttpRequest) -> HttpResponse:
    _need(request, "promotion.view")
    can_manage = request.user.has_perm("promotion.manage")
    table = DataTable(
        request,
        selectors.tiers().select_related("coupon_batch"),
        columns=[
            Column("rank", _("Tier rank"), kind="number", sort="rank"),
            Column(
                "name",
                _("Tier name"),
                sort="name",
                link=(lambda r: reverse("membership:tier_edit", args=[r.pk])) if can_manage else None,
            ),
            Column("min_growth", _("Growth threshold"), kind="number", sort="min_growth"),
            Column("benefits", _("Benefits"), value=_benefits),
            Column(
                "coupon_batch",
                _("Coupon batch per month"),
                value=lambda r: r.coupon_batch.name if r.coupon_batch else "—",
            ),
            Column("active", _("Tier in use"), value=lambda r: _yes(r.active)),
        ],
        search=["name", "code"],
        search_placeholder=_("Tier name or code"),
        default_sort="rank",
        export_name="member-tiers",
        testid="member-tiers",
        empty_title=_("No member tier yet."),
        empty_hint=_("Add tiers with a growth threshold and their benefits."),
    )
    if table.export_format:
        return table.export_response()
    return render(
        request,
        "membership/tiers.html",
        {"active": "membership_members", "table": table, "can_manage": can_manage},
    )


def _tier_form(request: HttpRequest, row: Tier | None) -> HttpResponse:
    _need(request, "promotion.manage")
    initial = MembershipTierForm.initial_from(row) if row is not None else None
    current = row.coupon_batch_id if row is not None else None
    form = MembershipTierForm(
        request.POST or None,
        initial=initial,
        current_batch=current,
        current_gift_batch=row.gift_coupon_batch_id if row is not None else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if row is None:
                services.tier_create(actor=request_actor(request), data=form.tier_input())
            else:
                services.tier_update(actor=request_actor(request), tier_id=row.pk, data=form.tier_input())
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Member tier saved."))
            return redirect("membership:tiers")
    return render(
        request,
        "membership/tier_form.html",
        {"active": "membership_members", "form": form, "row": row},
    )


@login_required
def tier_new(request: HttpRequest) -> HttpResponse:
    return _tier_form(request, None)


@login_required
def tier_edit(request: HttpRequest, tier_id: int) -> HttpResponse:
    _need(request, "promotion.manage")
    row = Tier.objects.filter(pk=tier_id).first()
    if row is None:
        raise Http404
    return _tier_form(request, row)


def masked_buyer(row: Member) -> str:
    """The buyer as the member list shows it: the masked name, else the username's first two characters."""
    buyer = row.buyer
    name = always_masked(buyer, "display_name") if getattr(buyer, "display_name", "") else ""
    return str(name) if name else f"{buyer.username[:2]}***"


def _next(row: Member, tiers: list[Tier]) -> str:
    following = selectors.next_tier(row.tier, tiers)
    if following is None:
        return "—"
    missing = max(following.min_growth - row.growth, 0)
    return _("%(tier)s (%(missing)s to go)") % {"tier": following.name, "missing": missing}


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    _need(request, "promotion.view")
    actor = request_actor(request)
    now = timezone.now()
    tiers = list(selectors.tiers())
    table = DataTable(
        request,
        selectors.with_stage(selectors.members(actor=actor), now=now),
        columns=[
            Column(
                "buyer",
                _("Buyer"),
                value=masked_buyer,
                link=lambda r: reverse("membership:member", args=[r.pk]),
            ),
            Column("tier", _("Member tier"), value=lambda r: r.tier.name if r.tier else _("No tier")),
            Column("growth", _("Growth value"), kind="number", sort="growth"),
            Column("next", _("Next tier"), value=lambda r: _next(r, tiers), export=True),
            Column("joined_at", _("Member joined at"), kind="datetime", sort="joined_at"),
            Column(
                "stage",
                _("Lifecycle stage"),
                kind="badge",
                display=lambda r: label(r.stage, "membership.stage"),
                tone=lambda r: {"at_risk": "warning", "lapsed": "neutral", "new": "info"}.get(
                    r.stage, "success"
                ),
            ),
        ],
        search=["buyer__username"],
        search_placeholder=_("Buyer username"),
        filters=[
            Filter("tier", _("Member tier"), [(t.pk, t.name) for t in tiers], lookup="tier_id"),
            Filter("stage", _("Lifecycle stage"), label_choices("membership.stage", selectors.Stage.values)),
        ],
        date_range=DateRange("joined_at", _("Member joined at")),
        default_sort="-growth",
        page_size=50,
        export_name="members",
        testid="members",
        empty_title=_("No members yet."),
        empty_hint=_("Members join a tier when the nightly recompute finds their growth value reaches it."),
    )
    if table.export_format:
        return table.export_response()
    distribution = selectors.tier_distribution(actor=actor)
    chart = {
        "tooltip": {"trigger": "item"},
        "xAxis": {"type": "category", "data": [t.name if t else _("No tier") for t, _n in distribution]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"name": _("Member count"), "type": "bar", "data": [n for _t, n in distribution]}],
    }
    return render(
        request,
        "membership/members.html",
        {
            "active": "membership_members",
            "table": table,
            "chart": chart if any(n for _t, n in distribution) else None,
            "total": sum(n for _t, n in distribution),
            "coupon_problems": [
                {"gift": g, "buyer": masked_buyer(g.member)}
                for g in selectors.birthday_coupons_to_check(actor=actor, now=now).select_related(
                    "member__buyer"
                )[:20]
            ],
        },
    )


@login_required
def member_detail(request: HttpRequest, member_id: int) -> HttpResponse:
    _need(request, "promotion.view")
    actor = request_actor(request)
    row = selectors.member(actor=actor, member_id=member_id, now=timezone.now())
    tiers = list(selectors.tiers())
    names = {t.code: t.name for t in tiers}
    history = [
        {
            "at": e.at,
            "kind": label(e.kind, "membership.event_kind"),
            "from": names.get(e.from_tier, e.from_tier) or "—",
            "to": names.get(e.to_tier, e.to_tier) or _("No tier"),
            "growth": e.growth,
            "effective_at": e.effective_at,
        }
        for e in reversed(selectors.member_lifecycle(actor=actor, buyer_id=row.buyer_id))
    ]
    coupons = [
        {
            "batch": c.batch.name,
            "claimed_at": c.claimed_at,
            "expires_at": c.expires_at,
            "status": label(c.status, "membership.coupon_status"),
            "status_code": c.status,
        }
        for c in selectors.benefit_coupons(actor=actor, buyer_id=row.buyer_id)[:100]
    ]
    return render(
        request,
        "membership/member.html",
        {
            "active": "membership_members",
            "member": row,
            "buyer": masked_buyer(row),
            "next": _next(row, tiers),
            "stage": label(getattr(row, "stage", ""), "membership.stage"),
            "benefits": _benefits(row.tier) if row.tier else "—",
            "history": history,
            "coupons": coupons,
            "gifts": selectors.birthday_gifts(actor=actor, buyer_id=row.buyer_id)[:20],
            "tier_names": names,
        },
    )
