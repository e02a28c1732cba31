"""Content settings, from ``settings.MALLOPS`` or the environment.

``LOTTERY_MAX_PRIZE_FEN`` (``lottery_max_prize_fen``, default 5,000,000 fen = 50,000 元): the highest
market value of a single lucky-draw prize (反不正当竞争法 Art. 11 as revised in 2025, Art. 10 in the 2019
text; 规范促销行为暂行规定 article number under verification)."""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS = {"LOTTERY_MAX_PRIZE_FEN": 5_000_000}

PRIZE_CAP_BASIS = "反不正当竞争法第十一条（2025年修订；2019年文本第十条）"
DISCLOSURE_BASIS = "规范促销行为暂行规定第十三条"


def value(name: str) -> int:
    configured = getattr(settings, "MALLOPS", {}).get(name)
    if configured is not None:
        return int(configured)
    return int(os.environ.get(f"MALLOPS_{name}", DEFAULTS[name]))
