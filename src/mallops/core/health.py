"""Liveness (/healthz) and readiness (/readyz): readiness names the part that fails."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse

import mallops


def _json(body: dict[str, object], status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


def healthz(request: HttpRequest) -> HttpResponse:
    return _json({"status": "ok", "version": mallops.__version__})


def check_database() -> str | None:
    conn = connections[DEFAULT_DB_ALIAS]
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return None


def check_migrations() -> str | None:
    conn = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(conn)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return f"{len(plan)} migration(s) not applied"
    return None


def check_cache() -> str | None:
    token = str(time.time_ns())
    cache.set("mallops:readyz", token, 10)
    if cache.get("mallops:readyz") != token:
        return "cache did not return the value it was given"
    return None


def check_queue() -> str | None:
    from huey.contrib.djhuey import HUEY

    HUEY.pending_count()
    return None


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "migrations": check_migrations,
    "cache": check_cache,
    "queue": check_queue,
}


def readyz(request: HttpRequest) -> HttpResponse:
    results: dict[str, dict[str, str]] = {}
    failing: list[str] = []
    for name, check in CHECKS.items():
        if name == "migrations" and "database" in failing:
            results[name] = {"status": "skipped", "detail": "database unavailable"}
            continue
        try:
            problem = check()
        except Exception as exc:
            problem = f"{type(exc).__name__}: {exc}"
        if problem:
            failing.append(name)
            results[name] = {"status": "fail", "detail": problem}
        else:
            results[name] = {"status": "ok"}
    body: dict[str, object] = {"status": "fail" if failing else "ok", "checks": results}
    if failing:
        body["failing"] = failing
    return _json(body, status=503 if failing else 200)
