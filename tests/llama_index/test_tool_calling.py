"""Tool calling and structured output through `AssemblyAI` (httpx.MockTransport)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from llama_index.core.base.llms.types import (
    ChatMessage,
    ToolCallBlock,
)
from pydantic import BaseModel

from llama_index_aai_gateway import AssemblyAI
from tests.llama_index.conftest import (
    TOOLS,
    USER,
    Caller,
    FakeGateway,
    chunk,
    text_reply,
    tool_reply,
)

# -- tools ---------------------------------------------------------------------------------


def test_prepare_chat_with_tools_leaves_the_history_alone(llm: AssemblyAI) -> None:
    history = [ChatMessage(role="user", content="earlier")]
    prepared = llm._prepare_chat_with_tools(TOOLS, user_msg="now", chat_history=history)
    assert len(history) == 1
    assert [m.content for m in prepared["messages"]] == ["earlier", "now"]
    assert [t["function"]["name"] for t in prepared["tools"]] == ["add", "multiply"]
    assert prepared["tool_choice"] is None


@pytest.mark.parametrize(
    ("tools", "kwargs", "expected"),
    [
        (
            TOOLS[:1],
            {"tool_required": True},
            {"type": "function", "function": {"name": "add"}},
        ),
        (
            TOOLS,
            {"tool_choice": "multiply"},
            {"type": "function", "function": {"name": "multiply"}},
        ),
        (TOOLS, {"tool_choice": "none"}, "none"),
        (
            TOOLS[:1],
            {"tool_choice": "required"},
            {"type": "function", "function": {"name": "add"}},
        ),
    ],
)
def test_tool_choice_mapping(
    llm: AssemblyAI, tools: list[Any], kwargs: dict[str, Any], expected: Any
) -> None:
    assert (
        llm._prepare_chat_with_tools(tools, user_msg="x", **kwargs)["tool_choice"]
        == expected
    )


def test_chat_with_tools_sends_specs_and_returns_calls_both_ways(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    fake.script(tool_reply(("c1", "add", {"a": 1, "b": 2})))
    prepared = llm._prepare_chat_with_tools(
        TOOLS[:1], user_msg="add 1 and 2", tool_required=True
    )
    response = call.chat(llm, **prepared)
    assert fake.last["tools"][0]["function"]["name"] == "add"
    assert fake.last["tool_choice"] == {"type": "function", "function": {"name": "add"}}
    blocks = [b for b in response.message.blocks if isinstance(b, ToolCallBlock)]
    assert [(b.tool_call_id, b.tool_name, b.tool_kwargs) for b in blocks] == [
        ("c1", "add", {"a": 1, "b": 2})
    ]
    assert response.message.additional_kwargs["tool_calls"][0]["function"] == {
        "name": "add",
        "arguments": '{"a": 1, "b": 2}',
    }
    [selection] = llm.get_tool_calls_from_response(response)
    assert (selection.tool_id, selection.tool_name, selection.tool_kwargs) == (
        "c1",
        "add",
        {"a": 1, "b": 2},
    )


def test_no_tools_means_no_tool_fields(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    call.chat(
        llm, **llm._prepare_chat_with_tools([], user_msg="hi", tool_required=True)
    )
    assert "tools" not in fake.last
    assert "tool_choice" not in fake.last


def test_get_tool_calls_is_tolerant_when_asked(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    response = call.chat(llm, USER)
    assert llm.get_tool_calls_from_response(response, error_on_no_tool_call=False) == []
    with pytest.raises(ValueError, match="tool call"):
        llm.get_tool_calls_from_response(response)


def test_streamed_tool_calls_are_cumulative_and_partial_json_is_tolerated(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    fn = "function"
    fake.script(
        [
            chunk({"content": "Let me add."}),
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "c1",
                            "type": fn,
                            fn: {"name": "add", "arguments": ""},
                        }
                    ]
                }
            ),
            chunk({"tool_calls": [{"index": 0, fn: {"arguments": '{"a": 1,'}}]}),
            chunk(
                {
                    "tool_calls": [
                        {"index": 0, fn: {"arguments": ' "b": 2}'}},
                        {
                            "index": 1,
                            "id": "c2",
                            "type": fn,
                            fn: {"name": "multiply", "arguments": '{"a": 3, "b": 4}'},
                        },
                    ]
                }
            ),
            chunk({}, "tool_use"),
        ]
    )
    chunks = call.stream_chat(llm, USER, tools=TOOLS)
    partial = chunks[2]
    assert (
        partial.message.additional_kwargs["tool_calls"][0]["function"]["arguments"]
        == '{"a": 1,'
    )
    [selection] = llm.get_tool_calls_from_response(partial, error_on_no_tool_call=False)
    assert selection.tool_kwargs == {"a": 1}
    last = chunks[-1]
    assert last.message.content == "Let me add."
    assert [
        (s.tool_id, s.tool_name, s.tool_kwargs)
        for s in llm.get_tool_calls_from_response(last)
    ] == [
        ("c1", "add", {"a": 1, "b": 2}),
        ("c2", "multiply", {"a": 3, "b": 4}),
    ]
    assert len(last.message.additional_kwargs["tool_calls"]) == 2


def test_parallel_calls_are_trimmed_unless_allowed(
    fake: FakeGateway, llm: AssemblyAI
) -> None:
    two = tool_reply(
        ("c1", "add", {"a": 1, "b": 2}), ("c2", "multiply", {"a": 1, "b": 2})
    )
    fake.script(two, two)
    trimmed = llm.chat_with_tools(TOOLS, user_msg="both")
    assert [s.tool_name for s in llm.get_tool_calls_from_response(trimmed)] == ["add"]
    assert len(trimmed.message.additional_kwargs["tool_calls"]) == 1
    kept = llm.chat_with_tools(TOOLS, user_msg="both", allow_parallel_tool_calls=True)
    assert [s.tool_name for s in llm.get_tool_calls_from_response(kept)] == [
        "add",
        "multiply",
    ]


def test_second_turn_replays_the_tool_call_and_its_result(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    fake.script(tool_reply(("c1", "add", {"a": 1, "b": 2})), text_reply("3"))
    first = call.chat(llm, **llm._prepare_chat_with_tools(TOOLS, user_msg="add 1 2"))
    tool_result = ChatMessage(
        role="tool", content="3", additional_kwargs={"tool_call_id": "c1"}
    )
    call.chat(llm, [*USER, first.message, tool_result], tools=TOOLS)
    messages = fake.last["messages"]
    assert messages[1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "c1",
                "type": "function",
                "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'},
            }
        ],
    }
    assert messages[2] == {"role": "tool", "content": "3", "tool_call_id": "c1"}


# -- structured output -----------------------------------------------------------------------


class Person(BaseModel):
    """A person."""

    name: str
    age: int


def test_structured_predict_forces_the_output_tool(
    mode: str, fake: FakeGateway, llm: AssemblyAI
) -> None:
    from llama_index.core.prompts import PromptTemplate

    fake.script(tool_reply(("c1", "Person", {"name": "Ada", "age": 36})))
    prompt = PromptTemplate("Make a person named {name}.")
    if mode == "sync":
        person = llm.structured_predict(Person, prompt, name="Ada")
    else:
        person = asyncio.run(llm.astructured_predict(Person, prompt, name="Ada"))
    assert person == Person(name="Ada", age=36)
    assert fake.last["tool_choice"] == {
        "type": "function",
        "function": {"name": "Person"},
    }


def test_stream_structured_predict_yields_partial_objects(
    fake: FakeGateway, llm: AssemblyAI
) -> None:
    from llama_index.core.prompts import PromptTemplate

    fn = "function"
    fake.script(
        [
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "c1",
                            "type": fn,
                            fn: {"name": "Person", "arguments": '{"name": "Ada",'},
                        }
                    ]
                }
            ),
            chunk({"tool_calls": [{"index": 0, fn: {"arguments": ' "age": 36}'}}]}),
            chunk({}, "tool_use"),
        ]
    )
    results = list(llm.stream_structured_predict(Person, PromptTemplate("Ada please")))
    assert results[-1] == Person(name="Ada", age=36)


def test_as_structured_llm_chat(fake: FakeGateway, llm: AssemblyAI) -> None:
    fake.script(tool_reply(("c1", "Person", {"name": "Bo", "age": 5})))
    response = llm.as_structured_llm(Person).chat(USER)
    assert json.loads(response.message.content or "") == {"name": "Bo", "age": 5}


def test_json_schema_mode_uses_response_format(
    mode: str, fake: FakeGateway, make_llm: Any
) -> None:
    from llama_index.core.prompts import PromptTemplate

    llm = make_llm(structured_output_mode="json_schema")
    fake.script(text_reply('{"name": "Ada", "age": 36}'))
    prompt = PromptTemplate("Make a person named {name}.")
    if mode == "sync":
        person = llm.structured_predict(Person, prompt, name="Ada")
    else:
        person = asyncio.run(llm.astructured_predict(Person, prompt, name="Ada"))
    assert person == Person(name="Ada", age=36)
    body = fake.last
    assert "tools" not in body
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "Person"
    assert (
        body["response_format"]["json_schema"]["schema"] == Person.model_json_schema()
    )


def test_json_schema_mode_falls_back_to_a_tool_call(
    fake: FakeGateway, make_llm: Any
) -> None:
    from llama_index.core.prompts import PromptTemplate

    llm = make_llm(model="gpt-4.1", structured_output_mode="json_schema")
    fake.script(tool_reply(("c1", "Person", {"name": "Ada", "age": 36})))
    assert llm.structured_predict(Person, PromptTemplate("Ada")) == Person(
        name="Ada", age=36
    )
    assert "response_format" not in fake.last
    assert fake.last["tool_choice"]["function"]["name"] == "Person"


def test_json_schema_mode_reports_invalid_json(
    fake: FakeGateway, make_llm: Any
) -> None:
    from llama_index.core.prompts import PromptTemplate

    llm = make_llm(structured_output_mode="json_schema")
    fake.script(text_reply('{"name": "Ada"}'))
    with pytest.raises(ValueError, match="age"):
        llm.structured_predict(Person, PromptTemplate("Ada"))
