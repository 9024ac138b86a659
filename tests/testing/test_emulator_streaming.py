"""Streaming (SSE) answers: spec section 5."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest

from aai_gateway.testing import Fault
from tests.testing.helpers import MAGIC_TOOL, chat, sse_events


def chunks_of(response: httpx.Response) -> list[dict[str, Any]]:
    events = sse_events(response)
    assert events[-1] == "[DONE]"
    return [json.loads(e) for e in events[:-1]]


def text_of(chunks: list[dict[str, Any]]) -> str:
    return "".join(
        c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]
    )


def test_stream_wire_format(emu, gateway) -> None:
    response = chat(
        gateway, model="gpt-4.1", prompt="The capital is Paris.", stream=True
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["x-ratelimit-model"] == "gpt-4.1"
    raw = response.text
    assert raw.startswith("data: {")
    assert raw.endswith("data: [DONE]\n\n")
    assert "\r" not in raw
    assert all(block.startswith("data: ") for block in raw.strip("\n").split("\n\n"))


def test_stream_chunks(emu, gateway) -> None:
    response = chat(
        gateway, model="gpt-4.1", prompt="The capital is Paris.", stream=True
    )
    chunks = chunks_of(response)
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["id"].startswith("chatcmpl-")
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert all(c["model"] == "gpt-4.1" for c in chunks)
    assert all(isinstance(c["created"], int) for c in chunks)
    assert chunks[0]["choices"] == [
        {
            "index": 0,
            "delta": {"role": "assistant", "content": ""},
            "finish_reason": None,
        }
    ]
    deltas = [c["choices"][0]["delta"]["content"] for c in chunks[1:-1]]
    assert deltas == ["Echo:", " The", " capital", " is", " Paris."]
    assert chunks[-1]["choices"] == [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    assert not any("usage" in c for c in chunks)
    assert not any("request_id" in c for c in chunks)


def test_stream_chunk_words(serve) -> None:
    _, client = serve(stream_chunk_words=3)
    chunks = chunks_of(chat(client, model="gpt-5", prompt="a b c d e", stream=True))
    deltas = [c["choices"][0]["delta"]["content"] for c in chunks[1:-1]]
    assert deltas == ["Echo: a b", " c d e"]


def test_stream_native_finish_and_max_tokens(emu, gateway) -> None:
    chunks = chunks_of(
        chat(
            gateway,
            model="claude-sonnet-4-6",
            prompt="a b c d",
            stream=True,
            max_tokens=2,
        )
    )
    assert text_of(chunks) == "Echo: a"
    assert chunks[-1]["choices"][0]["finish_reason"] == "max_tokens"


def test_stream_tool_call_fragments(emu, gateway) -> None:
    response = chat(
        gateway,
        model="gpt-5",
        prompt="magic_function(12345678)",
        tools=[MAGIC_TOOL],
        stream=True,
    )
    chunks = chunks_of(response)
    fragments = [
        c["choices"][0]["delta"]["tool_calls"][0]
        for c in chunks
        if c["choices"] and "tool_calls" in c["choices"][0]["delta"]
    ]
    head, *rest = fragments
    assert head["index"] == 0
    assert head["id"].startswith("call_")
    assert head["type"] == "function"
    assert head["function"] == {"name": "magic_function", "arguments": ""}
    assert len(rest) >= 2
    assert all(set(f) == {"index", "function"} for f in rest)
    arguments = "".join(f["function"]["arguments"] for f in rest)
    assert json.loads(arguments) == {"input": 12345678}
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    assert text_of(chunks) == ""


def test_stream_parallel_tool_calls_keyed_by_index(emu, gateway) -> None:
    other = {
        **MAGIC_TOOL,
        "function": {**MAGIC_TOOL["function"], "name": "other_function"},
    }
    chunks = chunks_of(
        chat(
            gateway,
            model="gpt-5",
            prompt="magic_function and other_function",
            tools=[MAGIC_TOOL, other],
            stream=True,
        )
    )
    calls: dict[int, dict[str, str]] = {}
    for chunk in chunks:
        for fragment in chunk["choices"][0]["delta"].get("tool_calls", []):
            call = calls.setdefault(fragment["index"], {"name": "", "arguments": ""})
            call["name"] += fragment["function"].get("name", "")
            call["arguments"] += fragment["function"]["arguments"]
    assert calls == {
        0: {"name": "magic_function", "arguments": '{"input": 3}'},
        1: {"name": "other_function", "arguments": '{"input": 3}'},
    }


def test_split_shape_streams_text_then_calls(serve) -> None:
    _, client = serve(tool_call_shape="split")
    chunks = chunks_of(
        chat(
            client,
            model="gpt-5",
            prompt="magic_function",
            tools=[MAGIC_TOOL],
            stream=True,
        )
    )
    assert text_of(chunks) == "Calling magic_function."
    kinds = [next(iter(c["choices"][0]["delta"]), None) for c in chunks]
    assert kinds.index("tool_calls") > max(
        i for i, k in enumerate(kinds) if k == "content"
    )


def test_final_usage_only_with_include_usage(emu, gateway) -> None:
    plain = chunks_of(chat(gateway, model="gpt-5", prompt="one two", stream=True))
    assert not any("usage" in c for c in plain)
    chunks = chunks_of(
        chat(
            gateway,
            model="gpt-5",
            prompt="one two",
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"] == {
        "prompt_tokens": 2,
        "completion_tokens": 3,
        "total_tokens": 5,
    }
    assert not any("usage" in c for c in chunks[:-1])


@pytest.mark.parametrize("include_usage", [False, True])
def test_usage_on_every_chunk(serve, include_usage: bool) -> None:
    _, client = serve(stream_usage="every")
    chunks = chunks_of(
        chat(
            client,
            model="qwen3.5-4b-32k-fast",
            prompt="one two",
            stream=True,
            stream_options={"include_usage": include_usage},
        )
    )
    assert all("usage" in c for c in chunks)
    completions = [c["usage"]["completion_tokens"] for c in chunks]
    assert completions == sorted(completions)
    assert chunks[-1]["usage"] == {
        "prompt_tokens": 2,
        "completion_tokens": 3,
        "total_tokens": 5,
    }
    assert (chunks[-1]["choices"] == []) is include_usage
    assert set(chunks[0]["usage"]) == {
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
    }


def test_usage_on_last_content_chunk(serve) -> None:
    _, client = serve(stream_usage="last_content")
    chunks = chunks_of(
        chat(
            client,
            model="gpt-5",
            prompt="one two",
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["usage"] == {
        "prompt_tokens": 2,
        "completion_tokens": 3,
        "total_tokens": 5,
    }
    assert not any("usage" in c for c in chunks[:-1])
    assert all(c["choices"] for c in chunks)


def test_errors_before_the_stream_are_json(emu, gateway) -> None:
    response = chat(gateway, model="gpt-oss-20b", prompt="hi", stream=True)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json()["metadata"]["errors"] == [
        "model gpt-oss-20b does not support stream"
    ]


def test_stream_arrives_incrementally(serve) -> None:
    emulator, client = serve(response_delay=0.3)
    started = time.monotonic()
    with client.stream(
        "POST",
        "/chat/completions",
        json={"model": "gpt-5", "prompt": "hi", "stream": True},
    ) as response:
        assert (
            response.status_code == 200
        )  # headers come before the delayed first event
        assert time.monotonic() - started < 0.25
        events = [line for line in response.iter_lines() if line.startswith("data: ")]
    assert time.monotonic() - started >= 0.3
    assert events[-1] == "data: [DONE]"
    assert emulator.requests[-1].json["stream"] is True


async def test_async_client_streams_concurrently(serve) -> None:
    emulator, client = serve(stream_chunk_words=1)
    base = str(client.base_url)
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": "test-key"}
    ) as aclient:

        async def one(n: int) -> str:
            body = {"model": "gpt-5", "prompt": f"request {n}", "stream": True}
            async with aclient.stream(
                "POST", "/chat/completions", json=body
            ) as response:
                text = ""
                async for line in response.aiter_lines():
                    if line.startswith("data: {"):
                        delta = json.loads(line[6:])["choices"][0]["delta"]
                        text += delta.get("content") or ""
                return text

        results = await asyncio.gather(*(one(n) for n in range(8)))
    assert results == [f"Echo: request {n}" for n in range(8)]
    assert len(emulator.requests) == 8


@pytest.mark.parametrize(
    ("fault", "expected"), [(False, "kimi-k2.5"), (True, "claude-sonnet-4-6")]
)
def test_chunks_report_the_model_like_a_json_answer(
    emu, gateway, fault: bool, expected: str
) -> None:
    body = {
        "model": "kimi-k2.5",
        "prompt": "hi",
        "fallbacks": [{"model": "claude-sonnet-4-6"}],
        "fallback_config": {"retry": False},
    }
    models = []
    for stream in (False, True):
        if fault:
            emu.add_fault(Fault(status=503))
        response = chat(gateway, **body, stream=stream)
        assert response.status_code == 200, response.text
        if stream:
            models += {chunk["model"] for chunk in chunks_of(response)}
        else:
            models.append(response.json()["model"])
    assert models == [expected, expected]
