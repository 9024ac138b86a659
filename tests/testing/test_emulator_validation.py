"""Request validation and parameter gating: spec sections 3, 3.12 and 15.3."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aai_gateway.testing import MEETING_IDS
from aai_gateway.testing._catalog_data import region_models
from aai_gateway.testing._unconfirmed import LENIENT, STRICT, read_request
from aai_gateway.testing._validation import validate_request
from tests.testing.helpers import AUTH, MAGIC_TOOL, chat, make_client

TAG_TEXT = "{{ transcript }}"

US = region_models("us")
USER = [{"role": "user", "content": "hi"}]
CHOICE_HELP = (
    'tool_choice is invalid: use "none", "auto" or '
    '{"type": "function", "function": {"name": ...}}'
)


def errors_of(response: httpx.Response) -> list[str]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == 400
    assert body["message"] == "invalid request body"
    uuid.UUID(body["request_id"])
    return list(body["metadata"]["errors"])


def test_collects_every_error(emu, gateway) -> None:
    response = chat(
        gateway,
        model="qwen3.5-4b-32k-fast",
        messages=USER,
        tools=[MAGIC_TOOL],
        tool_choice="auto",
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "x", "schema": {}},
        },
        max_tokens=0,
        temperature=2.5,
        model_region="us",
        fallback_config={"depth": 3},
    )
    assert errors_of(response) == [
        "model qwen3.5-4b-32k-fast does not support tools",
        "model qwen3.5-4b-32k-fast does not support tool_choice",
        "model qwen3.5-4b-32k-fast does not support response_format",
        "max_tokens must be an integer greater than or equal to 1",
        "temperature must be between 0 and 2",
        "model_region can only be set to global",
        "fallback_config depth cannot be greater than 2",
    ]


def test_body_must_be_json(emu, gateway) -> None:
    response = gateway.post("/chat/completions", content=b"{not json")
    assert errors_of(response) == ["request body is not valid JSON"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"prompt": "hi"}, ["model is required"]),
        ({"model": "gpt-5"}, ["one of messages or prompt required"]),
        (
            {"model": "gpt-5", "messages": None},
            [
                "one of messages or prompt required",
                "messages: null is not documented (unconfirmed rule null_values is strict)",
            ],
        ),
        (
            {"model": "gpt-5", "prompt": "a", "messages": USER},
            [
                "sending both messages and prompt is not documented "
                "(unconfirmed rule prompt_with_messages is strict)"
            ],
        ),
        ({"model": "", "prompt": "a"}, ["model must be a non-empty string"]),
        ({"model": ["gpt-5"], "prompt": "a"}, ["model must be a non-empty string"]),
        ({"model": "gpt-9", "prompt": "a"}, ["model gpt-9 is not supported"]),
        ({}, ["model is required", "one of messages or prompt required"]),
        ([], ["request body must be a JSON object"]),
        ({"model": "gpt-5", "prompt": 3}, ["prompt must be a string"]),
    ],
)
def test_presence_and_model(emu, gateway, body: Any, expected: list[str]) -> None:
    assert errors_of(gateway.post("/chat/completions", json=body)) == expected


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        ("qwen3.5-4b-32k-fast", "tools", [MAGIC_TOOL]),
        ("claude-sonnet-5", "temperature", 0.5),
        ("claude-sonnet-5", "response_format", None),
        ("gpt-4.1", "response_format", None),
        ("gpt-oss-20b", "stream", True),
        ("gpt-5", "n", 2),
        ("claude-sonnet-4-6", "logprobs", True),
        ("claude-sonnet-4-6", "user", "someone"),
    ],
)
def test_gating_rejects_unlisted_parameters(
    emu, gateway, model: str, field: str, value: Any
) -> None:
    if field == "response_format":
        value = {
            "type": "json_schema",
            "json_schema": {"name": "x", "schema": {"type": "object"}},
        }
    response = chat(gateway, model=model, messages=USER, **{field: value})
    assert errors_of(response) == [f"model {model} does not support {field}"]


@pytest.mark.parametrize(
    "extra",
    [
        {"transcript_id": MEETING_IDS["incident_review"]},
        {"fallbacks": [{"model": "gpt-5-mini"}]},
        {"model_region": "global"},
        {"reasoning": {"effort": "low"}},
        {"stream_options": {"include_usage": True}},
        {"cache_control": {"type": "ephemeral"}},
        {
            "prompt_cache_key": "k",
            "prompt_cache_retention": "24h",
            "zero_data_retention": True,
        },
        {"fail_fast": True, "max_timeout": 2.5},
        {"stream": False},
    ],
)
def test_gateway_extensions_are_not_gated(emu, gateway, extra: dict[str, Any]) -> None:
    response = chat(gateway, model="qwen3.5-4b-32k-fast", messages=USER, **extra)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("model", ["gpt-oss-20b", "gpt-oss-120b"])
def test_stream_false_is_not_using_stream(emu, gateway, model: str) -> None:
    # [SDK-1.8.2] sends `"stream": false` on every non-streamed call (spec 13).
    response = chat(gateway, model=model, messages=USER, stream=False)
    assert response.status_code == 200, response.text
    refused = chat(gateway, model=model, messages=USER, stream=True)
    assert errors_of(refused) == [f"model {model} does not support stream"]


def test_supported_parameters_pass(emu, gateway) -> None:
    response = chat(
        gateway,
        model="gpt-5",
        messages=USER,
        temperature=0,
        top_p=0.5,
        stop=["zzz"],
        seed=1,
        frequency_penalty=0,
        presence_penalty=0,
        tools=[MAGIC_TOOL],
        tool_choice="auto",
        parallel_tool_calls=True,
        max_tokens=5,
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"max_tokens": 1.5},
            "max_tokens must be an integer greater than or equal to 1",
        ),
        (
            {"max_tokens": True},
            "max_tokens must be an integer greater than or equal to 1",
        ),
        ({"max_tokens": 200_000}, "max_tokens must be less than 200000"),
        ({"temperature": -0.1}, "temperature must be between 0 and 2"),
        ({"temperature": "hot"}, "temperature must be between 0 and 2"),
        ({"fallback_config": {"depth": 0}}, "fallback_config depth must be at least 1"),
        (
            {"fallback_config": {"retry": "yes"}},
            "fallback_config retry must be a boolean",
        ),
        ({"fallback_config": []}, "fallback_config must be an object"),
        (
            {"response_format": {"type": "text"}},
            "response_format is invalid: type must be json_schema",
        ),
        (
            {"response_format": "json"},
            "response_format is invalid: it must be an object",
        ),
        (
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "n", "schema": {}, "strict": "yes"},
                }
            },
            "response_format is invalid: json_schema.strict must be a boolean",
        ),
        (
            {"response_format": {"type": "json_schema"}},
            "response_format is invalid: json_schema is required",
        ),
        (
            {"response_format": {"type": "json_schema", "json_schema": {"schema": {}}}},
            "response_format is invalid: json_schema.name is required",
        ),
        (
            {"response_format": {"type": "json_schema", "json_schema": {"name": "n"}}},
            "response_format is invalid: json_schema.schema is required",
        ),
        (
            {"post_processing_steps": [{"type": "summarise"}]},
            "post_processing_steps[0] type summarise is not supported",
        ),
        ({"stream": "yes"}, "stream must be a boolean"),
        ({"transcript_id": 5}, "transcript_id must be a string"),
        ({"tools": {}}, "tools must be an array"),
        ({"tools": [{"type": "code"}]}, "tools[0] is invalid: type must be function"),
        (
            {"tools": [{"type": "function"}]},
            "tools[0] is invalid: function is required",
        ),
        (
            {"tools": [{"type": "function", "function": {"parameters": {}}}]},
            "tools[0] is invalid: function.name is required",
        ),
        (
            {"tools": [{"type": "function", "function": {"name": "f"}}]},
            "tools[0] is invalid: function.parameters (a JSON Schema object) is required",
        ),
        (
            {
                "tools": [
                    {
                        "type": "function",
                        "function": {"name": "f", "parameters": {}, "description": 1},
                    }
                ]
            },
            "tools[0] is invalid: function.description must be a string",
        ),
        ({"tool_choice": "sometimes"}, CHOICE_HELP),
        ({"tool_choice": {"type": "function", "function": None}}, CHOICE_HELP),
        ({"tool_choice": {"function": {"name": "magic_function"}}}, CHOICE_HELP),
        ({"tool_choice": ["auto"]}, CHOICE_HELP),
        (
            {
                "tools": [MAGIC_TOOL],
                "tool_choice": {"type": "function", "function": {"name": "other"}},
            },
            "tool_choice names unknown function other",
        ),
        ({"fallbacks": [{"model": "gpt-9"}]}, "model gpt-9 is not supported"),
        ({"fallbacks": [{}]}, "fallbacks[0] requires model"),
        ({"fallbacks": {}}, "fallbacks must be an array"),
        (
            {"temperature": 0.2, "fallbacks": [{"model": "claude-sonnet-5"}]},
            "model claude-sonnet-5 does not support temperature",
        ),
    ],
)
def test_ranges_and_shapes(emu, gateway, fields: dict[str, Any], expected: str) -> None:
    response = chat(gateway, model="claude-sonnet-4-6", messages=USER, **fields)
    assert errors_of(response) == [expected]


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ([], "messages must be a non-empty array"),
        ("hi", "messages must be a non-empty array"),
        (["hi"], "messages[0] must be an object"),
        (
            [{"role": "function", "content": "x"}],
            "messages[0] role function is not supported",
        ),
        (
            [{"role": ["user"], "content": "x"}],
            "messages[0] role <array> is not supported",
        ),
        ([{"content": "x"}], "messages[0] role null is not supported"),
        ([{"role": "user"}], "messages[0] content is required"),
        (
            [{"role": "user", "content": 5}],
            "messages[0] content must be a string or an array of content parts",
        ),
        (
            [
                {
                    "role": "user",
                    "content": [{"type": "image_url", "image_url": {"url": "x"}}],
                }
            ],
            "messages[0] content[0] type image_url is not documented "
            "(unconfirmed rule image_url_parts is strict)",
        ),
        (
            [{"role": "user", "content": [{"type": "input_audio"}]}],
            "messages[0] content[0] type input_audio is not supported",
        ),
        (
            [{"role": "user", "content": ["hi"]}],
            "messages[0] content[0] must be a content part object",
        ),
        (
            [{"role": "user", "content": [{"type": "text"}]}],
            "messages[0] content[0] text part requires text",
        ),
        (
            [
                *USER,
                {
                    "role": "tool",
                    "tool_call_id": "c",
                    "content": [{"type": "text", "text": "42"}],
                },
            ],
            "messages[1] content of a tool message must be a string",
        ),
        (
            [*USER, {"role": "tool", "tool_call_id": "c"}],
            "messages[1] content is required",
        ),
        (
            [{"role": "user", "content": "x", "name": 5}],
            "messages[0] name must be a string",
        ),
        (
            [{"role": "user", "content": "x", "thinking": ["t"]}],
            "messages[0] thinking must be a string",
        ),
        (
            [{"role": "user", "content": "x", "cache_control": {"type": "forever"}}],
            'messages[0] cache_control must be {"type": "ephemeral"}',
        ),
        (
            [{"role": "user", "content": "x", "name": None}],
            "messages[0] name: null is not documented "
            "(unconfirmed rule null_values is strict)",
        ),
        (
            [
                *USER,
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c",
                            "type": "code",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
            ],
            "messages[1] tool_calls entries need id and function{name, arguments}",
        ),
        (
            [*USER, {"role": "tool", "content": "42"}],
            "messages[1] with role tool requires tool_call_id",
        ),
        (
            [
                *USER,
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c"}]},
            ],
            "messages[1] tool_calls entries need id and function{name, arguments}",
        ),
    ],
)
def test_message_shapes(emu, gateway, messages: Any, expected: str) -> None:
    response = chat(gateway, model="gpt-5", messages=messages)
    assert errors_of(response) == [expected]


def test_valid_tool_round_trip_history_passes(emu, gateway) -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "magic_function", "arguments": "{}"},
    }
    messages = [
        {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
        *USER,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "5"},
    ]
    response = chat(gateway, model="gpt-5", messages=messages, tools=[MAGIC_TOOL])
    assert response.status_code == 200, response.text


def test_eu_catalogue_rejects_us_only_models(serve) -> None:
    _, client = serve(region="eu")
    assert errors_of(chat(client, model="gpt-5", prompt="hi")) == [
        "model gpt-5 is not supported"
    ]
    assert chat(client, model="claude-sonnet-4-6", prompt="hi").status_code == 200


def test_validation_errors_are_not_rate_limited(serve) -> None:
    _, client = serve(rate_limit=1)
    for _ in range(3):
        assert chat(client, model="gpt-5").status_code == 400
    response = chat(client, model="gpt-5", prompt="hi")
    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining"] == "0"


def test_validate_request_returns_nothing_for_a_good_body() -> None:
    assert validate_request({"model": "gpt-5", "prompt": "x"}, US) == []


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"stop": 5}, "stop must be a string or an array of strings"),
        ({"stop": ["a", 1]}, "stop must be a string or an array of strings"),
        ({"top_p": 1.5}, "top_p must be between 0 and 1"),
        ({"top_p": "x"}, "top_p must be between 0 and 1"),
        ({"seed": 1.5}, "seed must be an integer"),
        ({"frequency_penalty": 3}, "frequency_penalty must be between -2 and 2"),
        ({"presence_penalty": [0]}, "presence_penalty must be between -2 and 2"),
        ({"parallel_tool_calls": "yes"}, "parallel_tool_calls must be a boolean"),
        ({"fail_fast": 1}, "fail_fast must be a boolean"),
        ({"max_timeout": "10"}, "max_timeout must be a non-negative number"),
        ({"max_timeout": -1}, "max_timeout must be a non-negative number"),
        ({"zero_data_retention": "no"}, "zero_data_retention must be a boolean"),
        ({"stream_options": True}, "stream_options must be an object"),
        (
            {"stream_options": {"include_usage": 1}},
            "stream_options include_usage must be a boolean",
        ),
        (
            {"reasoning": {"effort": "max"}},
            "reasoning effort must be low, medium or high",
        ),
        (
            {"reasoning": {"max_tokens": 0}},
            "reasoning max_tokens must be an integer greater than or equal to 1",
        ),
        (
            {"cache_control": {"type": "ephemeral", "ttl": "2h"}},
            "cache_control ttl must be 5m or 1h",
        ),
        ({"prompt_cache_key": 5}, "prompt_cache_key must be a string"),
        (
            {"fallback_config": {"depth": None}},
            "fallback_config depth must be an integer",
        ),
        (
            {"fallbacks": [{"model": "gpt-5-mini", "max_tokens": "x"}]},
            "fallbacks[0]: max_tokens must be an integer greater than or equal to 1",
        ),
        (
            {"fallbacks": [{"model": "gpt-5-mini", "stop": 5}]},
            "fallbacks[0]: stop must be a string or an array of strings",
        ),
        (
            {"fallbacks": [{"model": "gpt-5-mini", "messages": [{"role": "bot"}]}]},
            "fallbacks[0]: messages[0] role bot is not supported",
        ),
        (
            {"fallbacks": [{"model": "gemini-2.5-flash", "max_tokens": 1_500_000}]},
            "fallbacks[0]: max_tokens must be less than 1048576",
        ),
    ],
)
def test_schema_types_of_openai_and_extension_fields(
    emu, gateway, fields: dict[str, Any], expected: str
) -> None:
    response = chat(gateway, model="gpt-5", messages=USER, **fields)
    assert errors_of(response) == [expected]


def test_inherited_errors_are_not_repeated_per_fallback(emu, gateway) -> None:
    response = chat(
        gateway,
        model="gpt-5",
        messages=USER,
        stop=5,
        fallbacks=[{"model": "gpt-5-mini"}, {"model": "gpt-5-nano"}],
    )
    assert errors_of(response) == ["stop must be a string or an array of strings"]


@pytest.mark.parametrize(
    "body",
    [
        {
            "model": "gpt-5",
            "prompt": "x",
            "tool_choice": {"type": "function", "function": None},
        },
        {"model": "gpt-5", "messages": [{"role": [], "content": "x"}]},
        {"model": "gpt-5", "messages": [{"role": {}, "content": "x"}]},
        {"model": "gpt-5", "prompt": "x", "stop": 5},
        {"model": {"id": "gpt-5"}, "prompt": "x"},
        {"model": "gpt-5", "prompt": "x", "max_tokens": 10**400},
        {"model": "gpt-5", "prompt": "x", "temperature": float("nan")},
        {"model": "gpt-5", "prompt": "x", "post_processing_steps": [["json-repair"]]},
    ],
)
def test_known_crashes_are_400s(emu, gateway, body: dict[str, Any]) -> None:
    errors = validate_request(body, US)
    assert errors, body
    content = json.dumps(body).encode()
    assert errors_of(gateway.post("/chat/completions", content=content))


@pytest.mark.parametrize(
    "raw",
    [
        b'{"model": "gpt-5", "prompt": "x", "temperature": NaN}',
        b'{"model": "gpt-5", "prompt": "x", "temperature": Infinity}',
        b'{"model": "gpt-5", "prompt": "x", "temperature": 1e999}',
        b'{"model": "gpt-5", "prompt": "x", "seed": ' + b"9" * 5000 + b"}",
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="too-deep"),
        b'{"model": "gpt-5", "prompt": "\xff"}',
    ],
)
def test_bodies_json_cannot_hold_are_not_json(emu, gateway, raw: bytes) -> None:
    response = gateway.post("/chat/completions", content=raw)
    assert errors_of(response) == ["request body is not valid JSON"]


# -- totality: any JSON value gets a list of strings, over HTTP a 4xx JSON ------------

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(
        ["gpt-5", "claude-sonnet-4-6", "user", "tool", "function", TAG_TEXT]
    )
)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
VALID: dict[str, Any] = {
    "model": "gpt-5",
    "messages": [
        {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
        {"role": "user", "content": "magic_function please"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "magic_function", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "5"},
    ],
    "tools": [MAGIC_TOOL],
    "tool_choice": {"type": "function", "function": {"name": "magic_function"}},
    "response_format": {
        "type": "json_schema",
        "json_schema": {"name": "n", "schema": {"type": "object"}},
    },
    "max_tokens": 50,
    "temperature": 0.5,
    "stop": ["zzz"],
    "fallbacks": [{"model": "gpt-5-mini", "temperature": 0.1}],
    "fallback_config": {"depth": 1, "retry": True},
    "stream_options": {"include_usage": True},
}
_EXTRA_KEYS = [
    "prompt",
    "stream",
    "transcript_id",
    "max_completion_tokens",
    "parallel_tool_calls",
    "reasoning",
    "cache_control",
    "post_processing_steps",
    "fail_fast",
    "max_timeout",
    "model_region",
]


@st.composite
def mutated_requests(draw: st.DrawFn) -> Any:
    """A valid request with one to three values replaced, at any depth."""
    body = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 3))):
        node: Any = body
        while True:
            keys = sorted(node) if isinstance(node, dict) else list(range(len(node)))
            if isinstance(node, dict) and node is body and draw(st.booleans()):
                keys += _EXTRA_KEYS
            key = draw(st.sampled_from(keys))
            child = node.get(key) if isinstance(node, dict) else node[key]
            if isinstance(child, dict | list) and child and draw(st.booleans()):
                node = child
                continue
            node[key] = draw(JSON_VALUES)
            break
    return body


BODIES = JSON_VALUES | mutated_requests()


@settings(max_examples=300, deadline=None)
@given(body=BODIES)
def test_validate_request_is_total(body: Any) -> None:
    for profile in (STRICT, LENIENT):
        errors = validate_request(body, US, profile)
        assert isinstance(errors, list)
        assert all(isinstance(error, str) for error in errors)
        if not errors:
            read_request(body)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=BODIES)
def test_any_json_body_gets_an_answer_never_a_500(shared, body: Any) -> None:
    _, server = shared
    with make_client(server.base_url, AUTH) as client:
        response = client.post("/chat/completions", content=json.dumps(body))
    assert response.status_code < 500, response.text
    if response.status_code == 400:
        errors = response.json()["metadata"]["errors"]
        assert errors
        assert all(isinstance(error, str) for error in errors)
    elif response.status_code != 200:
        assert response.json()["code"] == response.status_code


_OPTIONAL = {
    "stop": st.text(max_size=5) | st.lists(st.text(max_size=5), max_size=3),
    "top_p": st.floats(0, 1),
    "seed": st.integers(),
    "frequency_penalty": st.floats(-2, 2),
    "temperature": st.floats(0, 2),
    "max_tokens": st.integers(1, 399_999),
    "stream": st.booleans(),
    "parallel_tool_calls": st.booleans(),
    "fail_fast": st.booleans(),
    "max_timeout": st.floats(0, 1e6),
    "reasoning": st.fixed_dictionaries(
        {}, optional={"effort": st.sampled_from(["low", "medium", "high"])}
    ),
    "tool_choice": st.sampled_from(
        ["none", "auto", {"type": "function", "function": {"name": "magic_function"}}]
    ),
    "post_processing_steps": st.just([{"type": "json-repair"}]),
}


@st.composite
def valid_requests(draw: st.DrawFn) -> dict[str, Any]:
    """`VALID` with any of the optional fields set to values the schema allows."""
    body = copy.deepcopy(VALID)
    for name in draw(st.sets(st.sampled_from(sorted(_OPTIONAL)))):
        body[name] = draw(_OPTIONAL[name])
    body["messages"][1]["content"] = draw(st.text(max_size=20))
    return body


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=valid_requests())
def test_valid_requests_are_answered(shared, body: dict[str, Any]) -> None:
    assert validate_request(body, US) == []
    _, server = shared
    with make_client(server.base_url, AUTH) as client:
        response = client.post("/chat/completions", json=body)
    assert response.status_code in (200, 422), response.text  # 422: json-repair
