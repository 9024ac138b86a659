"""Shared fixtures: a gateway faked at the HTTP boundary, run sync or async."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from aai_gateway import (
    AsyncGatewayClient,
    ChatCompletionChunk,
    GatewayClient,
    RetryPolicy,
)
from tests.contract import (
    VENDOR_FILES_MISSING_REASON,
    VENDOR_FILES_PRESENT,
    check_request,
)

TEST_KEY = "test-key"


def pytest_report_header() -> list[str]:
    # The one place a run says whether the vendor contract is checked.
    if VENDOR_FILES_PRESENT:
        return ["contract checks: on (vendor OpenAPI files found beside the clone)"]
    return [f"contract checks: SKIPPED, {VENDOR_FILES_MISSING_REASON}"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    # Repeated at the end, where `-q` (no header) still shows it.
    if not VENDOR_FILES_PRESENT:
        terminalreporter.write_line(
            f"contract checks: SKIPPED, {VENDOR_FILES_MISSING_REASON}"
        )


FAST_RETRIES = RetryPolicy(max_retries=2, initial_delay=0.001, max_delay=0.002)

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture(autouse=True)
def _no_ambient_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's real key, hosts or timeout must never leak into a test run.
    for name in (
        "ASSEMBLYAI_API_KEY",
        "ASSEMBLYAI_LLM_GATEWAY_BASE_URL",
        "ASSEMBLYAI_LLM_GATEWAY_HTTP_TIMEOUT",
        "ASSEMBLYAI_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)


def sse_body(
    *events: dict[str, Any] | str, done: bool = True, newline: str = "\n"
) -> bytes:
    """An SSE body of `data:` events (dicts become JSON), ending with `[DONE]`."""
    lines = [e if isinstance(e, str) else json.dumps(e) for e in events]
    if done:
        lines.append("[DONE]")
    return "".join(f"data: {line}{newline}{newline}" for line in lines).encode()


def sse_response(
    body: bytes | Iterator[bytes], status: int = 200, **headers: str
) -> httpx.Response:
    return httpx.Response(
        status,
        headers={"content-type": "text/event-stream; charset=utf-8", **headers},
        content=body,
    )


class Gateway:
    """One fake gateway, reached through the sync or the async client."""

    def __init__(self, mode: str, handler: Handler | None, **options: Any) -> None:
        self.mode = mode
        self.requests: list[httpx.Request] = []

        def record(request: httpx.Request) -> httpx.Response:
            request.read()
            self.requests.append(request)
            if request.url.path.endswith("/chat/completions"):
                check_request(json.loads(request.content))
            assert handler is not None
            return handler(request)

        options = {
            "api_key": TEST_KEY,
            "base_url": "https://gw.test/v1",
            "retry_policy": FAST_RETRIES,
            **options,
        }
        if handler is None:
            # Real sockets: the clients build their own pools.
            self.sync = GatewayClient(**options)
            self.aio = AsyncGatewayClient(**options)
            return
        transport = httpx.MockTransport(record)
        self.sync = GatewayClient(
            http_client=httpx.Client(transport=transport), **options
        )
        self.aio = AsyncGatewayClient(
            http_client=httpx.AsyncClient(transport=transport), **options
        )

    def chat(self, request: dict[str, Any]) -> Any:
        if self.mode == "sync":
            return self.sync.chat(request)

        async def run() -> Any:
            try:
                return await self.aio.achat(request)
            finally:
                await self.aio.aclose()

        return asyncio.run(run())

    def stream(self, request: dict[str, Any]) -> list[ChatCompletionChunk]:
        if self.mode == "sync":
            return list(self.sync.stream_chat(request))

        async def collect() -> list[ChatCompletionChunk]:
            try:
                return [chunk async for chunk in self.aio.astream_chat(request)]
            finally:
                await self.aio.aclose()

        return asyncio.run(collect())

    def stream_until_error(
        self, request: dict[str, Any]
    ) -> tuple[list[ChatCompletionChunk], BaseException]:
        got: list[ChatCompletionChunk] = []
        try:
            if self.mode == "sync":
                got.extend(self.sync.stream_chat(request))
            else:

                async def collect() -> None:
                    try:
                        async for chunk in self.aio.astream_chat(request):
                            got.append(chunk)
                    finally:
                        await self.aio.aclose()

                asyncio.run(collect())
        except Exception as exc:
            return got, exc
        raise AssertionError(
            f"the stream ended without an error after {len(got)} chunks"
        )

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests if r.content]


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def gateway(mode: str) -> Callable[..., Gateway]:
    def make(handler: Handler, **options: Any) -> Gateway:
        return Gateway(mode, handler, **options)

    return make


def understanding_bodies(emulator: Any) -> list[dict[str, Any]]:
    """The bodies of the Speech Understanding requests the emulator received."""
    return [r.json for r in emulator.requests if r.path == "/v1/understanding"]


def completion_body(content: str | None = "Hello.", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_id": "req-1",
        "model": "claude-sonnet-4-6",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "end_turn",
            }
        ],
        "usage": {
            "input_tokens": 5,
            "prompt_tokens": 5,
            "output_tokens": 2,
            "completion_tokens": 2,
            "total_tokens": 7,
        },
    }
    body.update(extra)
    return body


USER_HI = {
    "model": "claude-sonnet-4-6",
    "messages": [{"role": "user", "content": "Hi"}],
}


PROFILE_VARIABLE = "AAI_GATEWAY_EMULATOR_PROFILE"


def emulator_profile() -> dict[str, Any]:
    """The emulator's reading of unconfirmed rules, from `AAI_GATEWAY_EMULATOR_PROFILE`.

    Unset, the emulator's default (`strict`); CI also runs with `lenient`, so the client
    is shown to work under both readings of what the gateway leaves open.
    """
    profile = os.environ.get(PROFILE_VARIABLE)
    return {} if not profile else {"unconfirmed": profile}


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Any]:
    """One emulator on loopback for the whole run (real sockets)."""
    from aai_gateway.testing import GatewayEmulator

    emulator = GatewayEmulator(rate_limit=None, **emulator_profile())
    with emulator.serve() as server:
        yield emulator, server


@pytest.fixture
def emulator(emulator_server: Any) -> Iterator[Any]:
    """The shared emulator, with its request log, faults and counters reset."""
    emulator, _ = emulator_server
    emulator.reset()
    yield emulator
    # Every request any test sent through the shared emulator meets the contract.
    for recorded in emulator.requests:
        if recorded.path == "/v1/chat/completions" and recorded.json is not None:
            check_request(recorded.json)
    emulator.reset()


@pytest.fixture
def emulator_url(emulator_server: Any, emulator: Any) -> str:
    """The gateway base URL (`.../v1`) of the reset shared emulator."""
    return str(emulator_server[1].base_url)


def rest_paths(emulator: Any) -> list[str]:
    """The paths of the transcript REST (`/v2`) requests the emulator received."""
    return [r.path for r in emulator.requests if r.path.startswith("/v2")]


def forwarding_clients(
    rest: str, hosts: list[str]
) -> tuple[httpx.Client, httpx.AsyncClient]:
    """Clients that note each request's host, then send it to the emulator instead."""

    def redirect(request: httpx.Request) -> httpx.Request:
        hosts.append(request.url.host)
        url = httpx.URL(rest).join(request.url.raw_path.decode())
        return httpx.Request(request.method, url, headers=request.headers)

    def handle(request: httpx.Request) -> httpx.Response:
        with httpx.Client() as upstream:
            response = upstream.send(redirect(request))
        return httpx.Response(response.status_code, content=response.content)

    async def ahandle(request: httpx.Request) -> httpx.Response:
        async with httpx.AsyncClient() as upstream:
            response = await upstream.send(redirect(request))
        return httpx.Response(response.status_code, content=response.content)

    return (
        httpx.Client(transport=httpx.MockTransport(handle)),
        httpx.AsyncClient(transport=httpx.MockTransport(ahandle)),
    )
