"""Anthropic-format history (ChatAnthropic users' stored messages) to the gateway's tools.

`tool_use` blocks in an AI message become its `tool_calls`; `tool_result` blocks in
a human message become `tool` messages. Checked on the wire through the emulator,
which answers a trailing tool result with "Tool results: ...".
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from langchain_aai_gateway import ChatAssemblyAI
from langchain_aai_gateway._convert import to_gateway_messages
from tests.conftest import TEST_KEY
from tests.langchain.conftest import MODEL

MODES = pytest.mark.parametrize("mode", ["sync", "async"], ids=["sync", "async"])


def _call(name: str, call_id: str, arguments: str) -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }


def _history() -> list[BaseMessage]:
    """A weather lookup as ChatAnthropic stores it (no `tool_calls` on the AI turn)."""
    return [
        HumanMessage("Weather in Paris and Rome?"),
        AIMessage(
            [
                {"type": "text", "text": "Let me check both."},
                {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": "get_weather",
                    "input": {"city": "Paris"},
                },
                {
                    "type": "tool_use",
                    "id": "toolu_2",
                    "name": "get_weather",
                    "input": {"city": "Rome"},
                },
            ]
        ),
        HumanMessage(
            [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"},
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_2",
                    "content": [{"type": "text", "text": "rain"}],
                },
            ]
        ),
    ]


def _invoke(llm: ChatAssemblyAI, mode: str, messages: list[BaseMessage]) -> AIMessage:
    if mode == "sync":
        return llm.invoke(messages)
    return asyncio.run(llm.ainvoke(messages))


@pytest.fixture
def llm(emulator_url: str, sync_http: httpx.Client) -> ChatAssemblyAI:
    return ChatAssemblyAI(
        model=MODEL, api_key=TEST_KEY, base_url=emulator_url, http_client=sync_http
    )


@MODES
def test_a_stored_anthropic_tool_round_runs_on_the_gateway(
    llm: ChatAssemblyAI, emulator: Any, mode: str
) -> None:
    answer = _invoke(llm, mode, _history())
    assert answer.content == "Tool results: sunny; rain"
    assert emulator.requests[-1].json["messages"] == [
        {"role": "user", "content": "Weather in Paris and Rome?"},
        {
            "role": "assistant",
            "content": "Let me check both.",
            "tool_calls": [
                _call("get_weather", "toolu_1", '{"city": "Paris"}'),
                _call("get_weather", "toolu_2", '{"city": "Rome"}'),
            ],
        },
        {"role": "tool", "tool_call_id": "toolu_1", "content": "sunny"},
        {"role": "tool", "tool_call_id": "toolu_2", "content": "rain"},
    ]


def test_text_after_tool_results_follows_them_as_a_user_message() -> None:
    message = HumanMessage(
        [
            {"type": "tool_result", "tool_use_id": "t1", "content": "42"},
            {"type": "text", "text": "Now explain it."},
        ],
        name="maria",
    )
    assert to_gateway_messages([message], MODEL) == [
        {"role": "tool", "tool_call_id": "t1", "content": "42"},
        {
            "role": "user",
            "content": [{"type": "text", "text": "Now explain it."}],
            "name": "maria",
        },
    ]


def test_a_matching_tool_call_wins_and_others_keep_their_order() -> None:
    message = AIMessage(
        [
            {"type": "tool_use", "id": "a", "name": "stale", "input": {"x": 0}},
            {"type": "tool_use", "id": "b", "name": "g", "input": {}},
        ],
        tool_calls=[
            {"name": "f", "args": {"x": 1}, "id": "a"},
            {"name": "h", "args": {}, "id": "c"},
        ],
    )
    [wire] = to_gateway_messages([message], MODEL)
    assert wire["tool_calls"] == [
        _call("f", "a", '{"x": 1}'),
        _call("g", "b", "{}"),
        _call("h", "c", "{}"),
    ]
    assert wire["content"] is None


def test_a_streamed_tool_use_block_sends_its_json_text() -> None:
    block = {
        "type": "tool_use",
        "id": "a",
        "name": "f",
        "input": {},
        "partial_json": '{"q": "x"}',
    }
    [wire] = to_gateway_messages([AIMessage([block])], MODEL)
    assert wire["tool_calls"] == [_call("f", "a", '{"q": "x"}')]


def test_a_tool_result_mark_stays_on_its_tool_message() -> None:
    message = HumanMessage(
        [
            {
                "type": "tool_result",
                "tool_use_id": "t1",
                "content": "long result",
                "cache_control": {"type": "ephemeral"},
            },
            {"type": "tool_result", "tool_use_id": "t2", "content": "short"},
        ]
    )
    first, second = to_gateway_messages([message], MODEL)
    assert first["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in second


@pytest.mark.parametrize(
    ("message", "match"),
    [
        (
            AIMessage([{"type": "tool_use", "name": "f", "input": {}}]),
            r"messages\[0\] \(AIMessage\)\.content\[0\] is a 'tool_use' block without `id`",
        ),
        (
            AIMessage(["Hi", {"type": "tool_use", "id": "a", "name": "", "input": {}}]),
            r"content\[1\] is a 'tool_use' block without `name`",
        ),
        (
            AIMessage([{"type": "tool_use", "id": "a", "name": "f", "input": [1]}]),
            r"content\[0\] is a 'tool_use' block whose `input` is list",
        ),
        (
            HumanMessage([{"type": "tool_result", "content": "x"}]),
            r"content\[0\] is a 'tool_result' block without a `tool_use_id`",
        ),
        (
            HumanMessage(
                ["First", {"type": "tool_result", "tool_use_id": "a", "content": "x"}]
            ),
            r"content\[1\] is a 'tool_result' block after other content",
        ),
        (
            HumanMessage([{"type": "tool_result", "tool_use_id": "a", "content": 3}]),
            r"content\[0\] has `content` of type int",
        ),
        (
            HumanMessage(
                [
                    {
                        "type": "tool_result",
                        "tool_use_id": "a",
                        "content": [{"type": "image", "base64": "AAAA"}],
                    }
                ]
            ),
            r"content\[0\]\.content\[0\] has a 'image' content part",
        ),
    ],
    ids=[
        "use-no-id",
        "use-empty-name",
        "use-input-list",
        "result-no-id",
        "result-after-text",
        "result-content-int",
        "result-image",
    ],
)
@MODES
def test_a_malformed_block_is_named_before_any_request(
    llm: ChatAssemblyAI, emulator: Any, mode: str, message: BaseMessage, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        _invoke(llm, mode, [message])
    assert emulator.requests == []
