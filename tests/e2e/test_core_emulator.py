"""The core clients against the emulator over real sockets: transport behaviour
that a mock transport cannot show (timeouts, drops, pooled connections)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from aai_gateway import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    GatewayClient,
    RateLimitError,
    RetryPolicy,
    StreamInterruptedError,
)
from aai_gateway.adapters import ChunkAccumulator
from aai_gateway.errors import (
    APIResponseValidationError,
    APIStreamError,
    BadRequestError,
    InternalServerError,
    StreamTimeoutError,
)
from aai_gateway.testing import Fault
from tests.conftest import Gateway

pytestmark = pytest.mark.e2e

ASK = {
    "model": "claude-sonnet-4-6",
    "messages": [{"role": "user", "content": "What did we decide?"}],
}


@pytest.fixture
def live(mode: str, emulator_url: str) -> Iterator[Any]:
    made: list[Gateway] = []

    def make(**options: Any) -> Gateway:
        made.append(Gateway(mode, None, base_url=emulator_url, **options))
        return made[-1]

    yield make
    for gateway in made:
        gateway.sync.close()


def open_connections(client: GatewayClient) -> int:
    pool = client._http()._transport._pool  # type: ignore[attr-defined]
    return sum(1 for conn in pool.connections if not conn.is_idle())


def test_chat_round_trip(live: Any, emulator: Any) -> None:
    answer = live().chat(ASK)
    assert answer.content == "Echo: What did we decide?"
    assert answer.finish_reason == "stop"
    assert answer.raw_finish_reason == "end_turn"
    assert answer.usage is not None
    assert answer.usage.input_tokens > 0
    assert answer.usage.output_tokens > 0
    assert answer.request_id
    assert answer.model == "claude-sonnet-4-6"
    assert emulator.requests[0].headers["authorization"] == "test-key"


def test_stream_round_trip(live: Any) -> None:
    chunks = live().stream(ASK)
    acc = ChunkAccumulator()
    for chunk in chunks:
        acc.add(chunk)
    answer = acc.completion()
    assert len(chunks) > 3
    assert answer.content == "Echo: What did we decide?"
    assert answer.usage is not None
    assert answer.usage.output_tokens > 0
    assert answer.finish_reason == "stop"
    assert [c.final for c in chunks].count(True) == 1


def test_tool_call_round_trip(live: Any) -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "magic_function",
            "description": "d",
            "parameters": {
                "type": "object",
                "properties": {"input": {"type": "integer"}},
                "required": ["input"],
            },
        },
    }
    request = {
        **ASK,
        "messages": [{"role": "user", "content": "What is magic_function(3)?"}],
        "tools": [tool],
    }
    gw = live()
    whole = gw.chat(request)
    acc = ChunkAccumulator()
    for chunk in gw.stream(request):
        acc.add(chunk)
    for answer in (whole, acc.completion()):
        assert [(c.name, c.parsed_arguments()) for c in answer.tool_calls] == [
            ("magic_function", {"input": 3})
        ]
        assert answer.finish_reason == "tool_calls"


def test_rate_limited_then_served_after_retry_after(live: Any, emulator: Any) -> None:
    emulator.add_fault(Fault(status=429, headers={"retry-after": "1"}))
    started = time.monotonic()
    answer = live().chat(ASK)
    waited = time.monotonic() - started
    assert answer.content
    assert len(emulator.requests) == 2
    assert waited >= 0.9


def test_retry_after_too_long_raises(live: Any, emulator: Any) -> None:
    emulator.add_fault(Fault(status=429, headers={"retry-after": "120"}))
    with pytest.raises(RateLimitError) as info:
        live().chat(ASK)
    assert info.value.retry_after == 120.0
    assert len(emulator.requests) == 1


def test_server_errors_then_success_leave_no_open_connection(
    emulator: Any, emulator_url: str
) -> None:
    emulator.add_fault(Fault(status=503, times=2))
    client = GatewayClient(
        api_key="test-key",
        base_url=emulator_url,
        retry_policy=RetryPolicy(initial_delay=0.01),
    )
    assert client.chat(ASK).content
    assert len(emulator.requests) == 3
    assert open_connections(client) == 0
    emulator.add_fault(Fault(status=500, times=3))
    with pytest.raises(InternalServerError):
        client.chat(ASK)
    assert open_connections(client) == 0
    client.close()


def test_connection_refused(mode: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gw = Gateway(mode, None, base_url=f"http://127.0.0.1:{port}/v1")
    with pytest.raises(APIConnectionError, match="failed"):
        gw.chat(ASK)
    gw.sync.close()


def test_slow_first_byte_times_out(live: Any, emulator: Any) -> None:
    emulator.add_fault(Fault(first_byte_delay=1.0, times=2))
    with pytest.raises(APITimeoutError):
        live(
            timeout=httpx.Timeout(0.25, connect=1.0), max_retries=1, retry_policy=None
        ).chat(ASK)
    assert len(emulator.requests) == 2


def test_drop_mid_stream_is_not_retried(live: Any, emulator: Any) -> None:
    emulator.add_fault(Fault(drop_after_events=3))
    got, exc = live().stream_until_error(ASK)
    assert isinstance(exc, StreamInterruptedError)
    assert exc.events_received == len(got) >= 1
    assert len(emulator.requests) == 1


def test_drop_before_any_event_is_retried(live: Any, emulator: Any) -> None:
    emulator.add_fault(Fault(drop_after_events=0))
    chunks = live().stream(ASK)
    assert "".join(c.content for c in chunks) == "Echo: What did we decide?"
    assert len(emulator.requests) == 2


def test_error_event_inside_stream(live: Any, emulator: Any) -> None:
    emulator.add_fault(Fault(error_event_after=2))
    _, exc = live().stream_until_error(ASK)
    assert isinstance(exc, APIStreamError)
    assert exc.request_id


@pytest.mark.parametrize(
    "fault",
    [Fault(no_done=True), Fault(keepalive_comments=True), Fault(crlf=True)],
    ids=["no-done", "keepalive", "crlf"],
)
def test_stream_variants_give_the_same_text(
    live: Any, emulator: Any, fault: Fault
) -> None:
    emulator.add_fault(fault)
    chunks = live().stream(ASK)
    assert "".join(c.content for c in chunks) == "Echo: What did we decide?"
    assert chunks[-1].usage is not None


def test_malformed_body(live: Any, emulator: Any) -> None:
    emulator.add_fault(Fault(malformed=True))
    with pytest.raises(APIResponseValidationError):
        live().chat(ASK)


def test_wrong_key_and_bad_request(live: Any) -> None:
    with pytest.raises(AuthenticationError, match="Authentication error"):
        live(api_key="wrong-key").chat(ASK)
    with pytest.raises(BadRequestError, match="not supported") as info:
        live().chat({**ASK, "model": "no-such-model"})
    assert info.value.request_id


def test_model_without_streaming_streams_one_chunk(live: Any, emulator: Any) -> None:
    chunks = live().stream({**ASK, "model": "gpt-oss-20b"})
    assert len(chunks) == 1
    assert chunks[0].content == "Echo: What did we decide?"
    assert "stream" not in (emulator.requests[0].json or {})


def test_one_async_client_across_event_loops(emulator_url: str) -> None:
    import asyncio

    from aai_gateway import AsyncGatewayClient

    client = AsyncGatewayClient(api_key="test-key", base_url=emulator_url)

    async def ask() -> str | None:
        answer = await client.achat(ASK)
        return answer.content

    first = asyncio.run(ask())
    second = asyncio.run(ask())
    assert first == second == "Echo: What did we decide?"

    async def close() -> None:
        await client.aclose()

    asyncio.run(close())


def test_closing_a_stream_early_releases_the_connection(
    emulator: Any, emulator_url: str
) -> None:
    client = GatewayClient(api_key="test-key", base_url=emulator_url)
    with client.stream_chat(ASK) as stream:
        first = next(stream)
    assert first.content
    assert open_connections(client) == 0
    assert client.get_model("claude-sonnet-4-6") is not None
    assert client.get_model("no-such-model") is None
    client.close()


def test_demo_runs_offline() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "aai_gateway", "demo"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "transcript_id=" in out
    assert "{{ transcript }}" in out
    steps = ("LangChain agent", "LlamaIndex", "map-reduce", "from a recording")
    for number, step in enumerate(steps, 1):
        assert f"[{number}/4] {step}" in out
    assert "[calls ask_meeting_transcript]" in out
    totals = json.loads(out.strip().splitlines()[-1])
    assert 0 < totals["bytes_sent"] * 5 < totals["inline_bytes"]


def test_stalled_stream_raises_a_typed_timeout(live: Any, emulator: Any) -> None:
    emulator.add_fault(Fault(stall_after_events=3, stall_seconds=2.0))
    started = time.monotonic()
    got, exc = live(stream_chunk_timeout=0.3).stream_until_error(ASK)
    assert time.monotonic() - started < 1.5
    assert isinstance(exc, StreamTimeoutError)
    assert isinstance(exc, APITimeoutError)
    assert isinstance(exc, StreamInterruptedError)
    assert exc.events_received == len(got) >= 1
    assert "stalled" in str(exc)
    assert len(emulator.requests) == 1


def test_bad_stream_chunk_timeout_is_refused() -> None:
    with pytest.raises(ValueError, match="stream_chunk_timeout"):
        GatewayClient(stream_chunk_timeout=0)
