"""Transaction risk control (issue 18): a pure online engine (:mod:`mallops.risk.engine`) and its CLI.

The package itself imports nothing from Django so ``mallops risk score`` starts fast; the Django side
(models, services, API) lives in its own modules.
"""
