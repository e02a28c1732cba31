"""The buyer writes: a review of a delivered order line (rating, text, pictures), a follow-up review, a
question about a product. Every write goes through ``product_reviews.services``, so the compliance engine
(and the risk engine) judge the text and content operations moderate it; the author then sees its state
(已发布 / 待审核 / 已隐藏（原因）) on 我的评价."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mallops.accounts.actors import request_actor
from mallops.core.errors import DomainError
from mallops.core.inputs import is_ascii_digits
from mallops.product_reviews import selectors as reviews
from mallops.product_reviews import services as review_services
from mallops.product_reviews.models import MAX_PICTURES, MAX_TEXT
from mallops.risk.flows import request_context
from mallops.storefront import selectors
from mallops.storefront.views import _buyer_or_redirect

REVIEW_ERRORS = {
    "already_reviewed": "这件商品已经评价过了",
    "not_delivered": "确认收货后才能评价",
    "compliance_blocked": "内容含有违规信息，请修改后再提交",
    "risk_blocked": "提交过于频繁或存在异常，请稍后再试",
    "follow_up_closed": "评价满 180 天后不能再追评",
    "already_followed_up": "这条评价已经追评过了",
    "not_a_buyer_of_product": "购买过该商品的买家才能回答",
    "required": "请填写内容",
    "too_long": f"最多 {MAX_TEXT} 字",
    "out_of_range": "请选择 1 至 5 星",
    "too_many": f"最多 {MAX_PICTURES} 张图片",
    "too_large": "图片不能超过 5 MB",
    "too_small": "图片的宽和高至少 200 像素",
    "too_many_pixels": "图片尺寸过大，请上传 6400 万像素以内的图片",
    "unsupported_type": "只能上传 JPG、PNG 或 WebP 图片",
    "unreadable_image": "无法识别这张图片",
    "empty": "图片文件是空的",
}


def error_text(error: DomainError) -> str:
    """The buyer-facing sentence of a refusal (the first known code; a general one otherwise)."""
    codes = [str(error.code), *(str(item.code) for item in error.errors)]
    return next((REVIEW_ERRORS[c] for c in codes if c in REVIEW_ERRORS), "提交未成功，请检查后重试")


def _state(item: Any) -> tuple[str, str]:
    """(text, css modifier) of a moderated text's visibility, as its author sees it."""
    if item.status == "visible":
        return "已发布", "is-ok"
    if item.status == "pending":
        return "待审核", "is-wait"
    return f"已隐藏（{item.hidden_reason}）", "is-bad"


def _own_line(request: HttpRequest, order_id: int, line_id: int) -> tuple[Any, Any]:
    try:
        order = selectors.my_order(buyer=request.user, order_id=order_id)
    except DomainError as error:
        raise Http404("order") from error
    line = next((ln for ln in order.lines.all() if ln.pk == line_id), None)
    if line is None:
        raise Http404("order line")
    return order, line


@require_http_methods(["GET", "POST"])
def review_write(request: HttpRequest, order_id: int, line_id: int) -> HttpResponse:
    """评价: rating, text and up to MAX_PICTURES pictures for one line of the buyer's delivered order."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    order, line = _own_line(request, order_id, line_id)
    error = ""
    values = {"rating": request.POST.get("rating", ""), "text": request.POST.get("text", "")[: MAX_TEXT + 1]}
    if request.method == "POST":
        pictures = request.FILES.getlist("pictures")
        try:
            if len(pictures) > MAX_PICTURES:
                raise DomainError(detail="too many pictures", code="too_many", status=422)
            rating = int(values["rating"]) if is_ascii_digits(values["rating"], max_digits=2) else 0
            actor = request_actor(request)
            review = review_services.review_create(
                actor=actor,
                order_line_id=line.pk,
                rating=rating,
                text=values["text"],
                context=request_context(request),
            )
        except DomainError as err:
            error = error_text(err)
        else:
            refused_pictures = []
            for upload in pictures:
                try:
                    review_services.picture_add(actor=actor, review_id=review.pk, upload=upload)
                except DomainError as err:
                    refused_pictures.append(f"{upload.name}：{error_text(err)}")
            text, _css = _state(review)
            messages.success(request, f"评价已提交（{text}）")
            for note in refused_pictures:
                messages.warning(request, f"图片未上传 {note}")
            return redirect("storefront:my_reviews")
    return render(
        request,
        "storefront/account/review_form.html",
        {
            "order": order,
            "line": line,
            "values": values,
            "error": error,
            "max_pictures": MAX_PICTURES,
            "max_text": MAX_TEXT,
        },
    )


@require_GET
def my_reviews(request: HttpRequest) -> HttpResponse:
    """我的评价: every review of the buyer with its state, follow-up and the store's reply."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    rows = []
    # the line's title names the goods (one join, not one query per review)
    for review in reviews.my_reviews(actor=request_actor(request)).select_related("order_line")[:50]:
        follow_up = getattr(review, "follow_up", None)
        reply = getattr(review, "reply", None)
        rows.append(
            {
                "review": review,
                "state": _state(review),
                "follow_up": follow_up,
                "follow_up_state": _state(follow_up) if follow_up is not None else None,
                "reply": reply if reply is not None and reply.status == "visible" else None,
            }
        )
    return render(
        request,
        "storefront/account/reviews.html",
        {"rows": rows, "max_text": MAX_TEXT, "error": request.GET.get("error", "")[:100]},
    )


@require_POST
def follow_up(request: HttpRequest, review_id: int) -> HttpResponse:
    """追评 of one of the buyer's own reviews."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    try:
        row = review_services.follow_up_create(
            actor=request_actor(request), review_id=review_id, text=request.POST.get("text", "")
        )
    except DomainError as error:
        if error.status == 404:
            raise Http404("review") from error
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"追评已提交（{_state(row)[0]}）")
    return redirect("storefront:my_reviews")


@require_POST
def question_ask(request: HttpRequest, product_id: int) -> HttpResponse:
    """问大家: a signed-in buyer asks about a product; the page says whether it shows now or after review."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    try:
        row = review_services.question_create(
            actor=request_actor(request), product_id=product_id, text=request.POST.get("text", "")
        )
    except DomainError as error:
        if error.status == 404:
            raise Http404("product") from error
        messages.error(request, error_text(error))
    else:
        shown = "已发布" if row.status == "visible" else "审核通过后展示"
        messages.success(request, f"提问已提交（{shown}）")
    return redirect(reverse("storefront:product", args=[product_id]) + "#qa-h")


@require_POST
def answer(request: HttpRequest, product_id: int, question_id: int) -> HttpResponse:
    """A buyer who bought the product answers a question (403 for anyone else: told on the page)."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    try:
        row = review_services.answer_create(
            actor=request_actor(request), question_id=question_id, text=request.POST.get("text", "")
        )
    except DomainError as error:
        if error.status == 404:
            raise Http404("question") from error
        messages.error(request, error_text(error))
    else:
        shown = "已发布" if row.status == "visible" else "审核通过后展示"
        messages.success(request, f"回答已提交（{shown}）")
    return redirect(reverse("storefront:product", args=[product_id]) + "#qa-h")
