"""Prompt caching is honoured or refused, never dropped; cache usage is reported alike.

The requests are read back from the emulator's log, so what the emulator (written
from the wire spec, checked against the vendor schema) accepts is what is sent.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import httpx
import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from aai_gateway import Usage
from langchain_aai_gateway import ChatAssemblyAI
from langchain_aai_gateway._convert import to_gateway_messages, to_usage_metadata
from tests.conftest import TEST_KEY
from tests.langchain.conftest import MODEL

EPHEMERAL = {"type": "ephemeral"}
HOUR = {"type": "ephemeral", "ttl": "1h"}
LONG = "The whole handbook. " * 5


@pytest.fixture
def llm(emulator_url: str, sync_http: httpx.Client) -> ChatAssemblyAI:
    return ChatAssemblyAI(
        model=MODEL, api_key=TEST_KEY, base_url=emulator_url, http_client=sync_http
    )


def _invoke(
    llm: ChatAssemblyAI, mode: str, messages: list[BaseMessage], **kw: Any
) -> AIMessage:
    if mode == "sync":
        return llm.invoke(messages, **kw)
    return asyncio.run(llm.ainvoke(messages, **kw))


def _stream(llm: ChatAssemblyAI, mode: str, messages: list[BaseMessage]) -> Any:
    if mode == "sync":
        chunks = list(llm.stream(messages))
    else:

        async def collect() -> list[Any]:
            return [c async for c in llm.astream(messages)]

        chunks = asyncio.run(collect())
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    return merged


MODES = pytest.mark.parametrize("mode", ["sync", "async"], ids=["sync", "async"])


@MODES
def test_per_block_and_per_message_marks_reach_the_wire(
    llm: ChatAssemblyAI, emulator: Any, mode: str
) -> None:
    messages: list[BaseMessage] = [
        # ChatAnthropic style: the mark on the (last) content block.
        SystemMessage([{"type": "text", "text": LONG, "cache_control": EPHEMERAL}]),
        HumanMessage(
            [
                {"type": "text", "text": "Context:"},
                {"type": "text", "text": LONG, "cache_control": HOUR},
            ]
        ),
        AIMessage("Noted."),
        # The mark in additional_kwargs, for the whole message.
        HumanMessage("What is in it?", additional_kwargs={"cache_control": EPHEMERAL}),
    ]
    before = copy.deepcopy(messages)
    _invoke(llm, mode, messages, cache_control=HOUR)
    sent = emulator.requests[-1].json
    assert sent["cache_control"] == HOUR  # the top-level kwarg, as before
    assert [m.get("cache_control") for m in sent["messages"]] == [
        EPHEMERAL,
        HOUR,
        None,
        EPHEMERAL,
    ]
    assert sent["messages"][1]["content"] == [
        {"type": "text", "text": "Context:"},
        {"type": "text", "text": LONG},
    ]
    assert messages == before


@MODES
def test_tool_results_carry_their_mark(
    llm: ChatAssemblyAI, emulator: Any, mode: str
) -> None:
    messages: list[BaseMessage] = [
        HumanMessage("Look it up"),
        AIMessage("", tool_calls=[{"name": "find", "args": {}, "id": "c1"}]),
        # A tool result is one unit: a mark on any of its parts is the result's.
        ToolMessage(
            [{"type": "text", "text": LONG, "cache_control": EPHEMERAL}, "end"],
            tool_call_id="c1",
        ),
    ]
    _invoke(llm, mode, messages)
    tool = emulator.requests[-1].json["messages"][2]
    assert tool == {
        "role": "tool",
        "tool_call_id": "c1",
        "content": LONG + "\nend",
        "cache_control": EPHEMERAL,
    }


@pytest.mark.parametrize(
    ("message", "names"),
    [
        (
            HumanMessage(
                [
                    {"type": "text", "text": LONG, "cache_control": EPHEMERAL},
                    {"type": "text", "text": "Question?"},
                ]
            ),
            "messages[1] (HumanMessage).content[0]",
        ),
        (
            AIMessage(
                [
                    {"type": "text", "text": "Calling.", "cache_control": EPHEMERAL},
                    {"type": "tool_use", "id": "c1", "name": "f", "input": {}},
                ]
            ),
            "messages[1] (AIMessage).content[0]",
        ),
    ],
    ids=["human", "ai-before-tool-use"],
)
@MODES
def test_a_mark_the_gateway_cannot_express_raises_before_any_request(
    llm: ChatAssemblyAI, emulator: Any, mode: str, message: BaseMessage, names: str
) -> None:
    with pytest.raises(ValueError, match="not the message's last block") as info:
        _invoke(llm, mode, [SystemMessage("Be brief."), message])
    assert names in str(info.value)
    assert "per message" in str(info.value)
    assert emulator.requests == []


@pytest.mark.parametrize(
    ("message", "match"),
    [
        (
            HumanMessage(
                [{"type": "text", "text": "x", "cache_control": {"type": "forever"}}]
            ),
            r"messages\[0\] \(HumanMessage\)\.content\[0\] is \{'type': 'forever'\}",
        ),
        (
            HumanMessage("x", additional_kwargs={"cache_control": "yes"}),
            r"additional_kwargs\['cache_control'\] is 'yes'",
        ),
        (
            HumanMessage(
                [{"type": "text", "text": "x", "cache_control": HOUR}],
                additional_kwargs={"cache_control": EPHEMERAL},
            ),
            "two different `cache_control` marks",
        ),
    ],
    ids=["bad-type", "bad-kwarg", "conflict"],
)
def test_malformed_or_conflicting_marks_are_named(
    message: BaseMessage, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        to_gateway_messages([message], MODEL)


def test_the_same_mark_in_both_places_is_one_mark() -> None:
    message = HumanMessage(
        [{"type": "text", "text": "x", "cache_control": EPHEMERAL}],
        additional_kwargs={"cache_control": EPHEMERAL},
    )
    [wire] = to_gateway_messages([message], MODEL)
    assert wire["cache_control"] == EPHEMERAL


# -- usage --------------------------------------------------------------------------


@MODES
def test_cache_usage_is_reported_alike_and_the_raw_usage_is_kept(
    llm: ChatAssemblyAI, mode: str
) -> None:
    answer = _invoke(llm, mode, [HumanMessage("Hello there")])
    # The emulator reports cached_tokens 0 and cache_creation 0 + 0: both kept.
    assert answer.usage_metadata is not None
    assert answer.usage_metadata["input_token_details"] == {
        "cache_read": 0,
        "cache_creation": 0,
    }
    token_usage = answer.response_metadata["token_usage"]
    assert token_usage["prompt_tokens"] == token_usage["input_tokens"] == 2
    assert token_usage["completion_tokens"] == 3
    assert token_usage["prompt_tokens_details"]["cached_tokens"] == 0
    assert token_usage["completion_tokens_details"]["reasoning_tokens"] == 0


@MODES
def test_streamed_usage_reports_no_cache_details_and_keeps_the_raw_usage(
    llm: ChatAssemblyAI, mode: str
) -> None:
    merged = _stream(llm, mode, [HumanMessage("Hello there")])
    # A streamed usage chunk carries prompt/completion counts only: both absent.
    assert merged.usage_metadata == {
        "input_tokens": 2,
        "output_tokens": 3,
        "total_tokens": 5,
    }
    assert merged.response_metadata["token_usage"] == {
        "prompt_tokens": 2,
        "completion_tokens": 3,
        "total_tokens": 5,
    }


@pytest.mark.parametrize(
    ("read", "written", "details"),
    [
        (0, 0, {"cache_read": 0, "cache_creation": 0}),
        (0, None, {"cache_read": 0}),
        (None, 0, {"cache_creation": 0}),
        (None, None, None),
        (7, 3, {"cache_read": 7, "cache_creation": 3}),
    ],
)
def test_cache_details_present_exactly_when_reported(
    read: int | None, written: int | None, details: dict[str, int] | None
) -> None:
    metadata = to_usage_metadata(Usage(10, 1, 11, read, written))
    assert metadata.get("input_token_details") == details
