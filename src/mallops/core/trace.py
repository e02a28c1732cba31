"""``mallops trace [--json]``: which requirement ids have at least one passing marked test.

Reads the results the pytest plugin wrote for each run (SQLite, PostgreSQL, ...) under
``$MALLOPS_DATA_DIR/trace/``; an id counts as covered when a test marked with it passed in some run.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings

from mallops.core.cli_parser import OneLineParser
from mallops.core.requirements_catalogue import load_catalogue


def coverage(trace_dir: Path) -> dict[str, object]:
    catalogue = load_catalogue()
    ids: dict[str, list[str]] = {}
    for path in sorted(trace_dir.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for nodeid, entry in data.get("tests", {}).items():
            if entry.get("outcome") != "passed":
                continue
            for req_id in entry.get("req", []):
                if req_id in catalogue:
                    tests = ids.setdefault(req_id, [])
                    if nodeid not in tests:
                        tests.append(nodeid)
    ordered = {req_id: sorted(ids[req_id]) for req_id in catalogue if req_id in ids}
    return {"total": len(catalogue), "covered": len(ordered), "ids": ordered}


def main(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="mallops trace")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--dir", type=Path, default=None, help="trace results directory")
    args = parser.parse_args(list(argv))
    trace_dir = args.dir or Path(settings.DATA_DIR) / "trace"
    if not trace_dir.is_dir() or not any(trace_dir.glob("*.json")):
        sys.stderr.write(f"mallops trace: no test results in {trace_dir}; run `make test` first\n")
        return 1
    report = coverage(trace_dir)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    catalogue = load_catalogue()
    covered: dict[str, list[str]] = report["ids"]  # type: ignore[assignment]
    print(f"{report['covered']}/{report['total']} requirements have a passing test")
    for req_id, text in catalogue.items():
        mark = "x" if req_id in covered else " "
        count = len(covered.get(req_id, []))
        print(f"[{mark}] {req_id:8} {count:3} {text[:80]}")
    return 0
