"""Cart pricing: promotions, coupons and the buyer's best combination.

The pure engine lives in :mod:`mallops.pricing.engine` (no Django import); the exact semantics are
in ``guide/pricing-contract.md``.
"""
