"""Articles that pre-launch findings cite (from ``guide/regulations.md``), as ``{law, article, text}``.

Pure module (no Django): the checks and the console both read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from mallops.compliance.engine.rules import LAW_NAMES as ENGINE_LAW_NAMES

LAW_NAMES = {
    "PRICE56": "明码标价和禁止价格欺诈规定",
    "PROMO32": "规范促销行为暂行规定",
}

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals as used in article numbers (16 → 十六, 20 → 二十)."""
    if not 1 <= n <= 99:
        raise ValueError("article numbers here are 1..99")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return head + "十" + (_DIGITS[ones] if ones else "")


@dataclass(frozen=True, slots=True)
class Citation:
    law: str
    article: int
    # paragraph (款) and item (项): only the compliance engine's text findings cite them
    paragraph: int | None = None
    item: int | None = None

    @property
    def text(self) -> str:
        """E.g. ``明码标价和禁止价格欺诈规定第十六条``, ``广告法第九条第（三）项``."""
        name = LAW_NAMES.get(self.law) or ENGINE_LAW_NAMES[self.law]
        text = f"{name}第{chinese_number(self.article)}条"
        if self.paragraph is not None:
            text += f"第{chinese_number(self.paragraph)}款"
        if self.item is not None:
            text += f"第（{chinese_number(self.item)}）项"
        return text

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"law": self.law, "article": self.article, "text": self.text}
        if self.paragraph is not None:
            out["paragraph"] = self.paragraph
        if self.item is not None:
            out["item"] = self.item
        return out


REFERENCE_PRICE = Citation("PRICE56", 16)
RAISE_THEN_DISCOUNT = Citation("PRICE56", 17)
PRICE_FRAUD = Citation("PRICE56", 19)
RULES_DIFFER = Citation("PRICE56", 20)
TRUTHFUL_LIMITED = Citation("PROMO32", 5)
PROMISES_HONOURED = Citation("PROMO32", 6)
RULES_PUBLISHED = Citation("PROMO32", 7)
CONDITIONS_PROMINENT = Citation("PROMO32", 19)
TRUE_PERIOD = Citation("PROMO32", 20)
