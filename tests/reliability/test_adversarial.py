"""The unhappy path over a raw socket: answers cut short, drip feeds, garbage.

Each test plays a scripted server (`rawserver.RawServer`) against the core client
(sync, async on httpx's pool and on aiohttp's) and against both adapters
(`ChatAssemblyAI.invoke/stream/astream`, LlamaIndex `chat/stream_chat/astream_chat`).
Timing bounds are generous multiples of the configured timeouts, and every
scenario would take several times longer (or succeed) under the old behaviour.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aai_gateway import (
    APIConnectionError,
    APITimeoutError,
    AssemblyAIGatewayError,
    AsyncGatewayClient,
    GatewayClient,
    RetryPolicy,
    StreamInterruptedError,
)
from aai_gateway.errors import APIResponseValidationError, StreamTimeoutError
from tests.conftest import completion_body
from tests.reliability.conftest import MODEL, TEST_KEY, Outcome, Runner
from tests.reliability.rawserver import (
    Close,
    Drip,
    RawServer,
    Reset,
    Send,
    Sleep,
    Stall,
    Step,
    chunked,
    head,
    sse,
)

FAST = RetryPolicy(max_retries=1, initial_delay=0.001, max_delay=0.002)
REQUEST = {"model": MODEL, "messages": [{"role": "user", "content": "Hi"}]}
SSE = {"content-type": "text/event-stream", "x-request-id": "r-raw"}
SSE_CHUNKED = {**SSE, "transfer-encoding": "chunked"}
SSE_CLOSE = {**SSE, "connection": "close"}
JSON = {"content-type": "application/json", "connection": "close"}
ANSWER = json.dumps(completion_body("Hello.")).encode()
WHOLE_STREAM = [Send(head(200, SSE_CLOSE) + sse("Hel", "lo", done=True)), Close()]
CORE_MODES = ["sync", "async-httpx", "async-aiohttp"]
ASYNC_TRANSPORT_ENV = "AAI_GATEWAY_ASYNC_TRANSPORT"


@pytest.fixture
def raw() -> Iterator[Callable[..., RawServer]]:
    """Start raw servers for one test; all are stopped afterwards."""
    servers: list[RawServer] = []

    def start(script: Any, **options: Any) -> RawServer:
        servers.append(RawServer(script, **options).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(params=CORE_MODES)
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The core client's mode: sync, or async on either connection pool."""
    name: str = request.param
    if name.startswith("async-"):
        monkeypatch.setenv(ASYNC_TRANSPORT_ENV, name.removeprefix("async-"))
    return name


# -- driving the core client -------------------------------------------------------


@dataclass
class Result:
    """What one core call ended with."""

    texts: list[str] = field(default_factory=list)
    answer: Any = None
    error: BaseException | None = None
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return "".join(self.texts)


def core_call(mode: str, url: str, *, stream: bool, **options: Any) -> Result:
    """One chat (or stream) through the core client; the error is in the result."""
    options = {"api_key": TEST_KEY, "base_url": url, "retry_policy": FAST, **options}
    result = Result()
    started = time.monotonic()
    try:
        if mode == "sync":
            with GatewayClient(**options) as client:
                _sync_call(client, stream, result)
        else:
            asyncio.run(_async_call(options, stream, result))
    except Exception as exc:
        result.error = exc
    result.seconds = time.monotonic() - started
    return result


def _sync_call(client: GatewayClient, stream: bool, result: Result) -> None:
    if not stream:
        result.answer = client.chat(REQUEST)
        return
    for chunk in client.stream_chat(REQUEST):
        result.texts.append(chunk.content)
        result.answer = chunk if chunk.final else result.answer


async def _async_call(options: dict[str, Any], stream: bool, result: Result) -> None:
    async with AsyncGatewayClient(**options) as client:
        if not stream:
            result.answer = await client.achat(REQUEST)
            return
        async for chunk in client.astream_chat(REQUEST):
            result.texts.append(chunk.content)
            result.answer = chunk if chunk.final else result.answer


# -- 1. a truncated stream is never a complete answer ----------------------------------

CUT_STREAMS = {
    "chunked-clean-end": [
        Send(head(200, SSE_CHUNKED) + chunked(sse("Hel", "lo"))),
        Close(),
    ],
    "close-eof": [Send(head(200, SSE_CLOSE) + sse("Hel", "lo")), Close()],
}


@pytest.mark.parametrize("script", CUT_STREAMS.values(), ids=CUT_STREAMS.keys())
def test_stream_cut_after_events_raises_with_partial_content(
    raw: Callable[..., RawServer], mode: str, script: list[Step]
) -> None:
    server = raw(script)
    result = core_call(mode, server.url, stream=True)
    assert isinstance(result.error, StreamInterruptedError), result.error
    assert not isinstance(result.error, StreamTimeoutError)
    assert result.error.partial_content == "Hello"
    assert result.error.events_received == 2
    assert result.error.request_id == "r-raw"
    assert "[DONE]" in str(result.error)
    assert server.connections == 1  # delivered text is never asked for again


def test_stream_cut_before_any_event_is_retried_without_duplicates(
    raw: Callable[..., RawServer], mode: str
) -> None:
    cut = [Send(head(200, SSE_CHUNKED) + chunked(b": warming up\n\n")), Close()]
    server = raw([cut, WHOLE_STREAM])
    result = core_call(mode, server.url, stream=True)
    assert result.error is None
    assert result.texts == ["Hel", "lo", ""]
    assert server.connections == 2


def test_stream_cut_before_any_event_every_time_is_a_connection_error(
    raw: Callable[..., RawServer], mode: str
) -> None:
    server = raw([Send(head(200, SSE_CLOSE)), Close()])
    result = core_call(mode, server.url, stream=True)
    assert isinstance(result.error, APIConnectionError), result.error
    assert not isinstance(result.error, StreamInterruptedError)
    assert server.connections == 2


def test_finish_reason_without_done_is_a_whole_answer(
    raw: Callable[..., RawServer], mode: str
) -> None:
    server = raw([Send(head(200, SSE_CLOSE) + sse("Hi", finish="stop")), Close()])
    result = core_call(mode, server.url, stream=True)
    assert result.error is None
    assert result.text == "Hi"
    assert result.answer.finish_reason == "stop"


CUT_BODIES = {
    "content-length-not-met": [
        Send(head(200, JSON, ANSWER[:40], length=len(ANSWER))),
        Close(),
    ],
    "close-delimited-json": [Send(head(200, {**JSON}) + ANSWER[:40]), Close()],
    "chunked-json": [
        Send(
            head(200, {**JSON, "transfer-encoding": "chunked"}) + chunked(ANSWER[:40])
        ),
        Close(),
    ],
}
WHOLE_BODY = [Send(head(200, JSON, ANSWER)), Close()]


@pytest.mark.parametrize("cut", CUT_BODIES.values(), ids=CUT_BODIES.keys())
def test_body_cut_short_is_retried(
    raw: Callable[..., RawServer], mode: str, cut: list[Step]
) -> None:
    server = raw([cut, WHOLE_BODY])
    result = core_call(mode, server.url, stream=False)
    assert result.error is None, result.error
    assert result.answer.content == "Hello."
    assert server.connections == 2


@pytest.mark.parametrize("cut", CUT_BODIES.values(), ids=CUT_BODIES.keys())
def test_body_cut_short_every_time_is_a_connection_error(
    raw: Callable[..., RawServer], mode: str, cut: list[Step]
) -> None:
    server = raw(cut)
    result = core_call(mode, server.url, stream=False)
    assert isinstance(result.error, APIConnectionError), result.error
    assert server.connections == 2


# -- 2. deadlines that hold against keep-alives and drip feeds --------------------------

TICK = 0.5  # the timeouts under test; every script outlasts several of them
KEEPALIVES = [Send(b": keep-alive\n\n"), Sleep(0.1)] * 40  # 4 s of comments


def test_keepalive_comments_do_not_reset_the_event_timeout(
    raw: Callable[..., RawServer], mode: str
) -> None:
    script = [Send(head(200, SSE_CLOSE) + sse("Hel")), *KEEPALIVES]
    server = raw([*script, Send(sse("lo", done=True)), Close()])
    result = core_call(mode, server.url, stream=True, stream_chunk_timeout=TICK)
    assert isinstance(result.error, StreamTimeoutError), result.error
    assert result.error.partial_content == "Hel"
    assert "stream_chunk_timeout" in str(result.error)
    assert result.seconds < 4 * TICK


def test_keepalives_before_any_event_time_out_and_are_retried(
    raw: Callable[..., RawServer], mode: str
) -> None:
    server = raw([Send(head(200, SSE_CLOSE)), *KEEPALIVES, Close()])
    result = core_call(mode, server.url, stream=True, stream_chunk_timeout=TICK)
    assert isinstance(result.error, APITimeoutError), result.error
    assert not isinstance(result.error, StreamInterruptedError)
    assert server.connections == 2
    assert result.seconds < 2 * 4 * TICK


def test_a_slow_reader_is_not_a_silent_server(
    raw: Callable[..., RawServer], mode: str
) -> None:
    events = [Send(head(200, SSE_CLOSE) + sse("a")), Sleep(0.05), Send(sse("b"))]
    server = raw([*events, Sleep(0.05), Send(sse("c", done=True)), Close()])
    options: dict[str, Any] = {
        "api_key": TEST_KEY,
        "base_url": server.url,
        "stream_chunk_timeout": 0.2,
    }
    texts = []
    if mode == "sync":
        with GatewayClient(**options) as client:
            for chunk in client.stream_chat(REQUEST):
                texts.append(chunk.content)
                time.sleep(0.3)
    else:

        async def read() -> None:
            async with AsyncGatewayClient(**options) as client:
                async for chunk in client.astream_chat(REQUEST):
                    texts.append(chunk.content)
                    await asyncio.sleep(0.3)

        asyncio.run(read())
    assert texts == ["a", "b", "c", ""]


def test_an_event_dripped_byte_by_byte_times_out(
    raw: Callable[..., RawServer], mode: str
) -> None:
    event = sse("a much longer piece of text, dripped one byte at a time")
    script = [Send(head(200, SSE_CLOSE) + sse("Hel")), Drip(event, 0.05), Close()]
    result = core_call(mode, raw(script).url, stream=True, stream_chunk_timeout=TICK)
    assert isinstance(result.error, StreamTimeoutError), result.error
    assert result.seconds < 4 * TICK


def test_a_dripped_json_body_is_bounded_by_timeout(
    raw: Callable[..., RawServer], mode: str
) -> None:
    server = raw([Send(head(200, JSON, length=len(ANSWER))), Drip(ANSWER, 0.02)])
    result = core_call(mode, server.url, stream=False, timeout=TICK)
    assert isinstance(result.error, APITimeoutError), result.error
    assert "timeout" in str(result.error)
    assert server.connections == 2
    assert result.seconds < 2 * 4 * TICK


def test_timeout_bounds_each_attempt_not_the_waits_between(
    raw: Callable[..., RawServer], mode: str
) -> None:
    limited = head(429, {**JSON, "retry-after": str(TICK * 1.5)}, b"{}")
    server = raw([[Send(limited), Close()], WHOLE_BODY])
    result = core_call(mode, server.url, stream=False, timeout=TICK)
    assert result.error is None, result.error
    assert result.answer.content == "Hello."
    assert server.connections == 2


def test_stream_deadline_bounds_a_steady_stream(
    raw: Callable[..., RawServer], mode: str
) -> None:
    steady = [Send(sse("x")), Sleep(0.1)] * 40
    server = raw([Send(head(200, SSE_CLOSE)), *steady, Close()])
    result = core_call(mode, server.url, stream=True, stream_deadline=TICK)
    assert isinstance(result.error, StreamTimeoutError), result.error
    assert "stream_deadline" in str(result.error)
    assert result.error.partial_content.startswith("x")
    assert result.seconds < 4 * TICK
    assert server.connections == 1


def test_stream_deadline_before_any_event_is_not_retried(
    raw: Callable[..., RawServer], mode: str
) -> None:
    server = raw([Send(head(200, SSE_CLOSE)), *KEEPALIVES, Close()])
    result = core_call(mode, server.url, stream=True, stream_deadline=TICK)
    assert isinstance(result.error, APITimeoutError), result.error
    assert "stream_deadline" in str(result.error)
    assert server.connections == 1


def test_stream_deadline_must_be_positive() -> None:
    with pytest.raises(ValueError, match="stream_deadline"):
        GatewayClient(stream_deadline=0)


# -- 3. only the package's own exceptions escape ---------------------------------------

GARBAGE = {
    "gzip-that-is-not": [
        Send(head(200, {**JSON, "content-encoding": "gzip"}, b"not gzip at all")),
        Close(),
    ],
    "deeply-nested-json": [Send(head(200, JSON, b"[" * 100_000)), Close()],
}
GARBAGE_STREAMS = {
    "gzip-that-is-not": [
        Send(head(200, {**SSE_CLOSE, "content-encoding": "gzip"}) + sse("Hi")),
        Close(),
    ],
    "deeply-nested-event": [
        Send(head(200, SSE_CLOSE) + b"data: " + b"[" * 100_000 + b"\n\n"),
        Close(),
    ],
}


@pytest.mark.parametrize("script", GARBAGE.values(), ids=GARBAGE.keys())
def test_undecodable_body_is_a_validation_error(
    raw: Callable[..., RawServer], mode: str, script: list[Step]
) -> None:
    server = raw(script)
    result = core_call(mode, server.url, stream=False)
    assert isinstance(result.error, APIResponseValidationError), result.error
    assert server.connections == 1


@pytest.mark.parametrize("script", GARBAGE_STREAMS.values(), ids=GARBAGE_STREAMS.keys())
def test_undecodable_stream_is_a_validation_error(
    raw: Callable[..., RawServer], mode: str, script: list[Step]
) -> None:
    server = raw(script)
    result = core_call(mode, server.url, stream=True)
    assert isinstance(result.error, APIResponseValidationError), result.error
    assert server.connections == 1


MALFORMED = {
    "status-line": [Send(b"HTTP/1.1 abc OK\r\ncontent-length: 0\r\n\r\n"), Close()],
    "not-http": [Send(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"), Close()],
    "oversized-header": [
        Send(head(200, {**JSON, "x-big": "a" * 200_000}, ANSWER)),
        Close(),
    ],
    "reset": [Send(b"HTTP/1.1 200 OK\r\n"), Reset()],
}


@pytest.mark.parametrize("script", MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_malformed_response_is_a_retried_connection_error(
    raw: Callable[..., RawServer], mode: str, script: list[Step], stream: bool
) -> None:
    server = raw(script)
    result = core_call(mode, server.url, stream=stream)
    assert isinstance(result.error, APIConnectionError), repr(result.error)
    assert server.connections == 2


@pytest.mark.parametrize("base_url", ["http://[::1/v1", "http://a:b:c/v1"])
@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_invalid_base_url_is_a_package_error(
    mode: str, base_url: str, stream: bool
) -> None:
    result = core_call(mode, base_url, stream=stream)
    assert isinstance(result.error, APIConnectionError), repr(result.error)
    assert "base_url" in str(result.error)


# -- 4. the SSE event-size bound reaches the client --------------------------------------


def test_event_over_max_event_size_is_a_validation_error(
    raw: Callable[..., RawServer], mode: str
) -> None:
    huge = b"data: " + b"x" * 5000  # never ends
    script = [Send(head(200, SSE_CLOSE) + sse("Hel")), Sleep(0.1), Send(huge)]
    server = raw([*script, Stall(2), Close()])
    result = core_call(mode, server.url, stream=True, max_event_size=1000)
    assert isinstance(result.error, APIResponseValidationError), result.error
    assert "max_event_size" in str(result.error)
    assert "r-raw" in str(result.error)
    assert result.texts == ["Hel"]
    assert server.connections == 1


def test_max_event_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_event_size"):
        GatewayClient(max_event_size=0)


# -- the same faults through both adapters ------------------------------------------------

SURFACES = [
    ("langchain", "sync", False),  # invoke
    ("langchain", "sync", True),  # stream
    ("langchain", "async", True),  # astream
    ("llama_index", "sync", False),  # chat
    ("llama_index", "sync", True),  # stream_chat
    ("llama_index", "async", True),  # astream_chat
]
SURFACE_IDS = [
    "lc-invoke",
    "lc-stream",
    "lc-astream",
    "li-chat",
    "li-stream_chat",
    "li-astream_chat",
]
STREAMED = [s for s in SURFACES if s[2]]
STREAMED_IDS = [i for s, i in zip(SURFACES, SURFACE_IDS, strict=True) if s[2]]
PLAIN = [s for s in SURFACES if not s[2]]
PLAIN_IDS = [i for s, i in zip(SURFACES, SURFACE_IDS, strict=True) if not s[2]]


@pytest.fixture
def through(
    make_runner: Callable[..., Runner], sleeps: list[float]
) -> Callable[..., tuple[Outcome, float]]:
    """Run one prompt through a surface against `url`; the outcome and its seconds."""

    def run(
        surface: tuple[str, str, bool], url: str, **fields: Any
    ) -> tuple[Outcome, float]:
        runner = make_runner(*surface, base_url=url)
        model = runner.model(max_retries=1, **fields)
        started = time.monotonic()
        outcome = runner.run(model, "Hi")
        return outcome, time.monotonic() - started

    return run


@pytest.mark.parametrize("surface", STREAMED, ids=STREAMED_IDS)
def test_adapters_cut_stream_raises_with_partial_content(
    raw: Callable[..., RawServer], through: Any, surface: Any
) -> None:
    server = raw(CUT_STREAMS["close-eof"])
    outcome, _ = through(surface, server.url)
    assert isinstance(outcome.error, StreamInterruptedError), outcome.error
    assert outcome.error.partial_content == "Hello"
    assert outcome.text == "Hello"
    assert server.connections == 1


@pytest.mark.parametrize("surface", PLAIN, ids=PLAIN_IDS)
def test_adapters_cut_body_is_retried(
    raw: Callable[..., RawServer], through: Any, surface: Any
) -> None:
    server = raw([CUT_BODIES["close-delimited-json"], WHOLE_BODY])
    outcome, _ = through(surface, server.url)
    assert outcome.error is None, outcome.error
    assert outcome.text == "Hello."
    assert server.connections == 2


@pytest.mark.parametrize("surface", STREAMED, ids=STREAMED_IDS)
def test_adapters_keepalives_do_not_hold_a_stream(
    raw: Callable[..., RawServer], through: Any, surface: Any
) -> None:
    script = [Send(head(200, SSE_CLOSE) + sse("Hel")), *KEEPALIVES, Close()]
    outcome, seconds = through(surface, raw(script).url, stream_chunk_timeout=TICK)
    assert isinstance(outcome.error, StreamTimeoutError), outcome.error
    assert outcome.text == "Hel"
    assert seconds < 4 * TICK


@pytest.mark.parametrize("surface", STREAMED, ids=STREAMED_IDS)
def test_adapters_pass_stream_deadline(
    raw: Callable[..., RawServer], through: Any, surface: Any
) -> None:
    steady = [Send(sse("x")), Sleep(0.1)] * 40
    server = raw([Send(head(200, SSE_CLOSE)), *steady, Close()])
    outcome, seconds = through(surface, server.url, stream_deadline=TICK)
    assert isinstance(outcome.error, StreamTimeoutError), outcome.error
    assert "stream_deadline" in str(outcome.error)
    assert seconds < 4 * TICK


@pytest.mark.parametrize("surface", PLAIN, ids=PLAIN_IDS)
def test_adapters_dripped_body_is_bounded_by_timeout(
    raw: Callable[..., RawServer], through: Any, surface: Any
) -> None:
    server = raw([Send(head(200, JSON, length=len(ANSWER))), Drip(ANSWER, 0.02)])
    outcome, seconds = through(surface, server.url, timeout=TICK)
    assert isinstance(outcome.error, APITimeoutError), outcome.error
    assert seconds < 2 * 4 * TICK


@pytest.mark.parametrize("surface", SURFACES, ids=SURFACE_IDS)
def test_adapters_gzip_garbage_is_a_validation_error(
    raw: Callable[..., RawServer], through: Any, surface: Any
) -> None:
    script = GARBAGE_STREAMS if surface[2] else GARBAGE
    server = raw(script["gzip-that-is-not"])
    outcome, _ = through(surface, server.url)
    assert isinstance(outcome.error, APIResponseValidationError), outcome.error
    if surface[0] == "langchain":
        from langchain_core.exceptions import ModelAPIError

        assert isinstance(outcome.error, ModelAPIError)
    assert server.connections == 1


@pytest.mark.parametrize("surface", SURFACES, ids=SURFACE_IDS)
def test_adapters_malformed_status_line_is_a_connection_error(
    raw: Callable[..., RawServer], through: Any, surface: Any
) -> None:
    server = raw(MALFORMED["status-line"])
    outcome, _ = through(surface, server.url)
    assert isinstance(outcome.error, APIConnectionError), repr(outcome.error)
    if surface[0] == "langchain":
        from langchain_core.exceptions import ModelConnectionError

        assert isinstance(outcome.error, ModelConnectionError)
    assert server.connections == 2


# -- any bytes at all: a result or a documented error, never a hang --------------------

STATUS_LINES = [
    b"HTTP/1.1 200 OK",
    b"HTTP/1.1 200",
    b"HTTP/1.0 200 OK",
    b"HTTP/1.1 500 Oops",
    b"HTTP/1.1 429 Slow down",
    b"HTTP/1.1 302 Found",
    b"HTTP/1.1 204 No Content",
    b"HTTP/1.1 999 What",
    b"HTTP/1.1 abc OK",
    b"HTTP/2 200",
    b"ICY 200 OK",
    b"HTTP/1.1 200 OK\x00",
    b"garbage",
    b"",
]
BODIES = [
    ANSWER,
    sse("Hel", "lo", done=True),
    sse("Hel"),
    sse("Hi", finish="stop"),
    b'data: {"error": {"message": "boom"}}\n\n',
    b"data: not json\n\n",
    b": only a comment\n\n",
    b"[" * 5000,
    b"{}",
    b"",
]
FRAMINGS = ["length", "short", "long", "bad-length", "chunked", "bad-chunk", "close"]
HEADER_NAMES = [b"x-a", b"x-request-id", b"retry-after", b"x-should-retry", b"bad name"]
PROPERTY_CLIENT = {
    "timeout": 1.0,
    "stream_chunk_timeout": 0.5,
    "stream_deadline": 2.0,
    "retry_policy": RetryPolicy(max_retries=0),
}


def _frame(body: bytes, framing: str) -> tuple[list[bytes], bytes]:
    """Header lines and the body as sent under one framing."""
    lengths = {
        "length": len(body),
        "short": max(len(body) - 3, 0),
        "long": len(body) + 9,
    }
    if framing in lengths:
        return [b"content-length: %d" % lengths[framing]], body
    if framing == "bad-length":
        return [b"content-length: 1x"], body
    if framing == "chunked":
        return [b"transfer-encoding: chunked"], chunked(body)
    if framing == "bad-chunk":
        return [b"transfer-encoding: chunked"], b"zz\r\n" + body
    return [b"connection: close"], body


@st.composite
def responses(draw: st.DrawFn) -> list[Step]:
    """A scripted answer: status line, headers, body, framing, a cut and an ending."""
    lines = [draw(st.sampled_from(STATUS_LINES))]
    kind = draw(
        st.sampled_from([None, "application/json", "text/event-stream", "text/html"])
    )
    if kind:
        lines.append(b"content-type: " + kind.encode())
    encoding = draw(st.sampled_from([None, "gzip", "deflate", "identity", "x-unknown"]))
    if encoding:
        lines.append(b"content-encoding: " + encoding.encode())
    value = st.binary(max_size=20).filter(lambda b: b"\r" not in b and b"\n" not in b)
    for name, content in draw(
        st.lists(st.tuples(st.sampled_from(HEADER_NAMES), value), max_size=3)
    ):
        lines.append(name + b": " + content)
    body = draw(st.sampled_from(BODIES) | st.binary(max_size=300))
    framing, body = _frame(body, draw(st.sampled_from(FRAMINGS)))
    data = b"\r\n".join([*lines, *framing]) + b"\r\n\r\n" + body
    cut = draw(st.none() | st.integers(0, len(data)))
    endings: list[Step] = [Close(), Reset(), Stall(0.1)]
    ending = draw(st.sampled_from(endings))
    return [Send(data[:cut]), ending]


def _every_mode(url: str) -> Iterator[tuple[str, Result]]:
    """One chat and one stream in each client mode (the async pool set by env)."""
    for mode in CORE_MODES:
        saved = os.environ.get(ASYNC_TRANSPORT_ENV)
        os.environ[ASYNC_TRANSPORT_ENV] = (
            mode.removeprefix("async-") if mode != "sync" else "httpx"
        )
        try:
            for stream in (False, True):
                yield (
                    f"{mode}/{'stream' if stream else 'chat'}",
                    core_call(mode, url, stream=stream, **PROPERTY_CLIENT),
                )
        finally:
            if saved is None:
                os.environ.pop(ASYNC_TRANSPORT_ENV, None)
            else:
                os.environ[ASYNC_TRANSPORT_ENV] = saved


@settings(
    max_examples=50,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(script=responses())
def test_any_response_is_an_answer_or_a_documented_error(script: list[Step]) -> None:
    with RawServer(script, lifetime=30.0, max_connections=20) as server:
        for name, result in _every_mode(server.url):
            error = result.error
            assert error is None or isinstance(error, AssemblyAIGatewayError), (
                name,
                repr(error),
            )
            assert result.seconds < 10, (name, result.seconds)
