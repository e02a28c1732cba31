"""Content compliance for listings and marketing text (广告法, 明码标价和禁止价格欺诈规定, 规范促销行为暂行规定).

The core (:mod:`mallops.compliance.engine`) and the CLI do not import Django; the API layer wraps
:func:`mallops.compliance.engine.check_items`.
"""
