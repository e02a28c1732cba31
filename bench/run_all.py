"""Run every benchmark under bench/ and print each one's last JSON line (``make bench``).

``--quick`` passes ``--quick`` to each benchmark for a small smoke run. Benchmarks print figures and
ratios against a baseline measured in the same process; none of them asserts a time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small smoke runs")
    parser.add_argument("names", nargs="*", help="benchmark file stems (default: all)")
    args = parser.parse_args()
    # ``_common.py`` and the like are helpers, not benchmarks
    scripts = sorted(
        p for p in HERE.glob("*.py") if p.name != Path(__file__).name and not p.name.startswith("_")
    )
    if args.names:
        scripts = [p for p in scripts if p.stem in args.names]
    results: dict[str, object] = {}
    failed = 0
    for script in scripts:
        started = time.monotonic()
        cmd = [sys.executable, str(script), *(["--quick"] if args.quick else [])]
        print(f"=== {script.name}", flush=True)
        proc = subprocess.run(cmd, capture_output=True, text=True)
        sys.stdout.write(proc.stdout)
        lines = [line for line in proc.stdout.strip().splitlines() if line.strip()]
        try:
            results[script.stem] = json.loads(lines[-1]) if lines else None
        except json.JSONDecodeError:
            results[script.stem] = None
        if proc.returncode != 0:
            failed += 1
            sys.stderr.write(proc.stderr[-3000:])
        print(f"--- {script.name}: exit {proc.returncode} in {time.monotonic() - started:.1f} s", flush=True)
    print(json.dumps(results, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
