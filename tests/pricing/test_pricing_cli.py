"""``mallops pricing quote FILE`` run as a separate process, as scripts call it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_pricing_engine import EXAMPLE

ROOT = Path(__file__).resolve().parents[2]
RUN = "import sys; from mallops.pricing.cli import main; sys.exit(main(sys.argv[1:]))"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-c", RUN, *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def write(tmp_path: Path, data: Any, name: str = "scenario.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


@pytest.mark.req("R2.3.5")
def test_quote_prints_the_contract_example(tmp_path: Path) -> None:
    done = run_cli("quote", write(tmp_path, EXAMPLE))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    result = json.loads(done.stdout)
    assert result["total"] == 15237
    assert result["next_threshold"] == {"id": "p3", "needed": 13070, "off": 5000}


def test_invalid_scenario_exits_2_with_one_line_per_problem(tmp_path: Path) -> None:
    data = json.loads(json.dumps(EXAMPLE))
    data["lines"].append({"id": "L2", "sku": "B", "merchant": "m1", "unit_price": 100, "qty": 0})
    data["lines"].append({"id": "L3", "sku": "B", "merchant": "m1", "unit_price": 100, "qty": 1.0})
    data["promotions"][0]["kind"] = "mystery"
    done = run_cli("quote", write(tmp_path, data))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "lines[1].qty: must be a positive integer",
        "lines[2].qty: must be a positive integer",
        "promotions[0].kind: unknown kind, must be one of amount_off, multi_buy, nth_item, percent_off, threshold",
    ]


def test_invalid_json_and_unreadable_file_exit_2(tmp_path: Path) -> None:
    done = run_cli("quote", write(tmp_path, "{not json"))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("$: invalid JSON")
    assert len(done.stderr.splitlines()) == 1
    missing = str(tmp_path / "missing.json")
    done = run_cli("quote", missing)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"{missing}: cannot read")


def test_bad_arguments_exit_2_without_usage_noise() -> None:
    done = run_cli("price")
    assert (done.returncode, done.stdout) == (2, "")
    assert len(done.stderr.splitlines()) == 1


def test_cli_does_not_import_django(tmp_path: Path) -> None:
    probe = (
        "import sys; from mallops.pricing.cli import main; main(['quote', sys.argv[1]]); "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'django imported'"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", probe, write(tmp_path, EXAMPLE)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
