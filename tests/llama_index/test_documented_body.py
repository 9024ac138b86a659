"""`AssemblyAI` sends only what the vendor schema documents (HTTP boundary).

Plain, streamed, tool and structured calls and replayed tool histories, sync and
async. Each test fails if an [UNCONFIRMED] form (gateway-spec.md section 16) came
back: a non-string tool result, a tool without `parameters`,
`max_completion_tokens`, `"stream": false`, an unasked `parallel_tool_calls`,
`tool_choice: "required"`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from llama_index.core.base.llms.types import (
    ChatMessage,
    ImageBlock,
    MessageRole,
    TextBlock,
    ToolCallBlock,
)
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

import aai_gateway
import aai_gateway.adapters
from llama_index_aai_gateway import AssemblyAI, llms
from tests.llama_index.conftest import (
    TOOLS,
    USER,
    Caller,
    FakeGateway,
    run_closing,
    text_reply,
    text_stream,
    tool_reply,
)

EMPTY_SCHEMA = {"type": "object", "properties": {}}
NAMED_ADD = {"type": "function", "function": {"name": "add"}}


def _history(*blocks: Any) -> list[ChatMessage]:
    return [
        ChatMessage(role=MessageRole.USER, content="Add 1 and 2"),
        ChatMessage(
            role=MessageRole.ASSISTANT,
            blocks=[ToolCallBlock(tool_call_id="c1", tool_name="add", tool_kwargs={})],
        ),
        ChatMessage(
            role=MessageRole.TOOL,
            blocks=list(blocks),
            additional_kwargs={"tool_call_id": "c1"},
        ),
    ]


# -- tool results ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("blocks", "sent"),
    [
        ([TextBlock(text="3")], "3"),
        ([TextBlock(text="3"), TextBlock(text="(exact)")], "3\n(exact)"),
        ([], ""),
    ],
)
def test_a_tool_result_is_one_string(
    call: Caller, fake: FakeGateway, llm: AssemblyAI, blocks: list[Any], sent: str
) -> None:
    fake.script(text_reply(), text_stream("ok"))
    call.chat(llm, _history(*blocks))
    call.stream_chat(llm, _history(*blocks))
    for body in fake.bodies:
        assert body["messages"][2] == {
            "role": "tool",
            "tool_call_id": "c1",
            "content": sent,
        }


def test_a_tool_result_that_cannot_be_text_fails_before_sending(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    image = ImageBlock(url="https://example.com/chart.png")
    with pytest.raises(ValueError, match=r"messages\[2\]\.blocks\[1\]") as info:
        call.chat(llm, _history(TextBlock(text="see"), image))
    assert "'tool' message" in str(info.value)
    assert fake.requests == []


# -- plain and streamed calls -----------------------------------------------------------


def test_no_stream_key_on_a_plain_call(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    fake.script(text_reply(), text_stream("Hi"))
    call.chat(llm, USER, stream=False)
    call.stream_chat(llm, USER)
    plain, streamed = fake.bodies
    assert "stream" not in plain
    assert streamed["stream"] is True


def test_max_completion_tokens_is_sent_as_max_tokens(
    call: Caller, fake: FakeGateway, make_llm: Callable[..., AssemblyAI]
) -> None:
    llm = make_llm(max_completion_tokens=5)
    assert llm.max_tokens == 5
    call.chat(llm, USER)
    call.chat(make_llm(), USER, max_completion_tokens=6)
    call.chat(make_llm(additional_kwargs={"max_completion_tokens": 7}), USER)
    caps = [(b.get("max_tokens"), "max_completion_tokens" in b) for b in fake.bodies]
    assert caps == [(5, False), (6, False), (7, False)]


# -- tools and structured output ----------------------------------------------------------


def today() -> str:
    """Today's date."""
    return "2026-12-05"


def test_tools_without_parameters_get_an_empty_object_schema(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    bare = {"type": "function", "function": {"name": "now", "description": "d"}}
    call.chat(llm, USER, tools=[bare, {**bare, "function": {"name": "x"}}])
    prepared = llm._prepare_chat_with_tools([FunctionTool.from_defaults(today)], "Hi")
    call.chat(llm, **prepared)
    first, second = fake.bodies
    assert [t["function"]["parameters"] for t in first["tools"]] == [
        EMPTY_SCHEMA,
        EMPTY_SCHEMA,
    ]
    parameters = second["tools"][0]["function"]["parameters"]
    assert parameters["type"] == "object"
    assert parameters["properties"] == {}


class Sum(BaseModel):
    """A sum."""

    total: int


def test_no_parallel_tool_calls_even_when_allowed(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    for allow in (False, True):
        prepared = llm._prepare_chat_with_tools(
            TOOLS, user_msg="Hi", allow_parallel_tool_calls=allow
        )
        call.chat(llm, allow_parallel_tool_calls=allow, **prepared)
    fake.script(tool_reply(("c1", "Sum", {"total": 3})))
    if call.mode == "sync":
        llm.structured_predict(Sum, PromptTemplate("Hi"))
    else:
        run_closing(llm, llm.astructured_predict(Sum, PromptTemplate("Hi")))
    assert fake.last["tool_choice"] == {"type": "function", "function": {"name": "Sum"}}
    assert all("parallel_tool_calls" not in body for body in fake.bodies)


# -- tool_choice: the core's one rule ---------------------------------------------------


def test_the_adapter_uses_the_core_rule() -> None:
    assert llms.resolve_tool_choice is aai_gateway.adapters.resolve_tool_choice


@pytest.mark.parametrize(
    ("tools", "kwargs", "sent"),
    [
        (TOOLS[:1], {"tool_required": True}, NAMED_ADD),
        (TOOLS[:1], {"tool_choice": "required"}, NAMED_ADD),
        (TOOLS[:1], {"tool_choice": "any"}, NAMED_ADD),
        (TOOLS, {"tool_choice": "add"}, NAMED_ADD),
        (TOOLS, {"tool_choice": NAMED_ADD, "tool_required": True}, NAMED_ADD),
        (TOOLS, {"tool_choice": "auto", "tool_required": True}, "auto"),
        (TOOLS, {"tool_choice": "none"}, "none"),
    ],
)
def test_tool_choice_on_the_wire(
    call: Caller,
    fake: FakeGateway,
    llm: AssemblyAI,
    tools: list[Any],
    kwargs: dict[str, Any],
    sent: Any,
) -> None:
    prepared = llm._prepare_chat_with_tools(tools, user_msg="Hi", **kwargs)
    call.chat(llm, **prepared)
    assert fake.last["tool_choice"] == sent


@pytest.mark.parametrize(
    "kwargs", [{"tool_required": True}, {"tool_choice": "required"}]
)
def test_forcing_one_of_several_tools_sends_auto_with_a_warning(
    call: Caller, fake: FakeGateway, llm: AssemblyAI, kwargs: dict[str, Any]
) -> None:
    with pytest.warns(UserWarning, match="pass one tool's name") as caught:
        prepared = llm._prepare_chat_with_tools(TOOLS, user_msg="Hi", **kwargs)
    assert len(caught) == 1
    call.chat(llm, **prepared)
    assert fake.last["tool_choice"] == "auto"


def test_chat_with_tools_forcing_several_warns_once(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    fake.script(tool_reply(("c1", "add", {"a": 1, "b": 2})))

    def run() -> Any:
        if call.mode == "sync":
            return llm.chat_with_tools(TOOLS, user_msg="Hi", tool_required=True)
        coro = llm.achat_with_tools(TOOLS, user_msg="Hi", tool_required=True)
        return run_closing(llm, coro)

    with pytest.warns(UserWarning, match="pass one tool's name") as caught:
        run()
    assert len(caught) == 1
    assert fake.last["tool_choice"] == "auto"


@pytest.mark.parametrize("choice", ["sometimes", "divide"])
def test_an_unknown_tool_choice_raises(
    fake: FakeGateway, llm: AssemblyAI, choice: str
) -> None:
    with pytest.raises(ValueError, match="`tool_choice` must be 'auto', 'none'"):
        llm._prepare_chat_with_tools(TOOLS, user_msg="Hi", tool_choice=choice)
    assert fake.requests == []


def test_no_tools_means_no_tool_choice(llm: AssemblyAI) -> None:
    prepared = llm._prepare_chat_with_tools([], user_msg="Hi", tool_choice="required")
    assert prepared["tool_choice"] is None
