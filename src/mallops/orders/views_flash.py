"""Console: create, edit and cancel flash sales.

The merchant centre (``store.promotion.manage``) lists its own store's flash sales and creates them from
its own stock rows (the merchant is the signed-in user's store, never a form field); operations with
``promotion.manage`` do the same for any store from the platform monitor (``orders:flash``). A sale
outside the user's scope is a 404. Each write is one call of ``mallops.orders.flash.services`` (audited
there): the quantity is reserved out of available stock, the flash price must be below the lawful
reference price (the price-law findings are shown under the price field with their article).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mallops.accounts.actors import merchant_store_id, request_actor
from mallops.console.formats import yuan
from mallops.console.forms import YuanField
from mallops.console.lists import Column, DataTable
from mallops.core.errors import DomainError
from mallops.orders.flash import services as flash
from mallops.orders.models import FlashSale, StockItem

# The service's field messages (English, stable) as a person reads them; price-law findings are Chinese.
MESSAGES: dict[str, Any] = {
    "unknown_sku": gettext_lazy("Choose one of your SKUs."),
    "not_a_discount": gettext_lazy("The flash price must be below the regular price."),
    "invalid_qty": gettext_lazy("Enter at least 1."),
    "invalid_window": gettext_lazy("The end must be after the start and in the future."),
    "required": gettext_lazy("This field is required."),
}
FIELDS = {"sku_code": "item"}


def _side(request: HttpRequest) -> int | None:
    """The user's store id (merchant centre) or None (operations with ``promotion.manage``)."""
    user: Any = request.user
    if user.has_perm("store.promotion.manage"):
        return merchant_store_id(request, "store.promotion.manage")
    if user.has_perm("promotion.manage"):
        return None
    raise PermissionDenied("promotion.manage")


def _items(merchant_id: int | None) -> Any:
    if merchant_id is not None:
        return StockItem.objects.for_merchant(merchant_id).order_by("sku_code")
    return StockItem.objects.unscoped(reason="operations choose a store's SKU").select_related("merchant")


def _item_label(item: StockItem, with_store: bool) -> str:
    text = _("%(title)s (%(sku)s) · %(price)s · %(available)d available") % {
        "title": item.title or item.sku_code,
        "sku": item.sku_code,
        "price": yuan(item.price_fen),
        "available": item.available,
    }
    return f"{item.merchant.name} · {text}" if with_store else text


class FlashSaleForm(forms.Form):
    item = forms.TypedChoiceField(label=gettext_lazy("SKU"), coerce=int)
    title = forms.CharField(
        label=gettext_lazy("Title"), max_length=200, help_text=gettext_lazy("Shown to buyers.")
    )
    flash_price_fen = YuanField(
        label=gettext_lazy("Flash price"),
        min_fen=0,
        help_text=gettext_lazy("In yuan; below the lowest price charged in the 7 days before the start."),
    )
    quantity = forms.IntegerField(
        label=gettext_lazy("Quantity"),
        min_value=1,
        max_value=10**7,
        help_text=gettext_lazy("Reserved out of available stock when saved."),
    )
    per_buyer_limit = forms.IntegerField(
        label=gettext_lazy("Per buyer"), min_value=1, max_value=10**6, initial=1
    )
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts"), help_text=gettext_lazy("Beijing time."))
    ends_at = forms.DateTimeField(label=gettext_lazy("Ends"), help_text=gettext_lazy("Beijing time."))

    def __init__(
        self, *args: Any, merchant_id: int | None, sale: FlashSale | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["item"]
        if sale is not None:
            # the SKU of a sale stays: shown, not editable
            field.choices = [(sale.item_id, _item_label(sale.item, False))]
            field.disabled = True
            field.initial = sale.item_id
        else:
            rows = _items(merchant_id)[:500]
            field.choices = [("", "—")] + [(i.pk, _item_label(i, merchant_id is None)) for i in rows]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        return data

    def terms(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "flash_price_fen": data["flash_price_fen"],
            "quantity": data["quantity"],
            "per_buyer_limit": data["per_buyer_limit"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
        }


def _refusal(request: HttpRequest, form: FlashSaleForm, error: DomainError) -> None:
    if error.code != "validation_error":
        messages.error(request, _("Not saved: %(detail)s") % {"detail": error.detail})
        return
    for item in error.errors:
        name = str(item.loc[-1]) if item.loc else ""
        target = FIELDS.get(name, name)
        # price-law findings carry their Chinese message and article; the rest have a stable code
        message = MESSAGES.get(
            item.code, item.msg if not item.msg.isascii() else _("Please correct this value.")
        )
        if item.code == "out_of_stock":
            message = _("More units than the stock has available.")
        form.add_error(target if target in form.fields else None, message)


def _list_url(merchant_id: int | None) -> str:
    return reverse("orders:store_flash" if merchant_id is not None else "orders:flash")


def _sale(request: HttpRequest, sale_id: int) -> tuple[FlashSale, int | None]:
    merchant_id = _side(request)
    if merchant_id is not None:
        qs = FlashSale.objects.for_merchant(merchant_id)
    else:
        qs = FlashSale.objects.for_platform(request.user, "promotion.manage")
    sale: FlashSale | None = qs.select_related("item").filter(pk=sale_id).first()
    if sale is None:
        raise Http404("flash sale")
    return sale, merchant_id


def _state(sale: FlashSale) -> str:
    if sale.cancelled_at:
        return _("Cancelled")
    if sale.finalized or sale.ends_at <= timezone.now():
        return _("Ended")
    if sale.starts_at > timezone.now():
        return _("Scheduled")
    return _("Running")


@login_required
def store_flash_sales(request: HttpRequest) -> HttpResponse:
    """The merchant centre's flash sales (its own store only)."""
    merchant_id = _side(request)
    if merchant_id is None:
        return redirect("orders:flash")
    table = DataTable(
        request,
        FlashSale.objects.for_merchant(merchant_id)
        .select_related("item")
        .annotate(
            editable=Case(
                When(Q(starts_at__gt=timezone.now(), claimed=0, finalized=False), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        ),
        columns=[
            Column("title", _("Title"), sort="title"),
            Column("sku", _("SKU"), value=lambda s: s.item.sku_code),
            Column("flash_price_fen", _("Flash price"), kind="money", sort="flash_price_fen"),
            Column("quantity", _("Quantity"), sort="quantity"),
            Column("claimed", _("Sold"), sort="claimed"),
            Column("per_buyer_limit", _("Per buyer")),
            Column("starts_at", _("Starts"), kind="datetime", sort="starts_at"),
            Column("ends_at", _("Ends"), kind="datetime", sort="ends_at"),
            Column("state", _("Status"), value=_state),
            Column("actions", "", kind="template", template="orders/_flash_actions.html", export=False),
        ],
        search=["title", "item__sku_code"],
        search_placeholder=_("Title or SKU"),
        default_sort="-starts_at",
        export_name="flash-sales",
        empty_title=_("No flash sales yet."),
        empty_hint=_("A flash sale reserves units of one SKU at a lower price for a short time."),
        empty_action_url=reverse("orders:store_flash_new"),
        empty_action_label=_("New flash sale"),
        testid="store-flash-sales",
        context={"store": True},
    )
    if table.export_format:
        return table.export_response()
    return render(request, "orders/store_flash_sales.html", {"active": "store_flash_sales", "table": table})


def _page(
    request: HttpRequest, form: FlashSaleForm, merchant_id: int | None, sale: FlashSale | None
) -> HttpResponse:
    return render(
        request,
        "orders/flash_form.html",
        {
            "active": "store_flash_sales" if merchant_id is not None else "flash_sales",
            "form": form,
            "sale": sale,
            "title": _("Edit %(name)s") % {"name": sale.title} if sale else _("New flash sale"),
            "cancel_url": _list_url(merchant_id),
        },
    )


@login_required
def flash_new(request: HttpRequest) -> HttpResponse:
    merchant_id = _side(request)
    form = FlashSaleForm(request.POST or None, merchant_id=merchant_id)
    if request.method == "POST" and form.is_valid():
        try:
            flash.flash_sale_create(
                actor=request_actor(request),
                merchant_id=merchant_id,
                item_id=form.cleaned_data["item"],
                **form.terms(),
            )
        except DomainError as error:
            _refusal(request, form, error)
        else:
            messages.success(request, _("Flash sale saved; its units are reserved."))
            return redirect(_list_url(merchant_id))
    return _page(request, form, merchant_id, None)


@login_required
def flash_edit(request: HttpRequest, sale_id: int) -> HttpResponse:
    sale, merchant_id = _sale(request, sale_id)
    initial = {
        "item": sale.item_id,
        "title": sale.title,
        "flash_price_fen": sale.flash_price_fen,
        "quantity": sale.quantity,
        "per_buyer_limit": sale.per_buyer_limit,
        "starts_at": sale.starts_at,
        "ends_at": sale.ends_at,
    }
    form = FlashSaleForm(request.POST or None, initial=initial, merchant_id=merchant_id, sale=sale)
    if request.method == "POST" and form.is_valid():
        try:
            flash.flash_sale_update(
                actor=request_actor(request), merchant_id=merchant_id, sale_id=sale.pk, **form.terms()
            )
        except DomainError as error:
            _refusal(request, form, error)
        else:
            messages.success(request, _("Flash sale saved."))
            return redirect(_list_url(merchant_id))
    return _page(request, form, merchant_id, sale)


@login_required
@require_POST
def flash_cancel(request: HttpRequest, sale_id: int) -> HttpResponse:
    sale, merchant_id = _sale(request, sale_id)
    try:
        flash.flash_sale_cancel(actor=request_actor(request), merchant_id=merchant_id, sale_id=sale.pk)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Flash sale cancelled; units nobody holds are back in stock."))
    return redirect(_list_url(merchant_id))
