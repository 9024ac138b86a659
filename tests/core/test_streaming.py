"""Stream assembly (wire notes section 5) and SSE decoding under any byte split."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from itertools import pairwise
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aai_gateway import AsyncGatewayClient, GatewayClient
from aai_gateway._http.streaming import (
    ReadClock,
    ReadTimeoutError,
    StreamAssembler,
    looks_cut_short,
    parse_tool_call_deltas,
)
from aai_gateway.adapters import ChunkAccumulator
from tests.conftest import TEST_KEY, USER_HI, sse_body, sse_response


def chunk(
    delta: dict | None = None, finish: str | None = None, **extra: object
) -> dict:
    choices = (
        [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    )
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "model": "gpt-4.1",
        "choices": choices,
        **extra,
    }


TEXT_STREAM = [
    chunk({"role": "assistant", "content": ""}),
    chunk({"content": "The capital"}),
    chunk({"content": " is Paris."}),
    chunk({}, "stop"),
    chunk(
        None, usage={"prompt_tokens": 14, "completion_tokens": 6, "total_tokens": 20}
    ),
]


def assemble(payloads: list[dict]) -> tuple[list, object]:
    assembler = StreamAssembler(request_id="r-9")
    deltas = [d for d in (assembler.feed(p) for p in payloads) if d is not None]
    return deltas, assembler.finish()


def test_usage_in_final_empty_choices_chunk() -> None:
    deltas, final = assemble(TEXT_STREAM)
    assert [d.content for d in deltas] == ["The capital", " is Paris."]
    assert all(
        d.usage is None and d.finish_reason is None and not d.final for d in deltas
    )
    assert final.final
    assert final.finish_reason == "stop"
    assert final.usage is not None
    assert (final.usage.input_tokens, final.usage.output_tokens) == (14, 6)
    assert final.model == "gpt-4.1"
    assert final.request_id == "r-9"


def test_usage_on_every_chunk_reported_once_as_the_last_total() -> None:
    payloads = [
        chunk(
            {"content": "a"},
            usage={"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
        ),
        chunk(
            {"content": "b"},
            usage={"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
        ),
        chunk(
            {},
            "stop",
            usage={"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
        ),
    ]
    deltas, final = assemble(payloads)
    assert [d.usage for d in deltas] == [None, None]
    assert final.usage is not None
    assert final.usage.total_tokens == 8


def test_usage_and_finish_on_last_content_chunk() -> None:
    payloads = [
        chunk({"content": "a"}),
        chunk(
            {"content": "b"}, "stop", usage={"prompt_tokens": 2, "completion_tokens": 2}
        ),
    ]
    deltas, final = assemble(payloads)
    assert [d.content for d in deltas] == ["a", "b"]
    assert final.finish_reason == "stop"
    assert final.usage is not None
    assert final.usage.total_tokens == 4


def test_tool_call_fragments_join_by_index() -> None:
    payloads = [
        chunk(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "c0",
                        "type": "function",
                        "function": {"name": "a", "arguments": ""},
                    }
                ],
            }
        ),
        chunk(
            {
                "tool_calls": [
                    {
                        "index": 1,
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "b", "arguments": '{"y"'},
                    }
                ]
            }
        ),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"x": '}}]}),
        chunk(
            {
                "tool_calls": [
                    {"index": 0, "function": {"arguments": "1}"}},
                    {"index": 1, "function": {"arguments": ": 2}"}},
                ]
            }
        ),
        chunk({}, "tool_use"),
    ]
    deltas, final = assemble(payloads)
    acc = ChunkAccumulator()
    for item in [*deltas, final]:
        acc.add(item)
    answer = acc.completion()
    assert [(c.id, c.name, c.parsed_arguments()) for c in answer.tool_calls] == [
        ("c0", "a", {"x": 1}),
        ("c1", "b", {"y": 2}),
    ]
    assert answer.finish_reason == "tool_calls"
    assert answer.raw_finish_reason == "tool_use"
    assert answer.content is None


def test_tool_call_deltas_tolerate_missing_index_and_junk() -> None:
    got = parse_tool_call_deltas(
        [{"function": {"name": "f", "arguments": {"k": 1}}}, "junk", {"index": 4}]
    )
    assert [(d.index, d.name, d.arguments) for d in got] == [
        (0, "f", '{"k": 1}'),
        (4, None, ""),
    ]
    assert parse_tool_call_deltas(None) == ()


def test_accumulator_snapshot_while_streaming() -> None:
    acc = ChunkAccumulator()
    deltas, _ = assemble(TEXT_STREAM)
    acc.add(deltas[0])
    assert acc.content == "The capital"
    acc.add(deltas[1])
    assert acc.content == "The capital is Paris."
    assert acc.tool_calls == ()


# -- SSE decoding under every split of the byte stream ---------------------------------

EVENTS = [
    chunk({"role": "assistant", "content": ""}),
    chunk({"content": "Grüße aus Zürich, "}),
    chunk({"content": "会議の要約 🎙️"}),
    chunk(
        {
            "tool_calls": [
                {
                    "index": 0,
                    "id": "c",
                    "type": "function",
                    "function": {"name": "f", "arguments": '{"s": "é'},
                }
            ]
        }
    ),
    chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"}'}}]}),
    chunk({}, "tool_calls"),
    chunk(None, usage={"prompt_tokens": 3, "completion_tokens": 9, "total_tokens": 12}),
]


def wire(newline: str, keepalive: bool, done: bool) -> bytes:
    body = sse_body(*EVENTS, done=done, newline=newline)
    if keepalive:
        body = (
            b": keep-alive"
            + newline.encode() * 2
            + body.replace(
                b'data: {"id"', b": ping" + newline.encode() + b'data: {"id"', 2
            )
        )
    return body


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in pairwise(points) if b > a]


def expected_answer() -> tuple[str, list[tuple[str, dict]], int]:
    return "Grüße aus Zürich, 会議の要約 🎙️", [("f", {"s": "é"})], 12


def summarise(chunks: list) -> tuple[str, list[tuple[str, dict]], int]:
    acc = ChunkAccumulator()
    for item in chunks:
        acc.add(item)
    answer = acc.completion()
    assert answer.usage is not None
    assert answer.finish_reason == "tool_calls"
    return (
        answer.content or "",
        [(c.name, c.parsed_arguments()) for c in answer.tool_calls],
        answer.usage.total_tokens,
    )


def stream_sync(pieces: list[bytes]) -> list:
    def handler(request: httpx.Request) -> httpx.Response:
        return sse_response(iter(pieces))

    client = GatewayClient(
        api_key=TEST_KEY,
        base_url="https://gw.test/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    return list(client.stream_chat(USER_HI))


def stream_async(pieces: list[bytes]) -> list:
    async def body() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    def handler(request: httpx.Request) -> httpx.Response:
        return sse_response(body())

    async def run() -> list:
        client = AsyncGatewayClient(
            api_key=TEST_KEY,
            base_url="https://gw.test/v1",
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        )
        return [c async for c in client.astream_chat(USER_HI)]

    return asyncio.run(run())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cuts=st.lists(st.integers(min_value=0, max_value=5000), max_size=40),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    keepalive=st.booleans(),
    done=st.booleans(),
    use_async=st.booleans(),
)
def test_any_split_gives_the_same_answer(
    cuts: list[int], newline: str, keepalive: bool, done: bool, use_async: bool
) -> None:
    pieces = split(wire(newline, keepalive, done), cuts)
    chunks = (stream_async if use_async else stream_sync)(pieces)
    assert summarise(chunks) == expected_answer()
    assert [c.final for c in chunks].count(True) == 1
    assert chunks[-1].final


def test_one_byte_at_a_time() -> None:
    data = wire("\r\n", keepalive=True, done=True)
    assert (
        summarise(stream_sync([data[i : i + 1] for i in range(len(data))]))
        == expected_answer()
    )


def byte_iter(data: bytes) -> Iterator[bytes]:
    yield from (data[i : i + 7] for i in range(0, len(data), 7))


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_events_after_done_are_ignored(newline: str) -> None:
    data = sse_body(*TEXT_STREAM, newline=newline) + sse_body(
        chunk({"content": "late"}), done=False, newline=newline
    )
    chunks = stream_sync(list(byte_iter(data)))
    assert "".join(c.content for c in chunks) == "The capital is Paris."


def test_reused_index_with_a_new_id_starts_a_new_call() -> None:
    from aai_gateway._types import ChatCompletionChunk
    from aai_gateway.types import ToolCallDelta

    acc = ChunkAccumulator()
    for delta in [
        ToolCallDelta(0, "a", "add", '{"a":'),
        ToolCallDelta(0, None, None, "1}"),
        ToolCallDelta(0, "b", "mul", '{"b":2}'),
        ToolCallDelta(1, "c", "sub", "{}"),
    ]:
        acc.add(ChatCompletionChunk(tool_calls=(delta,)))
    calls = acc.completion().tool_calls
    assert [(c.id, c.name, c.parsed_arguments()) for c in calls] == [
        ("a", "add", {"a": 1}),
        ("b", "mul", {"b": 2}),
        ("c", "sub", {}),
    ]


# -- the clocks and the truncation rule behind the client's deadlines ---------------

CLOCK_REQUEST = httpx.Request("POST", "http://gw.test/v1/chat/completions")


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_only_events_reset_the_idle_bound() -> None:
    time = FakeTime()
    clock = ReadClock(idle=1.0, now=time)
    time.now += 0.6
    clock.check(CLOCK_REQUEST)  # bytes arrived, no event: nothing is reset
    time.now += 0.6
    with pytest.raises(ReadTimeoutError, match="stream_chunk_timeout") as caught:
        clock.check(CLOCK_REQUEST)
    assert not caught.value.final
    clock.event()
    assert clock.remaining() == pytest.approx(1.0)


def test_the_total_bound_is_the_nearer_one_and_final() -> None:
    time = FakeTime()
    clock = ReadClock(idle=1.0, total=1.5, now=time)
    for _ in range(3):
        time.now += 0.5
        clock.event()
    assert clock.remaining() == pytest.approx(0.0)
    error = clock.expired(CLOCK_REQUEST)
    assert error.final
    assert "stream_deadline" in str(error)


def test_a_total_per_attempt_restarts_and_is_retried() -> None:
    time = FakeTime()
    clock = ReadClock(total=1.0, total_name="timeout", final_total=False, now=time)
    time.now += 5
    clock.attempt()
    assert clock.remaining() == pytest.approx(1.0)
    time.now += 2
    error = clock.expired(CLOCK_REQUEST)
    assert not error.final
    assert "`timeout`" in str(error)


def test_a_total_over_the_call_survives_attempts() -> None:
    time = FakeTime()
    clock = ReadClock(idle=10.0, total=1.0, now=time)
    time.now += 0.8
    clock.attempt()
    assert clock.remaining() == pytest.approx(0.2)


def test_no_bounds_means_no_limit() -> None:
    clock = ReadClock()
    assert clock.remaining() is None
    clock.check(CLOCK_REQUEST)


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        ('{"a": [1, 2', True),
        ('{"a": "unterminated', True),
        ('{"a": "x"', True),
        ("", True),
        ("   ", True),
        ("{nope", False),
        ('{"a": 1}x', False),
        ("[1, 2]]", False),
    ],
)
def test_a_cut_is_a_prefix_of_json(text: str, cut: bool) -> None:
    with pytest.raises(ValueError) as caught:
        json.loads(text)
    assert looks_cut_short(caught.value) is cut


def test_only_json_errors_can_be_cuts() -> None:
    assert not looks_cut_short(ValueError("not json at all"))


def test_an_answer_is_complete_with_done_or_a_finish_reason() -> None:
    assembler = StreamAssembler()
    assembler.feed({"choices": [{"delta": {"content": "Hel"}}]})
    assembler.feed({"choices": [{"delta": {"content": "lo"}}]})
    assert not assembler.complete
    assert assembler.partial_content == "Hello"
    assembler.feed({"choices": [{"delta": {}, "finish_reason": "stop"}]})
    assert assembler.complete
    done = StreamAssembler()
    done.done = True
    assert done.complete


def test_text_buffer_joins_in_order_across_blocks() -> None:
    from aai_gateway._http.streaming import TextBuffer

    buffer = TextBuffer()
    assert buffer.value() == ""
    pieces = [f" w{n}" for n in range(TextBuffer.BLOCK * 3 + 7)]
    for n, piece in enumerate(pieces):
        buffer.add(piece)
        if n in (0, TextBuffer.BLOCK, TextBuffer.BLOCK * 2 + 3):
            assert buffer.value() == "".join(pieces[: n + 1])
    assert buffer.value() == "".join(pieces)


def test_text_buffer_keeps_streamed_text_near_its_own_size() -> None:
    import json
    import tracemalloc

    from aai_gateway._http.streaming import TextBuffer

    def fill(add: Any) -> int:
        # Fresh str objects per delta, dropped after each add, as in a stream.
        tracemalloc.start()
        for n in range(20_000):
            add(json.loads(f'" w{n:05d}"'))
        used = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return used

    size = 20_000 * len(" w00000")
    buffer: TextBuffer = TextBuffer()
    assert fill(buffer.add) < 2 * size
    assert buffer.value().endswith(" w19999")
    listed: list[str] = []
    assert fill(listed.append) > 5 * size  # what a list of deltas would cost
