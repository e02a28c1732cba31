"""`scripts/app_imports.py` counts cross-app imports by kind (issue 16)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "app_imports.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("app_imports", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["app_imports"] = module
    spec.loader.exec_module(module)
    return module


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "mallops" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "mallops"


def test_counts_each_kind_per_pair_and_finds_the_cycle(tmp_path: Path) -> None:
    # given two apps that import each other through each kind of module, and a composition root
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "urls.py": "from mallops.orders import views\n",
            "shop/__init__.py": "",
            "shop/models.py": "",
            "shop/selectors.py": "",
            "shop/helpers.py": "",
            "shop/migrations/__init__.py": "",
            "shop/migrations/0001_initial.py": "import mallops.orders.models\n",
            "orders/__init__.py": "",
            "orders/flash/__init__.py": "",
            "orders/flash/services.py": "from ...shop.models import Thing\n",
            "orders/views.py": (
                "from mallops.shop import models, selectors\n"
                "from mallops.shop.helpers import helper, other\n"
                "from . import flash\n"
                "def f():\n    import mallops.shop\n"
            ),
            "orders/models.py": "from mallops.shop.models import Base\n",
            "shop/services.py": "from mallops.orders.flash.services import buy\n",
        },
    )

    # when
    result = _script().measure(package)

    # then: migrations are left out; `from package import module` counts once per module named
    assert result["by_kind"] == {"models": 3, "facade": 2, "other": 3}
    assert result["total"] == 8
    assert result["pairs"] == [
        {"source": "orders", "target": "shop", "models": 3, "facade": 1, "other": 2, "total": 6},
        {"source": "shop", "target": "orders", "models": 0, "facade": 1, "other": 0, "total": 1},
        {"source": "urls", "target": "orders", "models": 0, "facade": 0, "other": 1, "total": 1},
    ]
    assert result["mutual_pairs"] == [["orders", "shop"]]
    assert result["cycles"] == [["orders", "shop"]]


def test_counts_actor_parameters_still_typed_any_per_app(tmp_path: Path) -> None:
    # given typed and untyped actors in two apps (keyword-only, positional, string annotations)
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "shop/__init__.py": "",
            "shop/services.py": (
                "from typing import Any\n"
                "def a(*, actor: Any) -> None: ...\n"
                "def b(actor: 'Any' = None, other: Any = None) -> None: ...\n"
                "def c(*, actor: Actor) -> None: ...\n"
            ),
            "shop/migrations/__init__.py": "",
            "shop/migrations/0001_initial.py": "def m(actor: Any) -> None: ...\n",
            "orders/__init__.py": "",
            "orders/selectors.py": "import typing\nasync def d(*, actor: typing.Any, user: Any) -> None: ...\n",
            "orders/views.py": "def e(actor) -> None: ...\n",
        },
    )

    # when
    result = _script().untyped_actors(package)

    # then: only parameters named actor and annotated Any; migrations left out
    assert result == {"total": 3, "by_app": {"shop": 2, "orders": 1}}


def test_json_on_the_real_tree_has_the_documented_shape() -> None:
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--json"], capture_output=True, text=True, check=True
    )
    result = json.loads(completed.stdout)

    assert set(result) == {"total", "by_kind", "pairs", "cycles", "mutual_pairs", "untyped_actors"}
    assert set(result["by_kind"]) == {"models", "facade", "other"}
    assert all(type(count) is int for count in result["by_kind"].values())
    assert result["total"] == sum(result["by_kind"].values())
    for pair in result["pairs"]:
        assert set(pair) == {"source", "target", "models", "facade", "other", "total"}
        assert all(type(pair[kind]) is int for kind in ("models", "facade", "other", "total"))
        assert pair["total"] == pair["models"] + pair["facade"] + pair["other"] > 0
        assert pair["source"] != pair["target"]
    assert sum(pair["total"] for pair in result["pairs"]) == result["total"]
    assert all(len(group) >= 2 for group in result["cycles"])
