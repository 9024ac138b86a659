"""The async client's connection pool: aiohttp when installed, httpx otherwise."""

from __future__ import annotations

import gzip
import importlib.util
import json
import socket
from typing import Any

import httpx
import pytest

from aai_gateway import (
    APIConnectionError,
    APITimeoutError,
    AsyncGatewayClient,
    StreamInterruptedError,
)
from aai_gateway._http.transport import (
    ASYNC_TRANSPORT_ENV,
    build_async_http_client,
    build_http_client,
    chosen_async_transport,
    post_request,
)
from aai_gateway.testing import Fault
from tests.conftest import completion_body
from tests.reliability.rawserver import Close, RawServer, Script, Send, head

HAS_AIOHTTP = importlib.util.find_spec("httpx_aiohttp") is not None
needs_aiohttp = pytest.mark.skipif(not HAS_AIOHTTP, reason="httpx-aiohttp missing")
ASK = {"model": "claude-sonnet-4-6", "prompt": "What did we decide?"}
REQUEST = {
    "model": "claude-sonnet-4-6",
    "messages": [{"role": "user", "content": "Hi"}],
}
TRANSPORTS = [
    "httpx",
    pytest.param("aiohttp", marks=needs_aiohttp),
]


def _hide_aiohttp(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "httpx_aiohttp" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


@needs_aiohttp
def test_auto_picks_aiohttp_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ASYNC_TRANSPORT_ENV, raising=False)
    assert chosen_async_transport() == "aiohttp"


def test_auto_falls_back_to_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ASYNC_TRANSPORT_ENV, raising=False)
    _hide_aiohttp(monkeypatch)
    assert chosen_async_transport() == "httpx"


def test_environment_forces_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ASYNC_TRANSPORT_ENV, " HTTPX ")
    assert chosen_async_transport() == "httpx"


def test_aiohttp_asked_for_but_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ASYNC_TRANSPORT_ENV, "aiohttp")
    _hide_aiohttp(monkeypatch)
    with pytest.raises(ValueError, match=r"httpx-aiohttp package"):
        chosen_async_transport()


def test_unknown_transport_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ASYNC_TRANSPORT_ENV, "requests")
    with pytest.raises(ValueError, match=r"'auto', 'aiohttp' or 'httpx'"):
        chosen_async_transport()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_built_client_keeps_timeout_and_limits(
    transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ASYNC_TRANSPORT_ENV, transport)
    limits = httpx.Limits(max_connections=7)
    timeout = httpx.Timeout(3.0, connect=1.0)
    client = build_async_http_client({"timeout": timeout, "limits": limits})
    async with client:
        assert client.timeout == timeout
        pool = client._transport  # the pool the requests go through
        if transport == "aiohttp":
            from httpx_aiohttp import AiohttpTransport

            assert isinstance(pool, AiohttpTransport)
            assert pool.limits == limits  # type: ignore[attr-defined]
        else:
            assert isinstance(pool, httpx.AsyncHTTPTransport)


@pytest.fixture(params=TRANSPORTS)
def on_transport(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, emulator_url: str
) -> AsyncGatewayClient:
    monkeypatch.setenv(ASYNC_TRANSPORT_ENV, request.param)
    return AsyncGatewayClient(base_url=emulator_url, api_key="test-key", max_retries=0)


async def test_chat_and_stream_on_each_transport(
    on_transport: AsyncGatewayClient,
) -> None:
    async with on_transport as client:
        answer = await client.achat(ASK)
        chunks = [c async for c in client.astream_chat(ASK)]
    assert answer.content == "Echo: What did we decide?"
    assert "".join(c.content for c in chunks) == answer.content
    assert chunks[-1].final
    assert chunks[-1].usage is not None


async def test_slow_first_byte_times_out_on_each_transport(
    on_transport: AsyncGatewayClient, emulator: Any
) -> None:
    emulator.add_fault(Fault(first_byte_delay=1.0))
    on_transport.timeout = httpx.Timeout(0.25, connect=1.0)
    async with on_transport as client:
        with pytest.raises(APITimeoutError):
            await client.achat(ASK)


async def test_drop_mid_stream_on_each_transport(
    on_transport: AsyncGatewayClient, emulator: Any
) -> None:
    emulator.add_fault(Fault(drop_after_events=3))
    got: list[object] = []

    async def read_all(client: AsyncGatewayClient) -> None:
        async for chunk in client.astream_chat(ASK):
            got.append(chunk)

    async with on_transport as client:
        with pytest.raises(StreamInterruptedError):
            await read_all(client)
    assert len(got) >= 1


def _cookie_server(request: httpx.Request) -> httpx.Response:
    headers = {"set-cookie": "lb=blue; Path=/"} if request.url.path == "/sticky" else {}
    return httpx.Response(
        200, headers=headers, json={"cookie": request.headers.get("cookie")}
    )


def _count_cookie_parses(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Response]:
    parsed: list[httpx.Response] = []
    real = httpx.Cookies.extract_cookies

    def extract(self: httpx.Cookies, response: httpx.Response) -> None:
        parsed.append(response)
        real(self, response)

    monkeypatch.setattr(httpx.Cookies, "extract_cookies", extract)
    return parsed


def test_cookies_are_parsed_only_from_responses_that_set_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed = _count_cookie_parses(monkeypatch)
    with build_http_client(
        {"transport": httpx.MockTransport(_cookie_server)}
    ) as client:
        client.get("http://gw.test/plain")
        assert parsed == []
        client.get("http://gw.test/sticky")
        assert len(parsed) == 1
        # The cookie a load balancer set is still sent back, as httpx would.
        assert client.get("http://gw.test/plain").json() == {"cookie": "lb=blue"}


async def test_async_client_keeps_set_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ASYNC_TRANSPORT_ENV, "httpx")
    parsed = _count_cookie_parses(monkeypatch)
    options = {"transport": httpx.MockTransport(_cookie_server)}
    async with build_async_http_client(options) as client:
        await client.get("http://gw.test/plain")
        await client.get("http://gw.test/sticky")
        answer = await client.get("http://gw.test/plain")
    assert len(parsed) == 1
    assert answer.json() == {"cookie": "lb=blue"}


# -- requests and answers on a pool built here -------------------------------------

TIMEOUT = httpx.Timeout(7.0, connect=3.0)
CHAT_URL = httpx.URL("http://gw.test/v1/chat/completions")
OUR_HEADERS = {
    "accept": "application/json",
    "User-Agent": "caller/1.0",  # any case: it replaces httpx's own, not beside it
    "authorization": "test-key",
    "X-Team": "a",
}


def _shape(request: httpx.Request) -> tuple[Any, ...]:
    fields = sorted((k.lower(), v) for k, v in request.headers.multi_items())
    timeout = request.extensions["timeout"]
    return request.method, str(request.url), request.content, fields, timeout


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_pool_built_here_makes_the_request_httpx_would(kind: str) -> None:
    build = build_http_client if kind == "sync" else build_async_http_client
    pool = build({"timeout": TIMEOUT})
    made = post_request(
        pool, CHAT_URL, content=b'{"a":1}', headers=OUR_HEADERS, timeout=TIMEOUT
    )
    expected = pool.build_request(
        "POST", CHAT_URL, content=b'{"a":1}', headers=OUR_HEADERS, timeout=TIMEOUT
    )
    assert _shape(made) == _shape(expected)
    assert made.headers.get_list("user-agent") == ["caller/1.0"]


def test_a_callers_own_client_builds_its_requests_itself() -> None:
    theirs = httpx.Client(headers={"x-proxy-token": "p"})
    made = post_request(theirs, CHAT_URL, content=b"{}", headers={}, timeout=TIMEOUT)
    assert made.headers["x-proxy-token"] == "p"


def _cookie_answer() -> list[Script]:
    body = json.dumps(completion_body("Hello.")).encode()
    plain = {"content-type": "application/json", "connection": "close"}
    sticky = {**plain, "set-cookie": "lb=blue; Path=/"}
    return [
        [Send(head(200, sticky, body)), Close()],
        [Send(head(200, plain, body)), Close()],
    ]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_cookie_the_gateway_sets_is_sent_back(
    transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ASYNC_TRANSPORT_ENV, transport)
    with RawServer(_cookie_answer()) as server:
        async with AsyncGatewayClient(
            api_key="test-key", base_url=server.url
        ) as client:
            for _ in range(2):
                assert (await client.achat(REQUEST)).content == "Hello."
    first, second = server.requests
    assert b"cookie:" not in first.lower()
    assert b"cookie: lb=blue" in second.lower()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_compressed_answer_is_decoded(
    transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ASYNC_TRANSPORT_ENV, transport)
    body = gzip.compress(json.dumps(completion_body("Hello.")).encode())
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    script = [Send(head(200, {**headers, "connection": "close"}, body)), Close()]
    with RawServer(script) as server:
        async with AsyncGatewayClient(
            api_key="test-key", base_url=server.url
        ) as client:
            answer = await client.achat(REQUEST)
    assert answer.content == "Hello."
    assert b"accept-encoding: gzip" in server.requests[0].lower()


@needs_aiohttp
async def test_a_refused_connection_names_the_request_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ASYNC_TRANSPORT_ENV, "aiohttp")
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    options = {"api_key": "test-key", "base_url": url, "max_retries": 0}
    async with AsyncGatewayClient(**options) as client:
        with pytest.raises(APIConnectionError, match=r"/v1/chat/completions failed"):
            await client.achat(REQUEST)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
