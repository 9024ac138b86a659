"""Every ```python block in `docs/*.md` and `README.md` runs against the emulator.

The blocks of one page run in order in one namespace, like a notebook, so a
page can build on what it showed earlier. The emulator is reached the way a
user reaches any gateway: `ASSEMBLYAI_API_KEY` and
`ASSEMBLYAI_LLM_GATEWAY_BASE_URL`; the transcript REST hosts of both regions
point at it too. Top-level `await` works.

A block that is not meant to run (a shell command, a fragment) says so with
`<!-- not-run -->` on the line before it; such blocks are few, and any other
non-Python block without the marker fails the check below. Two kinds need no
marker: `mermaid` diagrams, and blocks that only include a script from
`examples/` (`--8<-- "examples/x.py"`), which `tests/test_examples.py` runs.

A block marked `<!-- output -->` shows what the Python block just before it
prints, and is checked against it: ids, uuids and timings are normalised on both
sides, line breaks count as spaces (a long line may be wrapped for reading), and
`...` in the shown text stands for anything (as in doctest).
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import doctest
import gc
import inspect
import io
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
OUTPUT = "<!-- output -->"
MAX_NOT_RUN = 40  # keep the unrunnable blocks few
MIN_OUTPUTS = 12  # the main blocks show what they print
DIAGRAMS = frozenset({"mermaid"})
_SNIPPET = re.compile(r'^--8<-- "(?P<path>examples/[\w.]+\.py)"$')
# What differs from run to run: ids, uuids, times. Replaced on both sides.
_VOLATILE = [
    (
        re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
        "<uuid>",
    ),
    (re.compile(r"\b(req|call|chatcmpl)[-_][0-9A-Za-z]+"), r"\1-<id>"),
    (re.compile(r"\b\d+(\.\d+)? ?(ms|s)\b"), "<time>"),
]
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
    marker: str = ""  # the HTML comment on the line before, if any

    @property
    def is_output(self) -> bool:
        return self.marker == OUTPUT

    @property
    def is_snippet(self) -> bool:
        lines = self.code.strip().splitlines()
        return bool(lines) and all(_SNIPPET.match(line.strip()) for line in lines)


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of `page`, with whether each is meant to run."""
    text = page.read_text()
    found = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip().splitlines()
        marker = before[-1].strip() if before else ""
        marker = marker if marker in (NOT_RUN, OUTPUT) else ""
        language = match["info"].split()[0] if match["info"].strip() else ""
        indent = len(match["indent"])
        code = "\n".join(line[indent:] for line in match["body"].splitlines())
        line = text.count("\n", 0, match.start()) + 1
        block = Block(page, line, language, code, False, marker)
        run = language == "python" and not marker and not block.is_snippet
        found.append(Block(page, line, language, code, run, marker))
    return found


def normalise(text: str) -> str:
    """`text` with run-to-run differences replaced and trailing spaces dropped."""
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def shows(shown: str, printed: str) -> bool:
    """Whether an output block `shown` is true of what was `printed`."""
    want, got = normalise(shown) + "\n", normalise(printed) + "\n"
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    return doctest.OutputChecker().check_output(want, got, flags)


def _rel(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    emulator = GatewayEmulator(rate_limit=None)
    with emulator.serve() as server:
        yield server.url


def _run(block: Block, namespace: dict[str, object]) -> str:
    """Run `block` in `namespace`; return what it printed."""
    code = compile(
        block.code,
        f"{_rel(block.page)}:{block.line}",
        "exec",
        flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
    )
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        result = eval(code, namespace)  # noqa: S307 - the page's own code
        if inspect.iscoroutine(result):
            asyncio.run(result)
    return printed.getvalue()


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
    printed: str | None = None
    for block in blocks(page):
        if block.is_output:
            where = f"{_rel(page)}:{block.line}"
            assert printed is not None, f"{where}: an output block after no run block"
            assert shows(block.code, printed), (
                f"{where} shows\n{block.code}\nbut the block before it printed\n{printed}"
            )
        printed = _run(block, namespace) if block.run else None
    gc.collect()


def test_every_block_runs_or_says_why_not() -> None:
    unmarked = []
    marked = 0
    for page in PAGES:
        for block in blocks(page):
            marked += block.marker == NOT_RUN
            explained = block.marker or block.language in DIAGRAMS or block.is_snippet
            if block.language != "python" and not explained:
                unmarked.append(f"{_rel(page)}:{block.line} ```{block.language}")
    assert not unmarked, f"blocks that neither run nor say {NOT_RUN!r}: {unmarked}"
    assert marked <= MAX_NOT_RUN, f"{marked} blocks are not run; keep them few"


def test_every_output_follows_a_block_that_runs() -> None:
    outputs = 0
    for page in PAGES:
        found = blocks(page)
        for before, block in zip([None, *found], found, strict=False):
            if block.is_output:
                outputs += 1
                where = f"{_rel(page)}:{block.line}"
                assert before is not None, f"{where}: an output block opens the page"
                assert before.run, f"{where}: an output block must follow a run block"
    assert outputs >= MIN_OUTPUTS, f"only {outputs} blocks show their output"


def test_snippets_name_scripts_that_exist() -> None:
    included = [
        match["path"]
        for page in PAGES
        for block in blocks(page)
        if block.is_snippet
        for match in map(_SNIPPET.match, block.code.strip().splitlines())
        if match
    ]
    assert included, "the Examples page shows no script"
    missing = [path for path in included if not (ROOT / path).is_file()]
    assert not missing, f"snippets of missing files: {missing}"


@pytest.mark.parametrize(
    ("shown", "printed", "expected"),
    [
        ("Echo: hi", "Echo: hi\n", True),
        ("Echo: hi", "Echo: ho\n", False),
        ("req-1 took 12 ms", "req-9f8e took 3.5 ms", True),
        ("first\n...\nlast", "first\nmiddle\nlast", True),
        ("first\n...\nlast", "first\nmiddle", False),
        ("a long\nline", "a long line", True),
    ],
    ids=["same", "different", "volatile", "ellipsis", "ellipsis-miss", "wrapped"],
)
def test_shown_output_is_compared_after_normalising(
    shown: str, printed: str, *, expected: bool
) -> None:
    assert shows(shown, printed) is expected
