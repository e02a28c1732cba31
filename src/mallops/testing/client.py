"""Test client that speaks JSON and sends a bearer token when given one."""

from __future__ import annotations

from typing import Any

from django.test import Client


class ApiClient(Client):
    """Django test client that speaks JSON and sends a bearer token when given one."""

    def __init__(self, token: str | None = None, **defaults: Any) -> None:
        super().__init__(**defaults)
        self.token = token

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        merged = dict(headers or {})
        if self.token:
            merged.setdefault("Authorization", f"Bearer {self.token}")
        return merged

    def get_json(self, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.get(path, headers=self._headers(headers), **kwargs)

    def post_json(self, path: str, data: Any, headers: dict[str, str] | None = None) -> Any:
        return self.post(path, data=data, content_type="application/json", headers=self._headers(headers))

    def delete_json(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return self.delete(path, headers=self._headers(headers))
