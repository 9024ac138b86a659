"""The built documentation site, read as a reader gets it.

The site is built once per run with `mkdocs build --strict` (the same command as
`.ci/run`) into a temporary folder, and its HTML is checked: the API reference
names no private module or member, shows the constructor fields of the classes
users look up first, the guides carry their diagrams, and no link points to a
host the project does not have.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("mkdocs", reason="the docs tools are in the dev extra")
pytest.importorskip("mkdocstrings_handlers.python", reason="the docs tools")

ROOT = Path(__file__).resolve().parents[1]
MIN_DIAGRAMS = 5
# Hosts no link may point to: the project has no home of its own there yet.
MADE_UP = re.compile(r"https?://(?:www\.)?github\.com/aai-gateway\b", re.I)
# `aai_gateway._types`, `langchain_aai_gateway._common.X`: a private module path.
PRIVATE_PATH = re.compile(r"\b[a-z_][a-z0-9_]*\._[a-zA-Z0-9_]+")


class _Page(HTMLParser):
    """The visible text, the member headings and the links of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.headings: list[str] = []
        self.links: list[str] = []
        self.titles: list[str] = []
        self.mermaid = 0
        self._skip = 0  # inside <script> or <style>
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if "mermaid" in (values.get("class") or "").split():
            self.mermaid += 1
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if values.get("title"):
            self.titles.append(values["title"] or "")
        if tag in ("h2", "h3", "h4", "h5") and "doc-heading" in (
            values.get("class") or ""
        ):
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1
        if tag in ("h2", "h3", "h4", "h5") and self._heading is not None:
            self.headings.append("".join(self._heading).strip())
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._heading is not None:
            self._heading.append(data)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return out


def _pages(site: Path, under: str = "") -> Iterator[Path]:
    yield from sorted((site / under).glob("**/index.html"))


def _api_page(site: Path, name: str) -> _Page:
    return _parse(site / "api" / name / "index.html")


@pytest.mark.timeout(300)
def test_the_api_reference_names_nothing_private(site: Path) -> None:
    found = []
    for path in _pages(site, "api"):
        page = _parse(path)
        visible = html.unescape(" ".join(page.text))
        shown = [
            *PRIVATE_PATH.findall(visible),
            *PRIVATE_PATH.findall(" ".join(page.titles)),
        ]
        private_headings = [h for h in page.headings if h.lstrip().startswith("_")]
        dumps = [word for word in ("__all__",) if word in visible]
        for what in (*shown, *private_headings, *dumps):
            found.append(f"{path.relative_to(site)}: {what}")
    assert not found, "private names in the API reference:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("api_page", "cls", "fields"),
    [
        (
            "langchain",
            "ChatAssemblyAI",
            ["model", "api_key", "temperature", "transcript_id", "max_retries"],
        ),
        (
            "llama_index",
            "AssemblyAI",
            ["model", "api_key", "transcript_id", "http_client", "context_window"],
        ),
        (
            "core",
            "GatewayClient",
            ["api_key", "base_url", "region", "timeout", "max_retries", "http_client"],
        ),
    ],
    ids=["ChatAssemblyAI", "AssemblyAI", "GatewayClient"],
)
def test_the_constructor_fields_are_shown(
    site: Path, api_page: str, cls: str, fields: list[str]
) -> None:
    text = (site / "api" / api_page / "index.html").read_text(encoding="utf-8")
    start = text.index(f'id="{_anchor(api_page, cls)}"')
    end = text.find('class="doc doc-object doc-class"', start + 1)
    section = text[start : end if end > 0 else len(text)]
    parameters = section[section.index("Parameters:") :]
    parameters = parameters[: parameters.index("</ul>")]
    items = re.findall(
        r'<li class="doc-section-item field-body">(.*?)</li>', parameters, re.S
    )
    shown = {}
    for item in items:
        plain = " ".join(html.unescape(re.sub(r"<[^>]+>", "", item)).split())
        name, _, rest = plain.partition(" ")
        shown[name] = rest.split("\u2013")[0].strip()  # "(type, default: value)"
    missing = [f for f in fields if f not in shown]
    assert not missing, f"{cls} shows no entry for {missing}"
    for name in fields:
        assert shown[name].startswith("("), f"{cls}.{name} has no type: {shown[name]!r}"
        if name != "model":
            assert "default:" in shown[name], f"{cls}.{name} shows no default"


def _anchor(api_page: str, cls: str) -> str:
    module = {
        "core": "aai_gateway",
        "langchain": "langchain_aai_gateway",
        "llama_index": "llama_index_aai_gateway",
    }[api_page]
    return f"{module}.{cls}"


def test_the_guides_have_diagrams(site: Path) -> None:
    counts = {
        str(path.relative_to(site)): _parse(path).mermaid for path in _pages(site)
    }
    assert sum(counts.values()) >= MIN_DIAGRAMS, counts
    for page in (
        "index.html",
        "transcripts/index.html",
        "architecture/index.html",
        "reliability/index.html",
        "testing/index.html",
    ):
        assert counts[page] >= 1, f"{page} has no diagram"


def test_no_link_points_to_a_made_up_host(site: Path) -> None:
    bad = [
        f"{path.relative_to(site)}: {link}"
        for path in _pages(site)
        for link in _parse(path).links
        if MADE_UP.search(link)
    ]
    assert not bad, "links to a host the project does not have:\n" + "\n".join(bad)
    sources = [
        ROOT / "mkdocs.yml",
        ROOT / "README.md",
        *sorted((ROOT / "docs").glob("**/*.md")),
    ]
    assert not [p.name for p in sources if MADE_UP.search(p.read_text())]


def test_the_checks_can_fail() -> None:
    page = _Page()
    page.feed(
        '<h2 class="doc doc-heading">_rebuild_error</h2><p>aai_gateway._exceptions</p>'
        '<div class="mermaid">graph TD</div><a href="https://github.com/aai-gateway/x">x</a>'
    )
    assert page.headings == ["_rebuild_error"]
    assert PRIVATE_PATH.findall(" ".join(page.text)) == ["aai_gateway._exceptions"]
    assert page.mermaid == 1
    assert MADE_UP.search(page.links[0])
