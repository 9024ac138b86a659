"""Every ```python block in `docs/*.md` and `README.md` runs against the emulator.

The blocks of one page run in order in one namespace, like a notebook, so a
page can build on what it showed earlier. The emulator is reached the way a
user reaches any gateway: `ASSEMBLYAI_API_KEY` and
`ASSEMBLYAI_LLM_GATEWAY_BASE_URL`; the transcript REST hosts of both regions
point at it too. Top-level `await` works.

A block that is not meant to run (a shell command, a fragment) says so with
`<!-- not-run -->` on the line before it; such blocks are few, and any other
non-Python block without the marker fails the check below.
"""

from __future__ import annotations

import ast
import asyncio
import gc
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from aai_gateway._config import TRANSCRIPT_API_BASE_URLS
from aai_gateway.testing import GatewayEmulator
from tests._third_party import THIRD_PARTY_WARNINGS

ROOT = Path(__file__).resolve().parents[1]
PAGES = [*sorted((ROOT / "docs").glob("**/*.md")), ROOT / "README.md"]
NOT_RUN = "<!-- not-run -->"
MAX_NOT_RUN = 40  # keep the unrunnable blocks few
_FENCE = re.compile(
    r"^(?P<indent> *)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.S | re.M,
)


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    code: str
    run: bool


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of `page`, with whether each is meant to run."""
    text = page.read_text()
    found = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip().splitlines()
        marked = bool(before) and before[-1].strip() == NOT_RUN
        language = match["info"].split()[0] if match["info"].strip() else ""
        indent = len(match["indent"])
        code = "\n".join(line[indent:] for line in match["body"].splitlines())
        line = text.count("\n", 0, match.start()) + 1
        found.append(
            Block(page, line, language, code, language == "python" and not marked)
        )
    return found


def _rel(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    emulator = GatewayEmulator(rate_limit=None)
    with emulator.serve() as server:
        yield server.url


def _run(block: Block, namespace: dict[str, object]) -> None:
    code = compile(
        block.code,
        f"{_rel(block.page)}:{block.line}",
        "exec",
        flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
    )
    result = eval(code, namespace)  # noqa: S307 - the page's own code
    if inspect.iscoroutine(result):
        asyncio.run(result)


# Collected at the end of the test, so whatever it left open is reported here.
@THIRD_PARTY_WARNINGS
@pytest.mark.parametrize("page", PAGES, ids=_rel)
def test_page_code_runs(
    page: Path, gateway: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "test-key")
    monkeypatch.setenv("ASSEMBLYAI_LLM_GATEWAY_BASE_URL", f"{gateway}/v1")
    for region in ("us", "eu"):
        monkeypatch.setitem(TRANSCRIPT_API_BASE_URLS, region, gateway)  # type: ignore[arg-type]
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block in blocks(page):
        if block.run:
            _run(block, namespace)
    gc.collect()


def test_every_block_runs_or_says_why_not() -> None:
    unmarked = []
    marked = 0
    for page in PAGES:
        for block in blocks(page):
            before = block.page.read_text().splitlines()[: block.line - 1]
            is_marked = bool(before) and before[-1].strip() == NOT_RUN
            marked += is_marked
            if block.language != "python" and not is_marked:
                unmarked.append(f"{_rel(page)}:{block.line} ```{block.language}")
    assert not unmarked, f"blocks that neither run nor say {NOT_RUN!r}: {unmarked}"
    assert marked <= MAX_NOT_RUN, f"{marked} blocks are not run; keep them few"
