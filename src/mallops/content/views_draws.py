"""Console pages of lucky draws (R4.4.1): the list, a new draw (prizes typed in 元; the prize cap refusal
shown on the prize's field with its article), and a draw's page: the commitment before the draw, the
revealed seed and winners after, how to verify, and the start / entries / draw steps."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mallops.console.formats import yuan
from mallops.console.lists import Column, DataTable, Filter
from mallops.content import conf, lottery, selectors
from mallops.content.errors import ContentCode
from mallops.content.forms import LuckyDrawForm
from mallops.content.models import DrawStatus, LuckyPrize, LuckyWinner
from mallops.content.views import _operator
from mallops.core.errors import DomainError
from mallops.core.words import error_lines, label, label_choices

ACTIVE = "content_draws"


def _refusal(error: DomainError) -> str:
    known = {code.value: code.zh for code in ContentCode}
    return known.get(str(error.code)) or _("The action was refused.")


@login_required
def draw_list(request: HttpRequest) -> HttpResponse:
    actor = _operator(request)
    table = DataTable(
        request,
        selectors.draws(actor=actor),
        columns=[
            Column("title", _("Title"), link=lambda r: reverse("content:draw", args=[r.pk])),
            Column(
                "status",
                _("Status"),
                kind="badge",
                display=lambda r: label(r.status, "content.draw_status"),
                sort="status",
            ),
            Column("draw_at", _("Draw time"), kind="datetime", sort="draw_at"),
            Column("entrant_count", _("Entries"), sort="entrant_count"),
            Column("prize_cost_fen", _("Prize cost"), kind="money", sort="prize_cost_fen"),
        ],
        search=["title"],
        search_placeholder=_("Title"),
        filters=[Filter("status", _("Status"), label_choices("content.draw_status", DrawStatus.values))],
        default_sort="-draw_at",
        export_name="lucky-draws",
        empty_title=_("No lucky draw yet."),
        empty_hint=_("Write the rules and prizes of a lucky draw, then start it to publish its commitment."),
        empty_action_url=reverse("content:draw_new"),
        empty_action_label=_("New lucky draw"),
        testid="content-draws",
    )
    if table.export_format:
        return table.export_response()
    return render(request, "content/draws.html", {"active": ACTIVE, "table": table})


@login_required
def draw_new(request: HttpRequest) -> HttpResponse:
    actor = _operator(request)
    form = LuckyDrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rows = form.prizes()
        try:
            row = lottery.draw_create(
                actor=actor,
                title=form.cleaned_data["title"],
                rules=form.cleaned_data["rules"],
                draw_at=form.cleaned_data["draw_at"],
                prizes=[lottery.PrizeInput(name, value, quantity) for _n, name, value, quantity in rows],
            )
        except DomainError as error:
            if error.code == ContentCode.PRIZE_OVER_CAP:
                cap = int(error.extra.get("cap_fen", conf.value("LOTTERY_MAX_PRIZE_FEN")))
                basis = str(error.extra.get("basis", conf.PRIZE_CAP_BASIS))
                for problem in error.errors:
                    index = problem.loc[2] if len(problem.loc) > 2 else 0
                    number = rows[int(index)][0] if int(index) < len(rows) else 1
                    form.add_error(
                        f"prize_{number}_value",
                        _("A single prize may be worth at most %(cap)s (%(basis)s).")
                        % {"cap": yuan(cap), "basis": basis},
                    )
            else:
                form.add_error(None, _refusal(error))
                for line in error_lines(error.errors, "content"):
                    form.add_error(None, line)
        else:
            messages.success(request, _("Lucky draw saved. Start it to publish its rules and commitment."))
            return redirect("content:draw", draw_id=row.pk)
    return render(request, "content/draw_new.html", {"active": ACTIVE, "form": form})


@login_required
def draw_detail(request: HttpRequest, draw_id: int) -> HttpResponse:
    actor = _operator(request)
    try:
        row = selectors.lucky_draw(actor=actor, draw_id=draw_id)
    except DomainError as error:
        raise Http404 from error
    prizes = list(LuckyPrize.objects.filter(draw=row).order_by("position"))
    winners = list(LuckyWinner.objects.filter(draw=row).select_related("prize", "entrant").order_by("rank"))
    context: dict[str, Any] = {
        "active": ACTIVE,
        "draw": row,
        "prizes": prizes,
        "winners": winners,
        "is_draft": row.status == DrawStatus.DRAFT,
        "is_open": row.status == DrawStatus.OPEN,
        "is_drawn": row.status == DrawStatus.DRAWN,
        "verify_command": f"mallops content verify-draw {row.pk}",
    }
    return render(request, "content/draw_detail.html", context)


@login_required
@require_POST
def draw_act(request: HttpRequest, draw_id: int, action: str) -> HttpResponse:
    actor = _operator(request)
    if action not in {"start", "entrants", "draw"}:
        raise Http404
    try:
        if action == "start":
            lottery.draw_start(actor=actor, draw_id=draw_id)
            messages.success(request, _("The lucky draw is open; its commitment is published."))
        elif action == "entrants":
            codes = [c for c in request.POST.get("codes", "").splitlines() if c.strip()]
            added = lottery.entrant_add(actor=actor, draw_id=draw_id, codes=codes)
            messages.success(request, _("Entries recorded: %(n)s new.") % {"n": added})
        else:
            lottery.draw_run(actor=actor, draw_id=draw_id)
            messages.success(request, _("Drawn. The seed is revealed; anyone can check the winners."))
    except DomainError as error:
        if error.status == 404:
            raise Http404 from error
        messages.error(request, _refusal(error))
        for line in error_lines(error.errors, "content"):
            messages.error(request, line)
    return redirect("content:draw", draw_id=draw_id)
