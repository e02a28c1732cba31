"""The CLI contract of ``mallops risk score FILE`` (issue 18): exact output shape, exit codes, messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mallops.risk.engine import REQUIRED, EventType

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "mallops", "risk", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        input=stdin,
        check=False,
    )


def write(tmp_path: Path, lines: list[Any]) -> str:
    path = tmp_path / "events.jsonl"
    text = "".join(
        (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines
    )
    path.write_text(text, encoding="utf-8")
    return str(path)


def claim(event_id: str, buyer: str, at: str = "2026-03-01T10:00:00+08:00", **extra: Any) -> dict[str, Any]:
    return {"id": event_id, "type": "coupon_claim", "at": at, "buyer": buyer, "batch": "c1", **extra}


@pytest.mark.req("R7.2.2")
def test_scores_a_coupon_ring_with_the_exact_output_shape(tmp_path: Path) -> None:
    lines = [
        claim("e1", "b1", device="d1"),
        claim("e2", "b2", "2026-03-01T10:01:00+08:00", device="d1"),
        claim("e3", "b3", "2026-03-01T02:02:00Z", device="d1", ip="10.0.0.1"),
        {"id": "e4", "type": "login", "at": "2026-03-01T10:03:00+08:00", "buyer": "b4", "device": "d7"},
    ]
    result = run_cli("score", write(tmp_path, lines))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout) == {
        "decisions": [
            {"id": "e1", "decision": "allow", "reasons": []},
            {
                "id": "e2",
                "decision": "review",
                "reasons": [
                    {
                        "rule": "coupon_ring",
                        "detail": "1 other buyer(s) linked to b2 by a shared device or address already claimed "
                        "batch c1 (review at 1, block at 2)",
                    }
                ],
            },
            {
                "id": "e3",
                "decision": "block",
                "reasons": [
                    {
                        "rule": "coupon_ring",
                        "detail": "2 other buyer(s) linked to b3 by a shared device or address already claimed "
                        "batch c1 (review at 1, block at 2)",
                    }
                ],
            },
            {"id": "e4", "decision": "allow", "reasons": []},
        ]
    }
    assert result.stdout.startswith('{"decisions": [{"id": "e1", "decision": "allow", "reasons": []}, ')


def test_every_rule_can_be_reached_through_the_cli(tmp_path: Path) -> None:
    at = "2026-03-01T10:{:02d}:00+08:00"
    lines: list[dict[str, Any]] = [
        {"id": "注册1", "type": "register", "at": at.format(0), "buyer": "n1", "device": "p1"},
        *(claim(f"c{k}", "n1", at.format(1 + k), batch=f"c{k}") for k in range(3)),
        {"id": "v1", "type": "review", "at": at.format(5), "buyer": "n1", "order": "o9", "merchant": "m1",
         "rating": 1, "text": "差评"},
    ]  # fmt: skip
    result = run_cli("score", write(tmp_path, lines))
    assert result.returncode == 0, result.stderr
    decisions = json.loads(result.stdout)["decisions"]
    assert [(d["decision"], [r["rule"] for r in d["reasons"]]) for d in decisions] == [
        ("allow", []),
        ("allow", []),
        ("allow", []),
        ("review", ["new_account_harvest"]),
        ("block", ["review_without_purchase"]),
    ]
    assert '"id": "注册1"' in result.stdout  # UTF-8 passes through unescaped


def test_reads_stdin_skips_blank_lines_and_scores_an_empty_file(tmp_path: Path) -> None:
    text = (
        json.dumps(claim("e1", "b1"))
        + "\n\n  \n"
        + json.dumps(claim("e2", "b2", address="北京 路1号"))
        + "\n"
    )
    result = run_cli("score", "-", stdin=text)
    assert result.returncode == 0, result.stderr
    assert [d["id"] for d in json.loads(result.stdout)["decisions"]] == ["e1", "e2"]
    empty = run_cli("score", write(tmp_path, []))
    assert (empty.returncode, empty.stdout) == (0, '{"decisions": []}\n')


def _assert_bad(result: subprocess.CompletedProcess[str], line: int, fragment: str) -> None:
    assert result.returncode == 2
    assert result.stdout == ""
    assert f": line {line}: " in result.stderr
    assert fragment in result.stderr


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ('{"id": "e2", "type": "login",', "invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ({"id": "e2", "type": "teleport", "at": "2026-03-01T10:00:00+08:00", "buyer": "b1"}, "unknown type"),
        ({"id": "e2", "at": "2026-03-01T10:00:00+08:00", "buyer": "b1"}, 'missing field "type"'),
        ({"id": "e2", "type": "login", "at": "2026-03-01T10:00:00", "buyer": "b1"}, "no UTC offset"),
        ({"id": "e2", "type": "login", "at": "yesterday", "buyer": "b1"}, "not an ISO 8601"),
        ({"id": "e2", "type": "login", "at": "2026-03-01T09:59:59+08:00", "buyer": "b1"}, "out of time order"),
        ({"id": "e2", "type": "order", "at": "2026-03-01T10:00:00+08:00", "buyer": "b1", "address": "a",
          "order": "o1", "merchant": "m1", "amount_fen": "12900"}, '"amount_fen" must be a whole number'),
        ({"id": "e2", "type": "refund_request", "at": "2026-03-01T10:00:00+08:00", "buyer": "b1",
          "order": "o1", "amount_fen": 1, "kind": "keep_it"}, '"kind" must be refund_only or return_refund'),
    ],
)  # fmt: skip
def test_bad_input_exits_2_naming_the_line(tmp_path: Path, bad: Any, fragment: str) -> None:
    result = run_cli("score", write(tmp_path, [claim("e1", "b1"), bad, claim("e3", "b1")]))
    _assert_bad(result, 2, fragment)


BASE = {"id": "e9", "at": "2026-03-01T10:00:00+08:00", "buyer": "b1"}
FULL = {
    "device": "d1",
    "address": "a",
    "batch": "c1",
    "order": "o1",
    "merchant": "m1",
    "amount_fen": 1,
    "rating": 5,
    "text": "ok",
    "kind": "refund_only",
}
MISSING = [(str(kind), name) for kind in EventType for name in ("id", "at", "buyer", *REQUIRED[kind])]


@pytest.mark.parametrize(("kind", "name"), MISSING)
def test_each_required_field_of_each_type_is_checked(tmp_path: Path, kind: str, name: str) -> None:
    complete = {**BASE, "type": kind, **{field: FULL[field] for field in REQUIRED[EventType(kind)]}}
    assert run_cli("score", write(tmp_path, [complete])).returncode == 0
    incomplete = {key: value for key, value in complete.items() if key != name}
    _assert_bad(run_cli("score", write(tmp_path, [incomplete])), 1, f'missing field "{name}"')


def test_required_fields_are_those_of_the_issue() -> None:
    assert {str(kind): REQUIRED[kind] for kind in EventType} == {
        "register": (),
        "login": (),
        "password_change": (),
        "address_change": ("address",),
        "coupon_claim": ("batch",),
        "order": ("address", "order", "merchant", "amount_fen"),
        "review": ("order", "merchant", "rating", "text"),
        "refund_request": ("order", "amount_fen", "kind"),
    }


def test_unreadable_file_and_usage_errors_exit_2(tmp_path: Path) -> None:
    missing = run_cli("score", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    assert run_cli().returncode == 2
    assert run_cli("score").returncode == 2


def test_the_command_starts_without_django(tmp_path: Path) -> None:
    path = write(tmp_path, [claim("e1", "b1")])
    code = (
        "import sys; from mallops.cli import main\n"
        "rc = main(['risk', 'score', sys.argv[1]])\n"
        "sys.stderr.write(f\"{rc} {'django' in sys.modules}\")"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, "-c", code, path], capture_output=True, text=True, env=env, check=True
    )
    assert out.stderr.split() == ["0", "False"]
    assert json.loads(out.stdout)["decisions"][0]["decision"] == "allow"
