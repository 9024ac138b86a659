"""The architecture's rules, checked on the source: no import cycles, public names only.

The import graph is read from every `import` statement in the source, function-level
ones included (a cycle hidden inside a function is still a cycle for a reader), with
`TYPE_CHECKING` blocks left out (they never run).
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = "aai_gateway"
ADAPTERS = ("langchain_aai_gateway", "llama_index_aai_gateway")
PUBLIC_CORE_MODULES = frozenset(
    {
        "aai_gateway",
        "aai_gateway.adapters",
        "aai_gateway.batch",
        "aai_gateway.costs",
        "aai_gateway.errors",
        "aai_gateway.testing",
        "aai_gateway.tokens",
        "aai_gateway.transcripts",
        "aai_gateway.types",
    }
)
MAX_TOP_LEVEL_NAMES = 30


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(package: str) -> Iterator[Path]:
    yield from sorted((ROOT / package).rglob("*.py"))


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The modules of `known` that `path` imports (a `from m import x` of a
    submodule `m.x` counts as importing `m.x`)."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            skip.update(id(child) for b in node.body for child in ast.walk(b))
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {m for m in found if m in known}


def import_graph(packages: tuple[str, ...]) -> dict[str, set[str]]:
    files = {module_name(p): p for pkg in packages for p in source_files(pkg)}
    known = set(files)
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        targets = imported_modules(path, known)
        # Importing `a.b.c` runs `a/__init__` and `a/b/__init__` first, except the
        # packages `name` itself sits in, which ran before it did.
        for target in list(targets):
            parts = target.split(".")
            for i in range(1, len(parts)):
                parent = ".".join(parts[:i])
                if parent in known and not name.startswith(parent + "."):
                    targets.add(parent)
        graph[name] = targets - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_core_has_no_import_cycle() -> None:
    graph = import_graph((CORE,))
    assert len(graph) > 20  # the walk found the modules
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("package", ADAPTERS)
def test_adapters_have_no_import_cycle(package: str) -> None:
    assert find_cycle(import_graph((package,))) is None


def test_the_core_never_imports_the_demo_or_an_adapter() -> None:
    for path in source_files(CORE):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                top = name.split(".")[0]
                assert top not in {"aai_gateway_demo", *ADAPTERS}, (path, name)


def test_version_needs_no_package_root() -> None:
    graph = import_graph((CORE,))
    importers = {name for name, targets in graph.items() if CORE in targets}
    assert importers <= {"aai_gateway.__main__"} | {
        n for n in graph if n.startswith("aai_gateway.testing")
    }, importers


@pytest.mark.parametrize("package", [*ADAPTERS, "aai_gateway_demo"])
def test_adapters_import_the_core_through_public_names_only(package: str) -> None:
    core_modules = {module_name(p) for p in source_files(CORE)}
    private = {
        f"{module_name(path)} imports {target}"
        for path in source_files(package)
        for target in imported_modules(path, core_modules)
        if target not in PUBLIC_CORE_MODULES
        and not target.startswith("aai_gateway.testing")
    }
    assert private == set()


def test_the_top_level_namespace_is_small() -> None:
    core = importlib.import_module(CORE)
    assert len(core.__all__) <= MAX_TOP_LEVEL_NAMES, len(core.__all__)


@pytest.mark.parametrize("module", sorted(PUBLIC_CORE_MODULES))
def test_public_modules_export_only_public_names(module: str) -> None:
    namespace = importlib.import_module(module)
    names = list(namespace.__all__)
    assert names, module
    assert len(names) == len(set(names))
    assert all(not n.startswith("_") or n == "__version__" for n in names)
    for name in names:
        assert getattr(namespace, name) is not None, name


def test_moved_names_still_resolve_with_a_warning_naming_their_home() -> None:
    core = importlib.import_module(CORE)
    for name, home in core._MOVED.items():
        with pytest.warns(DeprecationWarning, match=rf"moved to `{home}\.{name}`"):
            old = getattr(core, name)
        assert old is getattr(importlib.import_module(home), name)
        assert name in importlib.import_module(home).__all__
    with pytest.raises(AttributeError, match="no_such_name"):
        core.no_such_name  # noqa: B018
