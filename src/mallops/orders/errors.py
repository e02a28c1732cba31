"""The orders app's problem codes (issue 16): the ``code`` of its problem+json answers.

Values never change once published (clients switch on them); docs/api.md lists them with their meaning
(``scripts/error_codes.py``). Raise ``DomainError(code=...)`` / ``conflict(..., code=...)`` with a member."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class OrdersCode(ProblemCode):
    FLASH_CLAIM_FAILED = "flash_claim_failed", "The flash sale claim failed.", "抢购占位失败"
    FLASH_ENDED = "flash_ended", "The flash sale has ended.", "抢购已结束"
    FLASH_NOT_STARTED = "flash_not_started", "The flash sale has not started.", "抢购尚未开始"
    FLASH_STARTED = "flash_started", "A flash sale can change only before it starts.", "抢购开始后不能修改"
    ILLEGAL_TRANSITION = (
        "illegal_transition",
        "The order's status does not allow this action.",
        "订单当前状态不允许该操作",
    )
    INVALID_LINE = "invalid_line", "Not a line of this order.", "不是该订单的商品行"
    MERCHANT_SUSPENDED = "merchant_suspended", "The store is suspended.", "店铺已被暂停"
    NOT_SOLD = "not_sold", "Units of this order were never sold.", "该订单的商品从未售出"
    OUT_OF_STOCK = "out_of_stock", "Not enough available stock.", "可用库存不足"
    OVER_BUYER_LIMIT = "over_buyer_limit", "More than a buyer may buy in this flash sale.", "超过每人限购数量"
    PRICE_CHANGED = (
        "price_changed",
        "The price changed since the quote; confirm the new quote.",
        "价格自报价后已变化，请确认新报价",
    )
    RETURN_EXCEEDS_LINE = (
        "return_exceeds_line",
        "More units than the line has left to return.",
        "退回数量超过该商品行可退数量",
    )
    SKU_NOT_APPROVED = (
        "sku_not_approved",
        "The SKU has no approved catalogue listing.",
        "该商品没有审核通过的商品信息",
    )
    SOLD_OUT = "sold_out", "Sold out.", "已售罄"
    STOCK_MISSING = "stock_missing", "The stock row vanished.", "库存记录不存在"
    REFUND_EXCEEDS_LINE = (
        "refund_exceeds_line",
        "The refund is more than what is left of an order line's paid amount.",
        "退款金额超过该商品行剩余可退金额",
    )
    REFUND_EXCEEDS_ORDER = (
        "refund_exceeds_order",
        "The refund is more than what is left of the order's paid amount.",
        "退款金额超过订单剩余可退金额",
    )
