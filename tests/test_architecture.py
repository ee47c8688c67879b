"""The layout's promises, checked on the source: no import cycles, nothing imports upward.

Data flows one way (README "Architecture"): intake → profiles → features → scores → solver →
networks → outputs → run folder, with the CLI on top. Each rule below names a room and the
rooms it must never import; the test reads every ``import`` statement (including those
inside functions and under ``TYPE_CHECKING``) with :mod:`ast`, so a late import cannot hide
a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("scoring", "matcher", "cli", "service")

#: room (module or package prefix) → prefixes it must never import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "scoring": ("matcher", "cli", "service"),
    "matcher": ("service",),
    # The service calls the product only through service.actions (one place to follow).
    "service.api": ("scoring", "matcher"),
    "service.pages": ("scoring", "matcher"),
    "service.wizard": ("scoring", "matcher"),
    "scoring.errors": ("scoring.",),
    "scoring.text": ("scoring.config", "scoring.profiles", "scoring.intake", "scoring.features",
                     "scoring.rules", "scoring.scorer", "scoring.explain"),
    "scoring.config": ("scoring.profiles", "scoring.intake", "scoring.features",
                       "scoring.rules", "scoring.scorer", "scoring.explain"),
    "scoring.profiles": ("scoring.intake", "scoring.features", "scoring.rules",
                         "scoring.scorer", "scoring.explain"),
    "scoring.intake": ("scoring.features", "scoring.rules", "scoring.scorer",
                       "scoring.explain"),
    "scoring.features": ("scoring.scorer", "scoring.explain", "scoring.intake"),
    "scoring.rules": ("scoring.scorer", "scoring.explain", "scoring.intake"),
    "scoring.rule_inputs": ("scoring.features", "scoring.rules", "scoring.scorer",
                            "scoring.explain", "scoring.intake"),
    "scoring.scorer": ("scoring.explain", "scoring.intake"),
    "matcher.solver": ("scoring", "cli", "matcher.outputs", "matcher.runfolder",
                       "matcher.pipeline", "matcher.outcome", "matcher.encoder",
                       "matcher.rematch", "matcher.audit"),
    "matcher.outcome": ("matcher.outputs", "matcher.runfolder", "matcher.pipeline",
                        "matcher.rematch", "matcher.audit", "cli"),
    "matcher.encoder": ("matcher.outputs", "matcher.runfolder", "matcher.pipeline",
                        "matcher.rematch", "matcher.audit", "cli"),
    "matcher.pipeline": ("matcher.outputs", "matcher.runfolder", "matcher.rematch",
                         "matcher.audit", "cli"),
    "matcher.outputs": ("matcher.runfolder", "matcher.pipeline", "matcher.rematch",
                        "matcher.audit", "cli"),
    "matcher.runfolder": ("matcher.pipeline", "matcher.rematch", "matcher.audit", "cli"),
    "matcher.runfolder.writer": ("matcher.runfolder.reader", "matcher.runfolder.diff"),
    "matcher.rematch": ("matcher.audit", "matcher.jobs", "cli"),
    "matcher.audit": ("matcher.jobs", "cli"),
    "matcher.jobs": ("cli",),
}

#: The exceptions, each with its reason: (importer prefix, imported module).
ALLOWED: frozenset[tuple[str, str]] = frozenset({
    # The run folder's layout (file names and columns) is a leaf that the tables rendering
    # those files and the reader reading them back both take from one place.
    ("matcher.outputs", "matcher.runfolder.layout"),
})


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, resolved to absolute names (relative imports too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = _module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            # `from matcher.solver import flow_graph` imports the submodule too.
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {m for m in _imports(path) if m in modules and m != name}
    return graph


def _within(module: str, prefix: str) -> bool:
    if prefix.endswith("."):
        return module.startswith(prefix)
    return module == prefix or module.startswith(prefix + ".")


GRAPH = _graph()


def test_every_module_is_seen() -> None:
    assert "matcher.solver.dispatch" in GRAPH and "scoring.intake.cohort" in GRAPH
    assert "scoring.config" in GRAPH["scoring.intake.cohort"], "the graph misses imports"


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_no_upward_import(room: str) -> None:
    offenders = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items() if _within(module, room)
        for target in targets
        for banned in FORBIDDEN[room]
        if _within(target, banned) and not _within(target, room)
        and not any(_within(module, a) and target == b for a, b in ALLOWED)
    )
    assert not offenders, "upward imports:\n" + "\n".join(offenders)


def test_no_import_cycle() -> None:
    """Tarjan's strongly connected components over module imports: every one is a single
    module (a package ``__init__`` importing its own submodules is not a cycle)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def edges(module: str) -> set[str]:
        return {t for t in GRAPH[module] if not _within(t, module)}

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in edges(module):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert not cycles, f"import cycles: {cycles}"


def test_every_package_says_what_it_holds() -> None:
    for init in sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc.splitlines()) >= 3, f"{init.relative_to(ROOT)} needs a docstring"
