"""`ChatAssemblyAI` sends only what the vendor schema documents (HTTP boundary).

Every path (plain, streamed, tools, structured output, history replay), sync and
async. Each test fails if an [UNCONFIRMED] form (gateway-spec.md section 16) came
back: a non-string tool result, `name` on a tool result, a tool without
`parameters`, `max_completion_tokens`, `"stream": false`, an unasked
`parallel_tool_calls`, `tool_choice: "required"`.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from pydantic import BaseModel, Field

import aai_gateway
import aai_gateway.adapters
from langchain_aai_gateway import ChatAssemblyAI, chat_models
from tests.langchain.conftest import MODEL, invoke_in, stream_handler, stream_in

CONTENT_DELTA = {
    "model": MODEL,
    "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": "stop"}],
}
EMPTY_SCHEMA = {"type": "object", "properties": {}}


@pytest.fixture
def gateway(fake_gateway: Any) -> Any:
    return fake_gateway(stream_handler(CONTENT_DELTA))


@pytest.fixture
def llm(gateway: Any) -> ChatAssemblyAI:
    return ChatAssemblyAI(model=MODEL, **gateway.options())


def _history(result: Any) -> list[Any]:
    return [
        HumanMessage("What time is it?"),
        AIMessage("", tool_calls=[{"name": "now", "args": {}, "id": "c1"}]),
        ToolMessage(result, tool_call_id="c1", name="now"),
    ]


# -- tool results -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "sent"),
    [
        ("12:00", "12:00"),
        (["12:00", {"type": "text", "text": "UTC"}], "12:00\nUTC"),
        ([{"hour": 12, "zone": "UTC"}], '{"hour": 12, "zone": "UTC"}'),
        ([{"type": "text", "text": "a"}, {"ok": True}], 'a\n{"ok": true}'),
    ],
)
def test_a_tool_result_is_one_string(
    mode: str, gateway: Any, llm: ChatAssemblyAI, result: Any, sent: str
) -> None:
    invoke_in(mode, llm, _history(result))
    stream_in(mode, llm, _history(result))
    for body in gateway.bodies():
        tool = body["messages"][2]
        assert tool == {"role": "tool", "tool_call_id": "c1", "content": sent}


def test_non_string_tool_content_goes_as_json(
    mode: str, gateway: Any, llm: ChatAssemblyAI
) -> None:
    # Built without validation, so the content stays a dict (LangChain would
    # otherwise turn it into its Python repr).
    result = ToolMessage.model_construct(
        content={"hour": 12}, tool_call_id="c1", type="tool"
    )
    invoke_in(mode, llm, [*_history("x")[:2], result])
    assert gateway.bodies()[0]["messages"][2]["content"] == '{"hour": 12}'


@pytest.mark.parametrize(
    ("part", "error", "detail"),
    [
        ({"type": "image", "url": "https://x/y.png"}, ValueError, "'image'"),
        ({"type": "reasoning", "reasoning": "hm"}, ValueError, "'reasoning'"),
        ({"when": object()}, TypeError, "not JSON"),
    ],
)
def test_a_tool_result_that_cannot_be_text_fails_before_sending(
    mode: str,
    gateway: Any,
    llm: ChatAssemblyAI,
    part: Any,
    error: type[Exception],
    detail: str,
) -> None:
    with pytest.raises(error, match=r"messages\[2\] \(ToolMessage\)") as info:
        invoke_in(mode, llm, _history([part]))
    assert detail in str(info.value)
    assert gateway.requests == []


# -- plain and streamed calls ---------------------------------------------------------


def test_no_stream_key_on_a_plain_call(
    mode: str, gateway: Any, llm: ChatAssemblyAI
) -> None:
    invoke_in(mode, llm, "Hi", stream=False)
    invoke_in(
        mode, ChatAssemblyAI(model=MODEL, streaming=False, **gateway.options()), "Hi"
    )
    stream_in(mode, llm, "Hi")
    plain, plain_again, streamed = gateway.bodies()
    assert "stream" not in plain
    assert "stream" not in plain_again
    assert streamed["stream"] is True


def test_max_completion_tokens_is_sent_as_max_tokens(mode: str, gateway: Any) -> None:
    llm = ChatAssemblyAI(model=MODEL, max_completion_tokens=5, **gateway.options())
    assert llm.max_tokens == 5
    invoke_in(mode, llm, "Hi")
    plain = ChatAssemblyAI(model=MODEL, **gateway.options())
    invoke_in(mode, plain, "Hi", max_completion_tokens=6)
    stream_in(mode, llm, "Hi", max_completion_tokens=5)
    caps = [
        (b.get("max_tokens"), "max_completion_tokens" in b) for b in gateway.bodies()
    ]
    assert caps == [(5, False), (6, False), (5, False)]


# -- tools and structured output ------------------------------------------------------


def now() -> str:
    """The current time."""
    return "12:00"


def test_tools_without_parameters_get_an_empty_object_schema(
    mode: str, gateway: Any, llm: ChatAssemblyAI
) -> None:
    bare = {"type": "function", "function": {"name": "today", "description": "d"}}
    invoke_in(mode, llm.bind_tools([now, bare]), "Hi")
    stream_in(mode, llm.bind_tools([bare]), "Hi")
    first, second = gateway.bodies()
    assert [t["function"]["parameters"] for t in first["tools"]] == [
        EMPTY_SCHEMA,
        EMPTY_SCHEMA,
    ]
    assert second["tools"][0]["function"]["parameters"] == EMPTY_SCHEMA


class Person(BaseModel):
    """A person."""

    name: str = Field(description="Their name")


def test_no_parallel_tool_calls_unless_asked(
    mode: str, gateway: Any, llm: ChatAssemblyAI
) -> None:
    invoke_in(mode, llm.bind_tools([now]), "Hi")
    stream_in(mode, llm.bind_tools([now], tool_choice="now"), "Hi")
    invoke_in(mode, llm.with_structured_output(Person, include_raw=True), "Hi")
    invoke_in(mode, llm.bind_tools([now], parallel_tool_calls=False), "Hi")
    *unasked, asked = gateway.bodies()
    assert all("parallel_tool_calls" not in body for body in unasked)
    assert asked["parallel_tool_calls"] is False


def test_json_schema_output_keeps_the_description_inside_the_schema(
    mode: str, gateway: Any, llm: ChatAssemblyAI
) -> None:
    structured = llm.with_structured_output(
        Person, method="json_schema", include_raw=True
    )
    invoke_in(mode, structured, "Hi")
    [body] = gateway.bodies()
    json_schema = body["response_format"]["json_schema"]
    assert set(json_schema) == {"name", "schema"}
    assert json_schema["schema"]["description"] == "A person."


# -- tool_choice: the core's one rule -------------------------------------------------


def clock() -> str:
    """Another clock."""
    return "12:00"


NAMED_NOW = {"type": "function", "function": {"name": "now"}}


def test_the_adapter_uses_the_core_rule() -> None:
    assert chat_models.resolve_tool_choice is aai_gateway.adapters.resolve_tool_choice


@pytest.mark.parametrize(
    ("tools", "choice", "sent"),
    [
        ([now], "any", NAMED_NOW),
        ([now], True, NAMED_NOW),
        ([now], "required", NAMED_NOW),
        ([now, clock], "now", NAMED_NOW),
        ([now, clock], NAMED_NOW, NAMED_NOW),
        ([now, clock], "auto", "auto"),
        ([now, clock], "none", "none"),
    ],
)
def test_tool_choice_on_the_wire(
    mode: str,
    gateway: Any,
    llm: ChatAssemblyAI,
    tools: list[Any],
    choice: Any,
    sent: Any,
) -> None:
    invoke_in(mode, llm.bind_tools(tools, tool_choice=choice), "Hi")
    assert gateway.bodies()[0]["tool_choice"] == sent


@pytest.mark.parametrize("choice", ["any", "required", True])
def test_forcing_one_of_several_tools_sends_auto_with_a_warning(
    mode: str, gateway: Any, llm: ChatAssemblyAI, choice: Any
) -> None:
    with pytest.warns(UserWarning, match="pass one tool's name") as caught:
        bound = llm.bind_tools([now, clock], tool_choice=choice)
    assert len(caught) == 1
    invoke_in(mode, bound, "Hi")
    assert gateway.bodies()[0]["tool_choice"] == "auto"


def test_a_call_kwarg_goes_through_the_same_rule(
    mode: str, gateway: Any, llm: ChatAssemblyAI
) -> None:
    bound = llm.bind_tools([now, clock])
    invoke_in(mode, bound, "Hi", tool_choice="clock")
    with pytest.warns(UserWarning, match="pass one tool's name"):
        invoke_in(mode, bound, "Hi", tool_choice="required")
    named, forced = gateway.bodies()
    assert named["tool_choice"] == {"type": "function", "function": {"name": "clock"}}
    assert forced["tool_choice"] == "auto"


@pytest.mark.parametrize("choice", ["sometimes", "calendar", 3])
def test_an_unknown_tool_choice_raises(
    gateway: Any, llm: ChatAssemblyAI, choice: Any
) -> None:
    with pytest.raises(ValueError, match="`tool_choice` must be 'auto', 'none'"):
        llm.bind_tools([now, clock], tool_choice=choice)
    assert gateway.requests == []
