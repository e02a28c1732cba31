"""Console pages of tier strategies (R4.1.2) and targeted campaigns (R4.2.1): lists on the DataTable, the
create forms (the campaign form previews its audience count), run and campaign pages with their results
and a chart of conversion against the holdout."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.console.lists import Column, DataTable, Filter
from mallops.core.actors import Actor
from mallops.core.errors import DomainError
from mallops.core.words import error_lines, label
from mallops.marketing import campaigns as campaign_services
from mallops.marketing import selectors
from mallops.marketing import strategies as strategy_services
from mallops.marketing.forms import MarketingCampaignForm, MarketingStrategyForm
from mallops.marketing.models import Action, Campaign
from mallops.marketing.tags import TARGETING
from mallops.marketing.targeting import Results
from mallops.membership.selectors import tiers
from mallops.pricing.selectors import platform_batches, platform_promotions

VIEW = "promotion.view"
MANAGE = "promotion.manage"


def _need(request: HttpRequest, permission: str | tuple[str, ...]) -> Actor:
    """The user when they hold ``permission`` (any one of a tuple), else 403."""
    wanted = (permission,) if isinstance(permission, str) else permission
    if not any(request.user.has_perm(p) for p in wanted):
        raise PermissionDenied(wanted[0])
    return request_actor(request)


def _acting(request: HttpRequest, permission: str | tuple[str, ...]) -> Actor:
    """``_need``, then the typed actor for a service call (issue 16)."""
    _need(request, permission)
    return request_actor(request)


def _refused(request: HttpRequest, error: DomainError, form: Any = None) -> None:
    lines = [label(error.code, "marketing.problem"), *error_lines(error.errors, "marketing")]
    for line in lines:
        if form is not None:
            form.add_error(None, line)
        else:
            messages.error(request, line)


def _percent(value: Any) -> str:
    return "—" if value is None else f"{float(value * 100):.1f}%"


def _results_context(result: Results | None) -> dict[str, Any]:
    if result is None:
        return {"results": None, "chart": None}
    chart = {
        "xAxis": {"type": "category", "data": [_("Reached buyers"), _("Holdout")]},
        "yAxis": {"type": "value", "axisLabel": {"formatter": "{value}%"}},
        "series": [
            {
                "name": _("Conversion rate (%)"),
                "type": "bar",
                "data": [
                    round(float(result.conversion_rate or 0) * 100, 2),
                    round(float(result.holdout_conversion_rate or 0) * 100, 2),
                ],
            }
        ],
    }
    return {
        "results": {
            "reach": result.reach,
            "conversions": result.conversions,
            "orders": result.orders,
            "gmv_fen": result.gmv_fen,
            "cost_fen": result.cost_fen,
            "roi": _percent(result.roi),
            "conversion_rate": _percent(result.conversion_rate),
            "holdout_size": result.holdout_size,
            "holdout_conversions": result.holdout_conversions,
            "holdout_conversion_rate": _percent(result.holdout_conversion_rate),
            "uplift": _percent(result.uplift),
        },
        "chart": chart,
    }


def _tier_names() -> dict[str, str]:
    return {code: name for code, name in tiers().values_list("code", "name")}


def _batches(actor: Actor) -> list[tuple[int, str]]:
    return [(b.pk, b.name) for b in platform_batches(actor=actor).filter(status="active")[:200]]


# --- tier strategies --------------------------------------------------------------------------------------


@login_required
def strategy_list(request: HttpRequest) -> HttpResponse:
    actor = _need(request, VIEW)
    form = MarketingStrategyForm(request.POST or None, batches=_batches(actor))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            strategy = strategy_services.strategy_create(
                actor=_acting(request, MANAGE),
                name=data["name"],
                action=data["action"],
                segment=data["segment"] or "",
                tier_code=data["tier_code"] or "",
                channel_id=data["channel"].pk if data["channel"] else None,
                coupon_batch_id=data["coupon_batch_id"],
                holdout_percent=data["holdout_percent"],
                measure_days=data["measure_days"],
            )
        except DomainError as error:
            _refused(request, error, form)
        else:
            messages.success(request, _("Strategy created."))
            return redirect("marketing:strategy", strategy.pk)
    names = _tier_names()
    table = DataTable(
        request,
        selectors.strategies(actor=actor),
        columns=[
            Column(
                "name",
                _("Strategy name"),
                sort="name",
                link=lambda s: reverse("marketing:strategy", args=[s.pk]),
            ),
            Column(
                "segment", _("Buyer segment"), value=lambda s: label(s.segment, "marketing.segment") or "—"
            ),
            Column(
                "tier_code", _("Membership tier"), value=lambda s: names.get(s.tier_code, s.tier_code) or "—"
            ),
            Column(
                "action",
                _("Strategy action"),
                kind="badge",
                display=lambda s: label(s.action, "marketing.action"),
            ),
            Column("holdout_percent", _("Holdout (%)"), kind="number"),
            Column("measure_days", _("Measured over (days)"), kind="number"),
        ],
        filters=[
            Filter(
                "action",
                _("Strategy action"),
                [(a.value, label(a.value, "marketing.action")) for a in Action],
            )
        ],
        search=["name"],
        search_placeholder=_("Strategy name"),
        default_sort="name",
        empty_title=_("No tier strategy yet."),
        empty_hint=_(
            "Map a segment or a membership tier to care tasks, a retargeting list or a win-back coupon."
        ),
        testid="strategies",
    )
    if table.export_format:
        return table.export_response()
    return render(
        request,
        "marketing/strategies.html",
        {
            "active": "marketing_campaigns",
            "table": table,
            "form": form,
            "can_manage": request.user.has_perm(MANAGE),
        },
    )


@login_required
def strategy_page(request: HttpRequest, strategy_id: int) -> HttpResponse:
    actor = _need(request, VIEW)
    try:
        strategy = selectors.strategy_get(actor=actor, strategy_id=strategy_id)
    except DomainError:
        raise Http404("strategy") from None
    table = DataTable(
        request,
        selectors.strategy_runs(actor=actor, strategy_id=strategy.pk),
        columns=[
            Column(
                "started_at",
                _("Run at"),
                kind="datetime",
                sort="started_at",
                link=lambda r: reverse("marketing:strategy_run", args=[r.pk]),
            ),
            Column("trigger", _("Started by"), value=lambda r: label(r.trigger, "marketing.trigger")),
            Column("matched", _("Matched buyers"), kind="number"),
            Column("no_consent", _("Without marketing consent"), kind="number"),
            Column("held_out", _("Holdout"), kind="number"),
            Column("acted", _("Acted on"), kind="number"),
            Column("skipped", _("Skipped"), kind="number"),
            Column(
                "error",
                _("Run failed"),
                value=lambda r: label(r.error, "marketing.problem") if r.error else "",
            ),
        ],
        default_sort="-started_at",
        empty_title=_("This strategy has not run yet."),
        empty_hint=_("It runs every day at 04:40, or now with the button above."),
        testid="strategy-runs",
    )
    if table.export_format:
        return table.export_response()
    return render(
        request,
        "marketing/strategy.html",
        {
            "active": "marketing_campaigns",
            "strategy": strategy,
            "tier_name": _tier_names().get(strategy.tier_code, strategy.tier_code),
            "table": table,
            "can_manage": request.user.has_perm(MANAGE),
        },
    )


@login_required
@require_POST
def strategy_run_now(request: HttpRequest, strategy_id: int) -> HttpResponse:
    actor = _acting(request, MANAGE)
    try:
        run = strategy_services.strategy_run(actor=actor, strategy_id=strategy_id)
    except DomainError as error:
        _refused(request, error)
        return redirect("marketing:strategy", strategy_id)
    messages.success(request, _("Strategy run: %(acted)s buyers acted on.") % {"acted": run.acted})
    return redirect("marketing:strategy_run", run.pk)


@login_required
def strategy_run_page(request: HttpRequest, run_id: int) -> HttpResponse:
    actor = _need(request, VIEW)
    try:
        run = selectors.strategy_run_get(actor=actor, run_id=run_id)
    except DomainError:
        raise Http404("run") from None
    if request.GET.get("export") == "retarget":
        try:
            text = strategy_services.retarget_export(
                actor=actor, run=run, purpose=request.GET.get("purpose", "")[:200]
            )
        except DomainError:
            messages.error(request, _("State the export purpose: the rows hold personal data."))
            return redirect("marketing:strategy_run", run.pk)
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="retarget-run-{run.pk}.csv"'
        return response
    context = _results_context(None if run.error else strategy_services.run_results(run=run))
    return render(
        request,
        "marketing/strategy_run.html",
        {
            "active": "marketing_campaigns",
            "run": run,
            "is_retarget": run.strategy.action == Action.RETARGET_LIST,
            **context,
        },
    )


# --- campaigns ------------------------------------------------------------------------------------------


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    actor = _need(request, VIEW)
    table = DataTable(
        request,
        selectors.campaigns(actor=actor),
        columns=[
            Column(
                "name",
                _("Campaign name"),
                sort="name",
                link=lambda c: reverse("marketing:campaign", args=[c.pk]),
            ),
            Column(
                "status",
                _("Status"),
                kind="badge",
                display=lambda c: label(c.status, "marketing.campaign_status"),
            ),
            Column("channel", _("Marketing channel"), value=lambda c: c.channel.name),
            Column("offer_kind", _("Offer"), value=lambda c: label(c.offer_kind, "marketing.offer_kind")),
            Column("starts_at", _("Starts at"), kind="datetime", sort="starts_at"),
            Column("ends_at", _("Ends at"), kind="datetime", sort="ends_at"),
        ],
        filters=[
            Filter(
                "status",
                _("Status"),
                [(s.value, label(s.value, "marketing.campaign_status")) for s in Campaign.Status],
            )
        ],
        search=["name"],
        search_placeholder=_("Campaign name"),
        default_sort="-starts_at",
        empty_title=_("No campaign yet."),
        empty_hint=_("Create a campaign: an audience, an offer, a message, a channel and a schedule."),
        testid="campaigns",
    )
    if table.export_format:
        return table.export_response()
    return render(
        request,
        "marketing/campaigns.html",
        {
            "active": "marketing_campaigns",
            "table": table,
            "can_manage": any(request.user.has_perm(p) for p in TARGETING),  # the 新建 button
        },
    )


def _offers(actor: Actor) -> list[tuple[str, str]]:
    coupon = _("Coupon")
    promotion = _("Promotion")
    return [
        *((f"coupon:{pk}", f"{coupon}：{name}") for pk, name in _batches(actor)),
        *(
            (f"promotion:{p.pk}", f"{promotion}：{p.name}")
            for p in platform_promotions(actor=actor, platform_only=True)[:200]
        ),
    ]


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    actor = _need(request, TARGETING)
    form = MarketingCampaignForm(request.POST or None, offers=_offers(actor))
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:
            preview = selectors.audience_preview(
                actor=actor,
                segment=data["segment"] or "",
                tier_code=data["tier_code"] or "",
                tags=form.tag_list(),
                holdout_percent=data["holdout_percent"],
            )
        else:
            kind, _sep, offer_id = data["offer"].partition(":")
            try:
                campaign = campaign_services.campaign_create(
                    actor=request_actor(request),
                    data=campaign_services.CampaignInput(
                        name=data["name"],
                        channel_id=data["channel"].pk,
                        offer_kind=kind,
                        coupon_batch_id=int(offer_id) if kind == "coupon" else None,
                        promotion_id=int(offer_id) if kind == "promotion" else None,
                        message=data["message"],
                        starts_at=data["starts_at"],
                        ends_at=data["ends_at"],
                        segment=data["segment"] or "",
                        tier_code=data["tier_code"] or "",
                        tags=tuple(form.tag_list()),
                        holdout_percent=data["holdout_percent"],
                        message_cost_fen=data["message_cost"] or 0,
                    ),
                )
            except DomainError as error:
                _refused(request, error, form)
            else:
                messages.success(request, _("Campaign saved as a draft."))
                return redirect("marketing:campaign", campaign.pk)
    return render(
        request,
        "marketing/campaign_new.html",
        {"active": "marketing_campaigns", "form": form, "preview": preview},
    )


@login_required
def campaign_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    actor = _need(request, VIEW)
    try:
        campaign = selectors.campaign_get(actor=actor, campaign_id=campaign_id)
    except DomainError:
        raise Http404("campaign") from None
    if request.method == "POST":
        _need(request, MANAGE)
        step = request.POST.get("step", "")
        try:
            if step == "approve":
                campaign_services.campaign_approve(
                    actor=request_actor(request),
                    campaign_id=campaign.pk,
                    acknowledge_findings=request.POST.get("acknowledge_findings") == "on",
                )
                messages.success(request, _("Campaign approved."))
            elif step == "launch":
                campaign_services.campaign_launch(actor=request_actor(request), campaign_id=campaign.pk)
                messages.success(request, _("Campaign launched."))
            elif step == "finish":
                campaign_services.campaign_finish(actor=request_actor(request), campaign_id=campaign.pk)
                messages.success(request, _("Campaign finished."))
        except DomainError as error:
            _refused(request, error)
        return redirect("marketing:campaign", campaign.pk)
    findings = (
        campaign.findings
        if campaign.status != Campaign.Status.DRAFT
        else campaign_services.campaign_findings(campaign)
    )
    return render(
        request,
        "marketing/campaign.html",
        {
            "active": "marketing_campaigns",
            "campaign": campaign,
            "offer_text": campaign_services.offer_text(campaign),
            "tier_name": _tier_names().get(campaign.tier_code, campaign.tier_code),
            "findings": findings,
            "can_manage": request.user.has_perm(MANAGE),
            **_results_context(campaign_services.campaign_results(campaign=campaign)),
        },
    )
