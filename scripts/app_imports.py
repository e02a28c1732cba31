"""Count the imports that cross from one app of `src/mallops` into another.

    .venv/bin/python scripts/app_imports.py            # a readable table
    .venv/bin/python scripts/app_imports.py --json     # one JSON object (the shape is documented below)

An *app* is a package directly under `mallops` (`orders`, `catalogue`, ...); a top-level module
(`wsgi`, `urls`, `routers`, `demo`, `cli`, `settings`, ...) counts as an app of its own (they are
the composition roots). The console kit (``console.lists``, ``console.forms``, ``console.formats``,
``console.navigation``: the design system every app's pages use, docs/adr/0006) counts as an app of its
own, ``console-kit``, as the layers contract treats it: a library under every app's pages, not the
console's pages at the top. Every `import` / `from ... import` statement is counted, wherever it stands
(module level, inside a function, under `if TYPE_CHECKING:`), once per module it names.

Each crossing has one kind, by the module it reaches in the other app:

- ``models``: the app's `models` module or package (`orders.models`, `service.models.tickets`);
- ``facade``: `services`, `selectors`, `contracts` or `errors` (a module of that name, or a module
  inside a package of that name, at any depth: `orders.flash.services` is a facade of `orders`);
- ``other``: anything else (`orders.checkout`, `catalogue.uploads`, the app package itself ...).

It also counts the parameters named ``actor`` still annotated ``Any`` (issue 16: services take the typed
``Actor`` built at the edge), per app: ``untyped_actors``.

JSON shape::

    {"total": int, "by_kind": {"models": int, "facade": int, "other": int},
     "pairs": [{"source": app, "target": app, "models": int, "facade": int, "other": int,
                "total": int}, ...],          # sorted by total, largest first
     "cycles": [[app, ...], ...],             # strongly connected app groups of two or more
     "mutual_pairs": [[app, app], ...],       # pairs of apps that import each other
     "untyped_actors": {"total": int, "by_app": {app: int, ...}}}   # `actor: Any` parameters

docs/adr/0006-app-dependency-graph.md records the counts and the graph they are measured against.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT_PACKAGE = "mallops"
DEFAULT_SOURCE = Path(__file__).resolve().parents[1] / "src" / ROOT_PACKAGE
KINDS = ("models", "facade", "other")
FACADE_NAMES = frozenset({"services", "selectors", "contracts", "errors"})
CONSOLE_KIT = frozenset({"lists", "forms", "formats", "navigation"})
KIT_APP = "console-kit"


def module_index(package_dir: Path) -> dict[str, Path]:
    """Dotted name -> file for every module under `package_dir` (migrations left out)."""
    modules: dict[str, Path] = {}
    for path in sorted(package_dir.rglob("*.py")):
        relative = path.relative_to(package_dir.parent).with_suffix("")
        parts = list(relative.parts)
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != ROOT_PACKAGE or len(parts) < 2:
        return None
    if parts[1] == "console" and len(parts) > 2 and parts[2] in CONSOLE_KIT:
        return KIT_APP
    return parts[1]


def kind_of(module: str) -> str:
    inner = module.split(".")[2:]
    if "models" in inner:
        return "models"
    if FACADE_NAMES.intersection(inner):
        return "facade"
    return "other"


def imported_modules(module: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The modules of the root package that `module` imports, one per module named."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == ROOT_PACKAGE:
                    yield nearest_module(alias.name, known)
        elif isinstance(node, ast.ImportFrom):
            base = resolve_from(module, is_package, node.level, node.module)
            if base is None or base.split(".")[0] != ROOT_PACKAGE:
                continue
            named = {f"{base}.{alias.name}" for alias in node.names}
            submodules = sorted(name for name in named if name in known)
            if submodules:
                yield from submodules
            if len(submodules) < len(named):
                yield nearest_module(base, known)


def resolve_from(module: str, is_package: bool, level: int, name: str | None) -> str | None:
    if level == 0:
        return name
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    if not parts:
        return None
    return ".".join([*parts, name] if name else parts)


def nearest_module(name: str, known: dict[str, Path]) -> str:
    parts = name.split(".")
    while len(parts) > 1 and ".".join(parts) not in known:
        parts.pop()
    return ".".join(parts)


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm; groups of two or more nodes, each sorted, sorted among themselves."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def _is_any(annotation: ast.expr | None) -> bool:
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return annotation.value.strip() in {"Any", "typing.Any"}
    if isinstance(annotation, ast.Name):
        return annotation.id == "Any"
    return isinstance(annotation, ast.Attribute) and annotation.attr == "Any"


def untyped_actors(package_dir: Path = DEFAULT_SOURCE) -> dict[str, object]:
    """Parameters named ``actor`` annotated ``Any`` (optionally ``= None``), per app (migrations left out)."""
    by_app: dict[str, int] = defaultdict(int)
    for module, path in module_index(package_dir).items():
        app = app_of(module)
        if app is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
                by_app[app] += sum(1 for arg in arguments if arg.arg == "actor" and _is_any(arg.annotation))
    counted = {app: n for app, n in sorted(by_app.items(), key=lambda item: (-item[1], item[0])) if n}
    return {"total": sum(counted.values()), "by_app": counted}


def measure(package_dir: Path = DEFAULT_SOURCE) -> dict[str, object]:
    known = module_index(package_dir)
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    for module, path in known.items():
        source = app_of(module)
        if source is None:
            continue
        for target_module in imported_modules(module, path, known):
            target = app_of(target_module)
            if target is None or target == source:
                continue
            counts[(source, target)][kind_of(target_module)] += 1
    ordered = sorted(counts.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    pairs = [
        {"source": source, "target": target, **kinds, "total": sum(kinds.values())}
        for (source, target), kinds in ordered
    ]
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in counts:
        graph[source].add(target)
    mutual = sorted(
        [source, target] for source, target in counts if source < target and (target, source) in counts
    )
    by_kind = {kind: sum(kinds[kind] for kinds in counts.values()) for kind in KINDS}
    return {
        "total": sum(by_kind.values()),
        "by_kind": by_kind,
        "pairs": pairs,
        "cycles": strongly_connected(graph),
        "mutual_pairs": mutual,
        "untyped_actors": untyped_actors(package_dir),
    }


def render(result: dict[str, object]) -> str:
    by_kind = result["by_kind"]
    assert isinstance(by_kind, dict)
    lines = [
        f"cross-app imports: {result['total']} "
        + "("
        + ", ".join(f"{kind} {by_kind[kind]}" for kind in KINDS)
        + ")",
        "",
        f"{'source':<16} {'target':<16} {'models':>6} {'facade':>6} {'other':>6} {'total':>6}",
    ]
    pairs = result["pairs"]
    assert isinstance(pairs, list)
    for pair in pairs:
        lines.append(
            f"{pair['source']:<16} {pair['target']:<16} "
            f"{pair['models']:>6} {pair['facade']:>6} {pair['other']:>6} {pair['total']:>6}"
        )
    lines.append("")
    mutual = result["mutual_pairs"]
    assert isinstance(mutual, list)
    lines.append("apps importing each other: " + (", ".join(" <-> ".join(p) for p in mutual) or "none"))
    cycles = result["cycles"]
    assert isinstance(cycles, list)
    lines.append(f"app-level cycles (strongly connected groups): {len(cycles)}")
    lines.extend("  " + ", ".join(group) for group in cycles)
    actors = result["untyped_actors"]
    assert isinstance(actors, dict)
    by_app = actors["by_app"]
    assert isinstance(by_app, dict)
    lines.append(
        f"'actor: Any' parameters: {actors['total']}"
        + (" (" + ", ".join(f"{app} {n}" for app, n in by_app.items()) + ")" if by_app else "")
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the mallops package")
    args = parser.parse_args(argv)
    result = measure(args.source)
    print(json.dumps(result, sort_keys=True) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
