"""pytest plugin: the ``req("R…")`` marker and the per-run results that ``mallops trace`` reads.

Unknown ids fail the collection, so a typo cannot silently claim coverage. Under xdist the workers attach
the ids to each report and the controller writes ``$MALLOPS_DATA_DIR/trace/<run>.json`` at the end.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from mallops.core.requirements_catalogue import load_catalogue

_RESULTS: dict[str, dict[str, Any]] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "req(id): the test proves the requirement with this id")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    known = load_catalogue()
    bad: list[str] = []
    for item in items:
        for mark in item.iter_markers("req"):
            for req_id in mark.args:
                if req_id not in known:
                    bad.append(f"{item.nodeid}: unknown requirement id {req_id!r}")
    if bad:
        raise pytest.UsageError("\n".join(bad))


def pytest_runtest_setup(item: pytest.Item) -> None:
    ids = sorted({req_id for mark in item.iter_markers("req") for req_id in mark.args})
    if ids:
        item.user_properties.append(("req", ids))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    ids: list[str] = []
    for key, value in report.user_properties:
        if key == "req":
            ids = [str(v) for v in value]  # type: ignore[attr-defined]
    entry = _RESULTS.setdefault(report.nodeid, {"outcome": "passed", "req": ids})
    if ids:
        entry["req"] = ids
    if report.failed:
        entry["outcome"] = "failed"
    elif report.skipped and report.when in {"setup", "call"}:
        entry["outcome"] = "skipped"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):
        return
    if not _RESULTS:
        return
    run = os.environ.get("MALLOPS_TRACE_RUN", "default")
    trace_dir = os.environ.get("MALLOPS_TRACE_DIR")
    out_dir = Path(trace_dir) if trace_dir else Path(os.environ.get("MALLOPS_DATA_DIR", "var")) / "trace"
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {"run": run, "exitstatus": int(exitstatus), "tests": _RESULTS}
    (out_dir / f"{run}.json").write_text(json.dumps(payload, indent=1, sort_keys=True), encoding="utf-8")
