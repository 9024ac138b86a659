"""A whole answer on the async client's own pools: what httpx's send did, kept.

On its own aiohttp pool the async client fetches a non-streamed answer in one step
(`aai_gateway/_http/transport.py`); on httpx's pool it goes through httpx's send.
Each test runs on both, so the two paths cannot drift apart.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
from datetime import timedelta

import pytest

from aai_gateway import APIStatusError, AsyncGatewayClient, RetryPolicy
from aai_gateway.errors import APIConnectionError
from tests.conftest import completion_body
from tests.reliability.rawserver import Close, RawServer, Script, Send, head, sse

needs_aiohttp = pytest.mark.skipif(
    importlib.util.find_spec("httpx_aiohttp") is None, reason="httpx-aiohttp missing"
)
TRANSPORTS = ["httpx", pytest.param("aiohttp", marks=needs_aiohttp)]
REQUEST = {
    "model": "claude-sonnet-4-6",
    "messages": [{"role": "user", "content": "Hi"}],
}
BODY = json.dumps(completion_body("Hello.")).encode()
PLAIN = {"content-type": "application/json", "connection": "close"}
ANSWER: Script = [Send(head(200, PLAIN, BODY)), Close()]


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    name: str = request.param
    monkeypatch.setenv("AAI_GATEWAY_ASYNC_TRANSPORT", name)
    return name


def _client(url: str, **options: object) -> AsyncGatewayClient:
    return AsyncGatewayClient(api_key="test-key", base_url=url, **options)  # type: ignore[arg-type]


async def test_closing_the_client_while_a_retry_waits_builds_a_new_pool(
    transport: str,
) -> None:
    busy: Script = [Send(head(503, PLAIN, b'{"error": "busy"}')), Close()]
    slow_retry = RetryPolicy(max_retries=1, initial_delay=0.3, max_delay=0.3)
    with RawServer([busy, ANSWER]) as server:
        client = _client(server.url, retry_policy=slow_retry)
        call = asyncio.create_task(client.achat(REQUEST))
        await asyncio.sleep(0.1)  # the 503 is in; the retry waits
        await client.aclose()
        answer = await call
        await client.aclose()
    assert answer.content == "Hello."
    assert server.connections == 2


async def test_a_cookie_set_on_an_answer_whose_body_fails_is_kept(
    transport: str,
) -> None:
    # The first answer sets a cookie, then stops short of its content-length.
    cut: Script = [
        Send(head(200, {**PLAIN, "set-cookie": "lb=blue; Path=/"}, length=500)),
        Send(b'{"choices": ['),
        Close(),
    ]
    with RawServer([cut, ANSWER]) as server:
        async with _client(server.url, max_retries=0) as client:
            with pytest.raises(APIConnectionError):
                await client.achat(REQUEST)
            assert (await client.achat(REQUEST)).content == "Hello."
    assert b"cookie: lb=blue" in server.requests[1].lower()


async def test_an_error_response_is_timed_like_httpx_times_it(transport: str) -> None:
    refused: Script = [Send(head(400, PLAIN, b'{"error": "bad"}')), Close()]
    with RawServer(refused) as server:
        async with _client(server.url, max_retries=0) as client:
            with pytest.raises(APIStatusError) as caught:
                await client.achat(REQUEST)
    response = caught.value.response
    assert response is not None
    assert isinstance(response.elapsed, timedelta)
    assert response.elapsed.total_seconds() > 0


async def test_httpx_log_line_is_written_for_each_answer(
    transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    with RawServer(ANSWER) as server, caplog.at_level(logging.INFO, logger="httpx"):
        async with _client(server.url) as client:
            await client.achat(REQUEST)
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert len(lines) == 1
    assert lines[0].startswith("HTTP Request: POST http://127.0.0.1:")
    assert lines[0].endswith('/v1/chat/completions "HTTP/1.1 200 OK"')


STATUS = "HTTP/1.1 200 Tr\xe8s bien"  # latin-1 on the wire, as old servers send


async def test_a_reason_phrase_outside_ascii_is_no_error(transport: str) -> None:
    script: Script = [Send(head(STATUS, PLAIN, BODY)), Close()]
    with RawServer(script) as server:
        async with _client(server.url) as client:
            answer = await client.achat(REQUEST)
    assert answer.content == "Hello."


async def test_a_stream_with_a_reason_phrase_outside_ascii_is_no_error(
    transport: str,
) -> None:
    events = {"content-type": "text/event-stream", "connection": "close"}
    script: Script = [
        Send(head(STATUS, events) + sse("Hel", "lo.", done=True)),
        Close(),
    ]
    with RawServer(script) as server:
        async with _client(server.url) as client:
            chunks = [c async for c in client.astream_chat(REQUEST)]
    assert "".join(c.content or "" for c in chunks) == "Hello."
