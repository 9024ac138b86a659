"""Request validation and parameter gating: spec sections 3, 3.12 and 15.3."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from aai_gateway.testing._catalog_data import region_models
from aai_gateway.testing._validation import validate_request
from tests.testing.helpers import MAGIC_TOOL, chat

US = region_models("us")
USER = [{"role": "user", "content": "hi"}]


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
        ({"model": "gpt-5", "messages": None}, ["one of messages or prompt required"]),
        (
            {"model": "gpt-5", "prompt": "a", "messages": USER},
            ["only one of messages or prompt may be set"],
        ),
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
        ("gpt-oss-120b", "stream", False),
        ("gpt-5", "n", 2),
        ("gpt-5", "max_completion_tokens", 10),
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
        {"transcript_id": None},
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
        {"temperature": None, "tools": None},
    ],
)
def test_gateway_extensions_and_nulls_are_not_gated(
    emu, gateway, extra: dict[str, Any]
) -> None:
    response = chat(gateway, model="qwen3.5-4b-32k-fast", messages=USER, **extra)
    assert response.status_code == 200, response.text


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
            {"response_format": {"type": "json_object"}},
            "response_format is invalid: type must be json_schema",
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
        (
            {"tools": [{"type": "code"}]},
            "tools[0] is invalid: type must be function with function.name",
        ),
        ({"tool_choice": "sometimes"}, "tool_choice is invalid"),
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
            [{"role": "developer", "content": "x"}],
            "messages[0] role developer is not supported",
        ),
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
            "content part type image_url is not supported",
        ),
        (
            [{"role": "user", "content": [{"type": "text"}]}],
            "messages[0] text content part requires text",
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
