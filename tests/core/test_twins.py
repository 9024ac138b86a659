"""Sync/async twins stay thin: no pair alike over ten lines once `await` is gone.

Every `async def` (or async generator) in the core whose name is a sync one's
with an `a` prefix (`achat`/`chat`, `_asend`/`_send`) is compared with it, in the
same module or the same package, after removing `async`/`await`, mapping the
async names to the sync ones and dropping blank lines, comments and docstrings.
The shared lines must stay at ten or fewer: what both shells do alike belongs in
the pure layer they call (design.md, section 4).
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "aai_gateway"
MOST_ALIKE = 10

_SAME = (
    ("aread", "read"),
    ("aclose", "close"),
    ("aiter_bytes", "iter_bytes"),
    ("aiter_raw", "iter_raw"),
    ("__anext__", "__next__"),
    ("__aiter__", "__iter__"),
    ("asyncio.sleep", "time.sleep"),
    ("AsyncIterator", "Iterator"),
    ("AsyncGenerator", "Generator"),
)

Function = ast.FunctionDef | ast.AsyncFunctionDef


def sync_name(name: str) -> str | None:
    """The sync twin's name of an async function's, if it has the `a` prefix."""
    if name.startswith("_a") and len(name) > 2:
        return "_" + name[2:]
    if name.startswith("a") and len(name) > 1 and not name.startswith("_"):
        return name[1:]
    return None


def _is_async(node: Function) -> bool:
    return isinstance(node, ast.AsyncFunctionDef) or any(
        isinstance(n, ast.Await | ast.AsyncFor | ast.AsyncWith) for n in ast.walk(node)
    )


def body_lines(node: Function, source: list[str], names: dict[str, str]) -> list[str]:
    """The body's lines, docstring left out, in the sync spelling."""
    body = node.body
    if (
        isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    if not body:
        return []
    text = "\n".join(source[body[0].lineno - 1 : node.end_lineno])
    text = re.sub(r"\basync\s+(?=def|for|with)", "", text)
    text = re.sub(r"\bawait\s+", "", text)
    for async_name, name in (*names.items(), *_SAME):
        text = re.sub(rf"\b{re.escape(async_name)}\b", name, text)
    stripped = (line.strip() for line in text.splitlines())
    return [line for line in stripped if line and not line.startswith("#")]


def alike(first: list[str], second: list[str]) -> int:
    """How many lines the two bodies share, in order."""
    matcher = difflib.SequenceMatcher(None, first, second, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


def functions(path: Path) -> Iterator[Function]:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield item


def twin_pairs(root: Path) -> Iterator[tuple[str, int]]:
    """Each async function's twin, as `where` and the number of lines alike."""
    found: dict[str, list[tuple[Path, Function, list[str]]]] = {}
    for path in sorted(root.rglob("*.py")):
        source = path.read_text().splitlines()
        for node in functions(path):
            found.setdefault(node.name, []).append((path, node, source))
    names = {n: s for n in found if (s := sync_name(n)) is not None and s in found}
    for async_name, name in names.items():
        for path, node, source in found[async_name]:
            if not _is_async(node):
                continue
            mine = body_lines(node, source, names)
            for other_path, other, other_source in found[name]:
                if other_path.parent != path.parent or _is_async(other):
                    continue
                theirs = body_lines(other, other_source, names)
                where = f"{path.relative_to(root.parent)}:{async_name} ~ {name}"
                yield where, alike(mine, theirs)


def test_no_twin_pair_of_the_core_is_alike_over_ten_lines() -> None:
    pairs = dict(twin_pairs(CORE))
    assert "aai_gateway/_http/client.py:achat ~ chat" in pairs
    too_alike = {where: n for where, n in pairs.items() if n > MOST_ALIKE}
    assert too_alike == {}


@pytest.mark.parametrize("shared", [MOST_ALIKE, MOST_ALIKE + 1])
def test_the_check_counts_lines_alike_after_await_is_removed(
    tmp_path: Path, shared: int
) -> None:
    steps = "\n".join(f"    x{n} = step({n})" for n in range(shared))
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(
        f"def run():\n{steps}\n    time.sleep(1)\n"
        f"async def arun():\n{steps.replace('step(', 'await step(')}\n"
        "    await asyncio.sleep(1)\n"
    )
    [(where, count)] = twin_pairs(tmp_path / "pkg")
    assert where == "pkg/m.py:arun ~ run"
    assert count == shared + 1
