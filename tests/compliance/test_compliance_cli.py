"""The CLI contract of ``mallops compliance check FILE`` (run as a subprocess) and batch size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mallops.compliance.engine import check_items, validate_items

ROOT = Path(__file__).resolve().parents[2]
CLI = "import sys; from mallops.compliance.cli import main; sys.exit(main(sys.argv[1:]))"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=False,
    )


def write(tmp_path: Path, payload: Any) -> str:
    path = tmp_path / "items.json"
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.req("R2.1.2")
def test_blocked_item_exits_1_with_the_exact_result_shape(tmp_path: Path) -> None:
    payload = {
        "items": [
            {"id": "t001", "title": "最好的纯棉T恤", "description": "原价199，100%棉", "category": "apparel"},
            {"id": "t002", "title": "纯棉T恤 男 夏季"},
        ]
    }
    result = run_cli("check", write(tmp_path, payload))
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout) == {
        "results": [
            {
                "id": "t001",
                "verdict": "block",
                "findings": [
                    {
                        "rule": "AD9-3-SUPERLATIVE-ZUI",
                        "field": "title",
                        "start": 0,
                        "end": 2,
                        "text": "最好",
                        "basis": "广告法第九条第（三）项",
                        "severity": "block",
                    },
                    {
                        "rule": "PRICE56-16-REFERENCE",
                        "field": "description",
                        "start": 0,
                        "end": 2,
                        "text": "原价",
                        "basis": "明码标价和禁止价格欺诈规定第十六条",
                        "severity": "review",
                    },
                ],
            },
            {"id": "t002", "verdict": "pass", "findings": []},
        ]
    }


@pytest.mark.req("R1.4.1")
def test_review_only_exits_0(tmp_path: Path) -> None:
    result = run_cli("check", write(tmp_path, {"items": [{"id": "a", "title": "限时特价 毛巾"}]}))
    assert result.returncode == 0
    [item] = json.loads(result.stdout)["results"]
    assert item["verdict"] == "review"
    assert [f["rule"] for f in item["findings"]] == ["PROMO32-5-LIMITED-TIME"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("{not json", "$: invalid JSON"),
        ([1, 2], "$: the body must be a JSON object"),
        ({"things": []}, "items: missing 'items'"),
        ({"items": {}}, "items: 'items' must be a list"),
        ({"items": [{"id": "a", "title": "x"}, {"title": "y"}]}, "items[1].id: missing 'id'"),
        ({"items": [{"id": "a"}]}, "items[0].title: missing 'title'"),
        ({"items": [{"id": 7, "title": "x"}]}, "items[0].id: 'id' must be a non-empty string"),
        ({"items": [{"id": "a", "title": None}]}, "items[0].title: 'title' must be a string"),
        (
            {"items": [{"id": "a", "title": "x", "description": 3}]},
            "items[0].description: 'description' must",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_problem(tmp_path: Path, payload: Any, message: str) -> None:
    result = run_cli("check", write(tmp_path, payload))
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_bad_arguments_and_missing_file_exit_2(tmp_path: Path) -> None:
    for args in ((), ("check",), ("scan", "x.json"), ("check", str(tmp_path / "absent.json"))):
        result = run_cli(*args)
        assert result.returncode == 2
        assert result.stderr.strip()
        assert result.stdout == ""


def test_empty_items_and_unknown_category_pass(tmp_path: Path) -> None:
    result = run_cli("check", write(tmp_path, {"items": []}))
    assert (result.returncode, json.loads(result.stdout)) == (0, {"results": []})
    payload = {"items": [{"id": "a", "title": "杯子", "description": None, "category": "toys"}]}
    result = run_cli("check", write(tmp_path, payload))
    assert result.returncode == 0
    assert json.loads(result.stdout)["results"][0]["verdict"] == "pass"


def test_validate_items_lists_every_problem_with_its_path() -> None:
    assert validate_items(
        {"items": [{"id": "", "title": 1}, "x", {"id": "b", "title": "t", "category": 5}]}
    ) == [
        ("items[0].id", "'id' must be a non-empty string"),
        ("items[0].title", "'title' must be a string"),
        ("items[1]", "each item must be an object"),
        ("items[2].category", "'category' must be a string"),
    ]


@pytest.mark.req("R1.4.1")
def test_ten_thousand_items_in_one_call() -> None:
    templates = [
        ("纯棉T恤 男 夏季 第{n}款", "pass"),
        ("最好的蓝牙耳机 {n}号", "block"),
        ("限时特价 毛巾 {n}条装", "review"),
        ("面料：100%棉 {n}", "pass"),
        ("🔥ＮＯ．１ 充电宝 {n}", "block"),
    ]
    items = [
        {
            "id": f"i{n}",
            "title": templates[n % 5][0].format(n=n),
            "description": "原价99" if n % 7 == 0 else "",
        }
        for n in range(10_000)
    ]
    results = check_items(items)
    assert len(results) == 10_000
    for n, (item, result) in enumerate(zip(items, results, strict=True)):
        assert result["id"] == item["id"]
        expected = templates[n % 5][1]
        if expected == "pass" and n % 7 == 0:
            expected = "review"
        assert result["verdict"] == expected, (item, result)
        for finding in result["findings"]:
            assert item[finding["field"]][finding["start"] : finding["end"]] == finding["text"]


def test_engine_and_cli_do_not_import_django() -> None:
    code = (
        "import sys; import mallops.compliance.cli; from mallops.compliance.engine import check_items; "
        "check_items([{'id': 'a', 'title': '最好'}]); "
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "[]"
