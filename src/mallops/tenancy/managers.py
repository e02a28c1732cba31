"""Merchant scoping that fails closed.

Every merchant-owned model uses ``MerchantScopedManager``. A query must say whose rows it wants:

    MerchantMember.objects.for_merchant(merchant_id)        # a merchant's own rows
    MerchantMember.objects.for_platform(actor, "merchant.view")  # staff with the permission: all rows
    MerchantMember.objects.unscoped(reason="sweep")         # jobs and migrations, never request handlers

Any other query raises ``UnscopedQueryError`` when it is evaluated — it never returns all rows.
"""

from __future__ import annotations

from typing import Any, Self

from django.db import models

from mallops.core.actors import Actor
from mallops.core.errors import permission_denied


class UnscopedQueryError(RuntimeError):
    """A merchant-owned model was queried without a scope."""


class MerchantScopedQuerySet(models.QuerySet[Any]):
    _scope: str | None = None

    def _clone(self) -> Self:
        clone = super()._clone()  # type: ignore[misc]
        clone._scope = self._scope
        return clone  # type: ignore[no-any-return]

    def _scoped(self, scope: str) -> Self:
        clone = self._chain()  # type: ignore[attr-defined]
        clone._scope = scope
        return clone  # type: ignore[no-any-return]

    def for_merchant(self, merchant_id: int | None) -> Self:
        if merchant_id is None:
            raise UnscopedQueryError("for_merchant() needs a merchant id")
        return self._scoped(f"merchant:{merchant_id}").filter(merchant_id=merchant_id)

    def for_platform(self, actor: Actor | None, permission: str) -> Self:
        if actor is None or not getattr(actor, "is_authenticated", False) or not actor.has_perm(permission):
            raise permission_denied(permission)
        return self._scoped("platform")

    def unscoped(self, *, reason: str) -> Self:
        if not reason:
            raise UnscopedQueryError("unscoped() needs a reason")
        return self._scoped(f"unscoped:{reason}")

    def _check_scope(self) -> None:
        if self._scope is None:
            raise UnscopedQueryError(
                f"{self.model.__name__} is merchant-owned: use for_merchant(), for_platform() or unscoped()"
            )

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._check_scope()
        super()._fetch_all()

    def count(self) -> int:
        self._check_scope()
        return super().count()

    def exists(self) -> bool:
        self._check_scope()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._check_scope()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._check_scope()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._check_scope()
        return super().delete()

    def iterator(self, chunk_size: int | None = None) -> Any:
        self._check_scope()
        return super().iterator(chunk_size=chunk_size)


class MerchantScopedManager(models.Manager.from_queryset(MerchantScopedQuerySet)):  # type: ignore[misc]
    """Default manager of merchant-owned models; ``create`` is allowed (it names its merchant)."""

    use_in_migrations = False
