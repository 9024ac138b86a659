"""Non-streaming chat completions and the scripted model: spec section 4."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import jsonschema
import pytest

from tests.testing.helpers import MAGIC_TOOL, chat

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"],
        },
    },
}
TIME_TOOL = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {"type": "object", "properties": {}},
    },
}


def message_of(body: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return body["choices"][index]["message"]


def test_success_body_shape(emu, gateway) -> None:
    response = chat(
        gateway, model="claude-sonnet-4-6", prompt="What is the capital of France?"
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    uuid.UUID(body["request_id"])
    assert body["model"] == "claude-sonnet-4-6"
    assert body["choices"] == [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Echo: What is the capital of France?",
            },
            "finish_reason": "end_turn",
        }
    ]
    assert body["request"] == {"model": "claude-sonnet-4-6", "max_tokens": 1000}
    assert body["http_status_code"] == 200
    assert body["llm_status_code"] == 200
    assert isinstance(body["response_time"], int)
    assert body["response_time"] > 0
    assert not {"id", "object", "created"} & set(body)


def test_usage_has_both_namings_and_details(emu, gateway) -> None:
    body = chat(
        gateway,
        model="gpt-5",
        messages=[
            {"role": "system", "content": "Be brief please"},
            {"role": "user", "content": "one two three"},
        ],
    ).json()
    usage = body["usage"]
    assert usage["input_tokens"] == usage["prompt_tokens"] == 6
    assert (
        usage["output_tokens"] == usage["completion_tokens"] == 4
    )  # "Echo: one two three"
    assert usage["total_tokens"] == 10
    assert usage["prompt_tokens_details"]["cached_tokens"] == 0
    assert usage["prompt_tokens_details"]["cache_creation"] == {
        "ephemeral_5m_input_tokens": 0,
        "ephemeral_1h_input_tokens": 0,
    }
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 0


def test_request_echo_leaves_out_prompt_messages_and_post_processing(
    emu, gateway
) -> None:
    body = chat(
        gateway,
        model="gpt-5",
        messages=[{"role": "user", "content": "say {'a': 1}"}],
        max_tokens=50,
        temperature=0.3,
        post_processing_steps=[{"type": "json-repair"}],
        zero_data_retention=False,
    ).json()
    assert body["request"] == {
        "model": "gpt-5",
        "max_tokens": 50,
        "temperature": 0.3,
        "zero_data_retention": False,
    }


def test_openai_ids_on_request(serve) -> None:
    _, client = serve(include_openai_ids=True)
    body = chat(client, model="gpt-5", prompt="hi").json()
    assert re.fullmatch(r"chatcmpl-[0-9a-f]{24}", body["id"])
    assert body["object"] == "chat.completion"
    assert isinstance(body["created"], int)


@pytest.mark.parametrize(
    ("model", "native", "expected"),
    [
        ("claude-haiku-4-5-20251001", True, ("end_turn", "tool_use", "max_tokens")),
        ("gemini-2.5-flash", True, ("STOP", "STOP", "MAX_TOKENS")),
        ("gpt-5-mini", True, ("stop", "tool_calls", "length")),
        ("kimi-k2.5", True, ("stop", "tool_calls", "length")),
        ("claude-haiku-4-5-20251001", False, ("stop", "tool_calls", "length")),
        ("gemini-2.5-flash", False, ("stop", "tool_calls", "length")),
    ],
)
def test_finish_reasons_per_family(
    serve, model: str, native: bool, expected: tuple[str, ...]
) -> None:
    _, client = serve(native_finish_reasons=native)
    stop = chat(client, model=model, prompt="hi").json()
    tool = chat(
        client, model=model, prompt="call magic_function", tools=[MAGIC_TOOL]
    ).json()
    length = chat(client, model=model, prompt="one two three", max_tokens=2).json()
    got = tuple(b["choices"][0]["finish_reason"] for b in (stop, tool, length))
    assert got == expected


def test_max_tokens_truncates_words(emu, gateway) -> None:
    body = chat(
        gateway, model="gpt-5", prompt="alpha beta gamma delta", max_tokens=3
    ).json()
    assert message_of(body)["content"] == "Echo: alpha beta"
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 3


@pytest.mark.parametrize(
    ("stop", "content", "claude"),
    [
        ("gamma", "Echo: alpha beta ", "stop_sequence"),
        (["zz", "beta"], "Echo: alpha ", "stop_sequence"),
    ],
)
def test_stop_sequences_cut_the_text(
    emu, gateway, stop: Any, content: str, claude: str
) -> None:
    body = chat(gateway, model="gpt-5", prompt="alpha beta gamma", stop=stop).json()
    assert message_of(body)["content"] == content
    assert body["choices"][0]["finish_reason"] == "stop"
    body = chat(
        gateway, model="claude-sonnet-4-6", prompt="alpha beta gamma", stop=stop
    ).json()
    assert body["choices"][0]["finish_reason"] == claude


def test_echo_uses_last_user_message_and_text_parts(emu, gateway) -> None:
    messages = [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "Echo: first"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "second"},
                {"type": "text", "text": "part"},
            ],
        },
    ]
    body = chat(gateway, model="gpt-5", messages=messages).json()
    assert message_of(body)["content"] == "Echo: second part"


def test_langchain_magic_function_call(emu, gateway) -> None:
    body = chat(
        gateway,
        model="gpt-5",
        messages=[
            {"role": "user", "content": "What is the value of magic_function(3)?"}
        ],
        tools=[MAGIC_TOOL],
    ).json()
    message = message_of(body)
    assert message["content"] is None
    [call] = message["tool_calls"]
    assert call["type"] == "function"
    assert call["function"]["name"] == "magic_function"
    assert json.loads(call["function"]["arguments"]) == {"input": 3}
    assert re.fullmatch(r"call_[0-9a-f]{24}", call["id"])
    assert body["choices"][0]["finish_reason"] == "tool_calls"


def test_tool_call_ids_are_deterministic(emu, gateway) -> None:
    request = {
        "model": "gpt-5",
        "prompt": "use magic_function on 7",
        "tools": [MAGIC_TOOL],
    }
    first = chat(gateway, **request).json()
    second = chat(gateway, **request).json()
    other = chat(gateway, **{**request, "prompt": "use magic_function on 8"}).json()
    first_id = message_of(first)["tool_calls"][0]["id"]
    assert first_id == message_of(second)["tool_calls"][0]["id"]
    assert first_id != message_of(other)["tool_calls"][0]["id"]
    assert json.loads(message_of(other)["tool_calls"][0]["function"]["arguments"]) == {
        "input": 8
    }


def test_mentioned_tools_are_called_in_parallel_in_tools_order(emu, gateway) -> None:
    body = chat(
        gateway,
        model="gpt-5",
        prompt='Use get_time, then GET_WEATHER for "Paris" over 5 days',
        tools=[WEATHER_TOOL, TIME_TOOL],
    ).json()
    calls = message_of(body)["tool_calls"]
    assert [c["function"]["name"] for c in calls] == ["get_weather", "get_time"]
    assert json.loads(calls[0]["function"]["arguments"]) == {"city": "Paris"}
    assert json.loads(calls[1]["function"]["arguments"]) == {}
    assert calls[0]["id"] != calls[1]["id"]


def test_parallel_tool_calls_false_calls_one(emu, gateway) -> None:
    body = chat(
        gateway,
        model="gpt-5",
        prompt="get_time and get_weather",
        tools=[WEATHER_TOOL, TIME_TOOL],
        parallel_tool_calls=False,
    ).json()
    assert [c["function"]["name"] for c in message_of(body)["tool_calls"]] == [
        "get_weather"
    ]


def test_tool_names_match_whole_words_only(emu, gateway) -> None:
    body = chat(
        gateway, model="gpt-5", prompt="get_timeline please", tools=[TIME_TOOL]
    ).json()
    assert message_of(body)["content"] == "Echo: get_timeline please"


@pytest.mark.parametrize(
    ("tool_choice", "expected"),
    [
        ("none", None),
        ("auto", None),
        ({"type": "function", "function": {"name": "get_time"}}, ["get_time"]),
    ],
)
def test_tool_choice(
    emu, gateway, tool_choice: Any, expected: list[str] | None
) -> None:
    body = chat(
        gateway,
        model="gpt-5",
        prompt="hello",
        tools=[WEATHER_TOOL, TIME_TOOL],
        tool_choice=tool_choice,
    ).json()
    calls = message_of(body).get("tool_calls")
    assert (
        None if calls is None else [c["function"]["name"] for c in calls]
    ) == expected


def test_tool_choice_none_beats_a_mention(emu, gateway) -> None:
    body = chat(
        gateway, model="gpt-5", prompt="get_time", tools=[TIME_TOOL], tool_choice="none"
    ).json()
    assert message_of(body)["content"] == "Echo: get_time"


def test_tool_results_are_answered(emu, gateway) -> None:
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "get_time", "arguments": "{}"},
    }
    messages = [
        {"role": "user", "content": "get_time"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [call, {**call, "id": "c2"}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "12:00"},
        {"role": "tool", "tool_call_id": "c2", "content": "UTC"},
    ]
    body = chat(
        gateway, model="claude-sonnet-4-6", messages=messages, tools=[TIME_TOOL]
    ).json()
    assert message_of(body) == {
        "role": "assistant",
        "content": "Tool results: 12:00; UTC",
    }
    assert body["choices"][0]["finish_reason"] == "end_turn"


SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer", "minimum": 0},
        "score": {"type": "number"},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
        "kind": {"enum": ["a", "b"]},
        "nickname": {"anyOf": [{"type": "null"}, {"type": "string"}]},
        "address": {"$ref": "#/$defs/Address"},
        "active": {"type": "boolean"},
        "when": {"type": "string", "format": "date"},
    },
    "required": [
        "name",
        "age",
        "score",
        "tags",
        "kind",
        "nickname",
        "address",
        "active",
        "when",
    ],
    "additionalProperties": False,
    "$defs": {
        "Address": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "zip": {"type": ["string", "null"]},
            },
            "required": ["city", "zip"],
        }
    },
}


def test_structured_output_follows_the_schema(emu, gateway) -> None:
    body = chat(
        gateway,
        model="gpt-5",
        prompt='Extract: "Ada" is 36 with score 9.5',
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "person", "schema": SCHEMA},
        },
    ).json()
    value = json.loads(message_of(body)["content"])
    jsonschema.validate(value, SCHEMA)
    assert value["name"] == "Ada"
    assert value["age"] == 36
    assert value["score"] == 9.5
    assert value["kind"] == "a"
    assert value["when"] == "2026-01-01"


@pytest.mark.parametrize(
    ("shape", "expected_keys"),
    [("message", {"message"}), ("choice", {"choice"}), ("split", {"split"})],
)
def test_tool_call_shapes(serve, shape: str, expected_keys: set[str]) -> None:
    _, client = serve(tool_call_shape=shape)
    body = chat(
        client,
        model="claude-sonnet-4-6",
        prompt="magic_function(2)",
        tools=[MAGIC_TOOL],
    ).json()
    choices = body["choices"]
    if shape == "message":
        assert len(choices) == 1
        assert (
            choices[0]["message"]["tool_calls"][0]["function"]["arguments"]
            == '{"input": 2}'
        )
        assert "tool_calls" not in choices[0]
    elif shape == "choice":
        assert len(choices) == 1
        assert "tool_calls" not in choices[0]["message"]
        assert choices[0]["tool_calls"][0]["function"]["name"] == "magic_function"
        assert choices[0]["finish_reason"] == "tool_use"
    else:
        assert [c["index"] for c in choices] == [0, 1]
        assert choices[0]["message"] == {
            "role": "assistant",
            "content": "Calling magic_function.",
        }
        assert choices[0]["finish_reason"] == "end_turn"
        assert choices[1]["message"]["content"] is None
        assert (
            choices[1]["message"]["tool_calls"][0]["function"]["name"]
            == "magic_function"
        )
        assert choices[1]["finish_reason"] == "tool_use"


@pytest.mark.parametrize("shape", ["choice", "split"])
def test_text_answers_are_the_same_in_every_shape(serve, shape: str) -> None:
    _, client = serve(tool_call_shape=shape)
    body = chat(client, model="gpt-5", prompt="hi").json()
    assert body["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Echo: hi"},
            "finish_reason": "stop",
        }
    ]


def test_response_delay(serve) -> None:
    _, client = serve(response_delay=0.2)
    response = chat(client, model="gpt-5", prompt="hi")
    assert response.elapsed.total_seconds() >= 0.2
