"""The shape holds: layers, no import cycles, no oversize files (``docs/architecture.md``).

Read from the source with :mod:`ast`, so every import counts: at module level, under
``TYPE_CHECKING`` and inside functions. ``ALLOWED`` lists today's known offenders; it may only
shrink: an entry that no longer offends fails the test too, so fixing one means deleting it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "scheduler", "content")
MAX_LINES = 600
#: Entry points (the composition root and the command line) may import every layer.
ENTRY_POINTS = frozenset({"bot.runtime", "bot.sandbox", "bot.cli", "bot.demo", "bot.__main__"})

#: Known offenders, each a short string naming the rule and where; may only shrink.
ALLOWED: frozenset[str] = frozenset()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # Alembic's scripts: run by Alembic, imported by nobody
            found[_module_name(path)] = path
    return found


SOURCES = _sources()


def _imports(module: str, path: Path) -> Iterator[str]:
    """Every module ``module`` imports (absolute names), wherever the import statement is."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                if not is_package:
                    anchor = anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield candidate if candidate in SOURCES else base


def _graph() -> dict[str, set[str]]:
    """Project module -> the project modules it imports (packages' ``__init__`` aside when
    reached only as a parent)."""
    graph: dict[str, set[str]] = {}
    for module, path in SOURCES.items():
        graph[module] = {m for m in _imports(module, path) if m in SOURCES and m != module}
    return graph


def _external(module: str) -> set[str]:
    """Top-level names of everything ``module`` imports (ours and third-party)."""
    return {name.split(".")[0] for name in _imports(module, SOURCES[module])}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _imports_ours(module: str, package: str, graph: dict[str, set[str]]) -> bool:
    return any(_in(target, package) for target in graph[module])


def violations() -> set[str]:
    """Every broken rule, one string each."""
    graph = _graph()
    found = {"cycle: " + " <-> ".join(c) for c in _cycles(graph)}
    for module, path in SOURCES.items():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            found.add(f"size: {module} has over {MAX_LINES} lines")
        external = _external(module)
        if module in ENTRY_POINTS:
            continue
        if _in(module, "bot.domain"):
            for banned in ("sqlalchemy", "telegram", "matplotlib", "alembic"):
                if banned in external:
                    found.add(f"layer: {module} imports {banned}")
            for banned in ("bot.storage", "bot.telegram", "bot.emulator", "bot.runtime"):
                if _imports_ours(module, banned, graph):
                    found.add(f"layer: {module} imports {banned}")
        if not _in(module, "bot.storage") and {"sqlalchemy", "alembic"} & external:
            found.add(f"layer: {module} imports sqlalchemy outside bot.storage")
        telegram_allowed = _in(module, "bot.telegram") or _in(module, "bot.emulator")
        if not telegram_allowed and "telegram" in external:
            found.add(f"layer: {module} imports telegram outside the adapter")
        if _in(module, "bot.telegram") and _imports_ours(module, "bot.storage", graph):
            found.add(f"layer: {module} imports bot.storage")
        if _in(module, "bot.storage") and _imports_ours(module, "bot.telegram", graph):
            found.add(f"layer: {module} imports bot.telegram")
        if _in(module, "bot.emulator") and any(
            not _in(target, "bot.emulator") for target in graph[module]
        ):
            found.add(f"layer: {module} imports our code outside bot.emulator")
        if (_in(module, "scheduler") or _in(module, "content")) and _imports_ours(
            module, "bot", graph
        ):
            found.add(f"layer: {module} imports bot")
        if _in(module, "scheduler") and _imports_ours(module, "content", graph):
            found.add(f"layer: {module} imports content")
        if module == "bot.i18n.runtime" and graph[module]:
            found.add(f"layer: {module} imports our code")
        if _in(module, "bot.texts") and any(
            not (_in(target, "bot.texts") or _in(target, "bot.i18n")) for target in graph[module]
        ):
            found.add(f"layer: {module} imports beyond bot.i18n")
    return found


def test_no_new_violations() -> None:
    new = sorted(violations() - ALLOWED)
    assert not new, "the architecture rules are broken:\n" + "\n".join(new)


def test_the_allow_list_only_shrinks() -> None:
    fixed = sorted(ALLOWED - violations())
    assert not fixed, "fixed, so delete from ALLOWED:\n" + "\n".join(fixed)


def test_the_rules_see_every_kind_of_import(tmp_path: Path) -> None:
    """The import reader counts imports under TYPE_CHECKING, inside functions and relative
    ones (a cycle hidden that way is still a cycle)."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from bot.domain import messages\n"
        "def f() -> None:\n    from bot.domain.callbacks import parse\n"
        "from .subjects import DueKind\n"
    )
    probe = tmp_path / "probe.py"
    probe.write_text(source, encoding="utf-8")
    SOURCES.setdefault("bot.domain.probe", probe)
    try:
        seen = set(_imports("bot.domain.probe", probe))
    finally:
        SOURCES.pop("bot.domain.probe", None)
    assert {"bot.domain.messages", "bot.domain.callbacks", "bot.domain.subjects"} <= seen
