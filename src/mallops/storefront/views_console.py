"""Console page 搜索排序解释 (R2.1.1 step 4): content operations pick a live product and read its 综合 rank
for a search word and a category, each ranking input's value, weight and contribution, for everybody and
for a personalised buyer side by side (docs/storefront.md, Ranking)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from mallops.core.inputs import is_ascii_digits
from mallops.core.words import label
from mallops.storefront import search_selectors, selectors

PERMISSION = "content.manage"


def _int(value: str | None) -> int | None:
    return int(value) if value and is_ascii_digits(value, max_digits=11) else None


def _chart(report: search_selectors.RankingReport) -> dict[str, Any]:
    """A horizontal bar per factor: its contribution to the score, for everybody and personalised."""
    names = [label(row.factor, "storefront.factor") for _plain, row in report.rows]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "data": names, "inverse": True},
        "series": [
            {
                "name": _("Everyone (not personalised)"),
                "type": "bar",
                "data": [plain.contribution if plain else 0 for plain, _row in report.rows],
            },
            {
                "name": _("Personalised"),
                "type": "bar",
                "data": [row.contribution for _plain, row in report.rows],
            },
        ],
    }


@login_required
def ranking_explained(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied(PERMISSION)
    find = request.GET.get("find", "").strip()[:60]
    query = request.GET.get("query", "").strip()[:60]
    categories = selectors.categories()
    codes = {c.code for c in categories}
    category = request.GET.get("category", "")
    category = category if category in codes else ""
    product_id = _int(request.GET.get("product"))
    report = (
        search_selectors.ranking_report(product_id=product_id, query=query, category=category)
        if product_id
        else None
    )
    context: dict[str, Any] = {
        "active": "storefront_ranking",
        "find": find,
        "query": query,
        "category": category,
        "categories": categories,
        "candidates": search_selectors.ranking_products(text=find) if find else [],
        "product_id": product_id,
        "report": report,
        "chart": _chart(report) if report is not None else None,
        "variants": [
            (report.everyone, _("Everyone (not personalised)")),
            (report.personalised, _("Personalised: a buyer who bought in its category")),
        ]
        if report is not None
        else [],
        "chart_height": 60 + 44 * len(report.rows) if report is not None else 0,
    }
    return render(request, "storefront/console/ranking.html", context)
