"""LangChain-only fixtures: a gateway faked with `httpx.MockTransport`, and VCR config.

Cassettes live under `cassettes/langchain/` at the repository root, as plain YAML.
Requests match on method, path and body (not host, so the emulator's port does not
matter); the body matcher compares JSON with UUIDs blanked out, because some
standard tests put fresh `uuid4` tool-call ids into their prompts.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from vcr import VCR

from aai_gateway import TRANSCRIPT_TAG
from tests.conftest import TEST_KEY, completion_body, sse_body, sse_response
from tests.contract import check_request

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "cassettes" / "langchain"
MODEL = "claude-sonnet-4-6"

Handler = Callable[[httpx.Request], httpx.Response]

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Response headers worth keeping in a cassette; everything else is dropped.
_KEPT_RESPONSE_HEADERS = frozenset({"content-type", "x-request-id", "retry-after"})


def _normalised_body(body: bytes | str | None) -> Any:
    if not body:
        return None
    text = body.decode() if isinstance(body, bytes) else body
    text = _UUID.sub("<uuid>", text)
    try:
        return json.loads(text)
    except ValueError:
        return text


def gateway_body(r1: Any, r2: Any) -> None:
    """VCR matcher: JSON bodies equal once UUIDs are blanked out."""
    assert _normalised_body(r1.body) == _normalised_body(r2.body)


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers") or {}
    response["headers"] = {
        k: v
        for k, v in headers.items()
        if k.lower() in _KEPT_RESPONSE_HEADERS or k.lower().startswith("x-ratelimit")
    }
    return response


def _scrub_request(request: Any) -> Any:
    for name in list(request.headers):
        if name.lower() not in {"content-type", "accept"}:
            del request.headers[name]
    return request


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    # record_mode is never set here: the command line decides (addopts: none).
    return {
        "filter_headers": [
            ("authorization", "PLACEHOLDER"),
            ("x-api-key", "PLACEHOLDER"),
        ],
        "before_record_request": _scrub_request,
        "before_record_response": _scrub_response,
        "match_on": ["method", "path", "gateway_body"],
        "allow_playback_repeats": True,
        "decode_compressed_response": True,
        "path_transformer": VCR.ensure_suffix(".yaml"),
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    # Set here rather than as `cassette_library_dir`, so `--record-mode=rewrite`
    # deletes the cassette it is about to record again.
    return str(CASSETTES)


def pytest_recording_configure(config: pytest.Config, vcr: VCR) -> None:
    vcr.register_matcher("gateway_body", gateway_body)


class FakeGateway:
    """A scripted gateway behind `httpx.MockTransport`, for sync and async clients."""

    def __init__(self, handler: Handler) -> None:
        self.requests: list[httpx.Request] = []

        def record(request: httpx.Request) -> httpx.Response:
            request.read()
            self.requests.append(request)
            if request.url.path.endswith("/chat/completions"):
                check_request(json.loads(request.content))
            return handler(request)

        transport = httpx.MockTransport(record)
        self.http_client = httpx.Client(transport=transport)
        self.http_async_client = httpx.AsyncClient(transport=transport)

    def options(self) -> dict[str, Any]:
        return {
            "api_key": TEST_KEY,
            "base_url": "https://gw.test/v1",
            "http_client": self.http_client,
            "http_async_client": self.http_async_client,
        }

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests if r.content]


@pytest.fixture
def fake_gateway() -> Iterator[Callable[[Handler], FakeGateway]]:
    made: list[FakeGateway] = []

    def make(handler: Handler) -> FakeGateway:
        made.append(FakeGateway(handler))
        return made[-1]

    yield make
    for gateway in made:
        gateway.http_client.close()


def json_handler(body: dict[str, Any] | None = None, status: int = 200) -> Handler:
    """Answer every request with one JSON body (a completion by default)."""
    payload = body if body is not None else completion_body()
    return lambda _request: httpx.Response(status, json=payload)


def stream_handler(*events: dict[str, Any] | str) -> Handler:
    """Answer streamed requests with SSE events, others with a completion."""

    def handle(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content).get("stream"):
            return sse_response(sse_body(*events))
        return httpx.Response(200, json=completion_body())

    return handle


REF_PREFIX = "[[assemblyai-transcript:"


def chat_bodies(emulator: Any) -> list[dict[str, Any]]:
    """The JSON bodies of the chat requests the emulator received, oldest first."""
    return [r.json for r in emulator.requests if r.path == "/v1/chat/completions"]


def assert_by_reference(body: dict[str, Any], transcript_id: str) -> None:
    """The request carries one transcript by reference, exactly as the gateway wants."""
    assert body["transcript_id"] == transcript_id
    sent = json.dumps(body)
    assert REF_PREFIX not in sent
    texts = [
        part if isinstance(part, str) else part.get("text", "")
        for m in body["messages"]
        for part in (
            [m["content"]]
            if isinstance(m.get("content"), str)
            else m.get("content") or []
        )
    ]
    assert sum(t.count(TRANSCRIPT_TAG) for t in texts) == 1, texts


__all__ = [
    "MODEL",
    "REF_PREFIX",
    "FakeGateway",
    "assert_by_reference",
    "chat_bodies",
    "json_handler",
    "sse_body",
    "sse_response",
    "stream_handler",
]


# -- the emulator through a ChatAssemblyAI on the test's own HTTP clients -------------
# (closed when the test ends, so no pool outlives its event loop)


@pytest.fixture
def sync_http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


@pytest.fixture
async def async_http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def llm(
    emulator_url: str, sync_http: httpx.Client, async_http: httpx.AsyncClient
) -> Any:
    from langchain_aai_gateway import ChatAssemblyAI

    return ChatAssemblyAI(
        model=MODEL,
        api_key=TEST_KEY,
        base_url=emulator_url,
        http_client=sync_http,
        http_async_client=async_http,
    )


def invoke_in(mode: str, runnable: Any, prompt: Any, **kwargs: Any) -> Any:
    """`invoke`, or `ainvoke` in a fresh event loop, by `mode`."""
    if mode == "sync":
        return runnable.invoke(prompt, **kwargs)
    return asyncio.run(runnable.ainvoke(prompt, **kwargs))


def stream_in(mode: str, runnable: Any, prompt: Any, **kwargs: Any) -> list[Any]:
    """Every chunk of `stream`, or of `astream` in a fresh event loop, by `mode`."""
    if mode == "sync":
        return list(runnable.stream(prompt, **kwargs))

    async def collect() -> list[Any]:
        return [c async for c in runnable.astream(prompt, **kwargs)]

    return asyncio.run(collect())
