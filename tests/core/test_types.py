"""Every response shape the wire notes describe (sections 4, 6, 8) parses to one form."""

from __future__ import annotations

import dataclasses
import inspect
import json
import pickle

import pytest

from aai_gateway import ChatCompletionChunk, ToolCall
from aai_gateway._types import (
    is_stream_error_payload,
    normalize_finish_reason,
    parse_chat_completion,
    parse_error_body,
    parse_rate_limit,
    parse_usage,
)
from aai_gateway.types import parse_tool_arguments

CALL = {
    "id": "call_123",
    "type": "function",
    "function": {"name": "search", "arguments": '{"q": "x"}'},
}


def choice(message: dict, finish: str | None = "stop", **extra: object) -> dict:
    return {
        "index": 0,
        "message": {"role": "assistant", **message},
        "finish_reason": finish,
        **extra,
    }


def test_text_answer_keeps_metadata() -> None:
    body = {
        "request_id": "r-1",
        "model": "claude-sonnet-4-6",
        "choices": [choice({"content": "Paris."}, "end_turn")],
        "usage": {
            "input_tokens": 15,
            "prompt_tokens": 15,
            "output_tokens": 8,
            "completion_tokens": 8,
            "total_tokens": 23,
        },
        "http_status_code": 200,
        "response_time": 275510459,
        "llm_status_code": 200,
    }
    got = parse_chat_completion(
        body,
        {
            "x-ratelimit-limit": "30",
            "x-ratelimit-remaining": "29",
            "x-ratelimit-reset": "60",
        },
    )
    assert got.content == "Paris."
    assert got.finish_reason == "stop"
    assert got.raw_finish_reason == "end_turn"
    assert got.request_id == "r-1"
    assert got.model == "claude-sonnet-4-6"
    assert got.response_time_ns == 275510459
    assert got.usage is not None
    assert (
        got.usage.input_tokens,
        got.usage.output_tokens,
        got.usage.total_tokens,
    ) == (15, 8, 23)
    assert got.rate_limit is not None
    assert (
        got.rate_limit.limit,
        got.rate_limit.remaining,
        got.rate_limit.reset_seconds,
    ) == (30, 29, 60.0)
    assert got.raw["llm_status_code"] == 200


@pytest.mark.parametrize(
    "choices",
    [
        pytest.param(
            [choice({"content": None, "tool_calls": [CALL]}, "tool_calls")],
            id="message-current",
        ),
        pytest.param(
            [choice({"content": None}, "tool_use", tool_calls=[CALL])],
            id="choice-legacy",
        ),
        pytest.param(
            [
                choice({"content": ""}, "stop"),
                {
                    **choice({"content": None, "tool_calls": [CALL]}, "tool_calls"),
                    "index": 1,
                },
            ],
            id="split-choices",
        ),
    ],
)
def test_tool_calls_found_in_every_shape(choices: list[dict]) -> None:
    got = parse_chat_completion({"request_id": "r", "choices": choices})
    assert got.tool_calls == (
        ToolCall(id="call_123", name="search", arguments='{"q": "x"}', index=0),
    )
    assert got.finish_reason == "tool_calls"
    assert got.content is None
    assert got.tool_calls[0].parsed_arguments() == {"q": "x"}


def test_text_and_calls_in_separate_choices_both_kept() -> None:
    got = parse_chat_completion(
        {
            "choices": [
                choice({"content": "Let me look."}, "stop"),
                choice({"tool_calls": [CALL]}, "tool_calls"),
            ]
        }
    )
    assert got.content == "Let me look."
    assert [c.name for c in got.tool_calls] == ["search"]


def test_tool_call_without_type_or_id_and_with_dict_arguments() -> None:
    call = {"function": {"name": "f", "arguments": {"a": 1}}}
    got = parse_chat_completion(
        {
            "choices": [
                choice({"tool_calls": [call, {"function": {"name": "g"}}]}, "tool_use")
            ]
        }
    )
    assert [(c.id, c.name, json.loads(c.arguments)) for c in got.tool_calls] == [
        ("call_0_0", "f", {"a": 1}),
        ("call_0_1", "g", {}),
    ]
    assert [c.index for c in got.tool_calls] == [0, 1]


def test_missing_choices_is_an_error() -> None:
    with pytest.raises(ValueError, match="choices"):
        parse_chat_completion({"request_id": "r"})


@pytest.mark.parametrize(
    ("raw", "tools", "expected"),
    [
        ("stop", False, "stop"),
        ("end_turn", False, "stop"),
        ("STOP", False, "stop"),
        ("STOP", True, "tool_calls"),
        ("max_tokens", False, "length"),
        ("MAX_TOKENS", True, "length"),
        ("length", False, "length"),
        ("tool_use", False, "tool_calls"),
        ("tool_calls", False, "tool_calls"),
        ("SAFETY", False, "content_filter"),
        ("content_filter", False, "content_filter"),
        ("something_new", False, None),
        (None, False, None),
        (None, True, "tool_calls"),
    ],
)
def test_finish_reasons_normalised(
    raw: str | None, tools: bool, expected: str | None
) -> None:
    assert normalize_finish_reason(raw, has_tool_calls=tools) == expected


def test_usage_prompt_naming_with_details() -> None:
    usage = parse_usage(
        {
            "prompt_tokens": 100,
            "completion_tokens": 20,
            "prompt_tokens_details": {
                "cached_tokens": 60,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": 30,
                    "ephemeral_1h_input_tokens": 10,
                },
            },
            "completion_tokens_details": {"reasoning_tokens": 7},
        }
    )
    assert usage is not None
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (
        100,
        20,
        120,
    )
    assert (
        usage.cache_read_tokens,
        usage.cache_creation_tokens,
        usage.reasoning_tokens,
    ) == (60, 40, 7)


def test_usage_input_naming_wins_and_cache_write_tokens() -> None:
    usage = parse_usage(
        {
            "input_tokens": 3,
            "prompt_tokens": 999,
            "output_tokens": 4,
            "prompt_tokens_details": {"cache_write_tokens": 5},
        }
    )
    assert usage is not None
    assert (
        usage.input_tokens,
        usage.output_tokens,
        usage.total_tokens,
        usage.cache_creation_tokens,
    ) == (3, 4, 7, 5)


@pytest.mark.parametrize("value", [None, {}, {"total_tokens": 3}, "12", []])
def test_usage_absent(value: object) -> None:
    assert parse_usage(value) is None


@pytest.mark.parametrize(
    ("body", "message", "errors", "request_id"),
    [
        pytest.param(
            {
                "code": 400,
                "message": "invalid request body",
                "request_id": "a",
                "metadata": {"errors": ["x", "y"]},
            },
            "invalid request body",
            ("x", "y"),
            "a",
            id="flat",
        ),
        pytest.param(
            {
                "error": "Authentication error, API token missing/invalid",
                "status": "error",
                "request_id": "b",
            },
            "Authentication error, API token missing/invalid",
            (),
            "b",
            id="auth",
        ),
        pytest.param(
            {
                "error": {
                    "code": 400,
                    "message": "Invalid request: missing required field 'model'",
                    "metadata": {},
                }
            },
            "Invalid request: missing required field 'model'",
            (),
            None,
            id="legacy-nested",
        ),
        pytest.param({"error": "Not found"}, "Not found", (), None, id="rest"),
        pytest.param("gateway timeout", None, (), None, id="text"),
    ],
)
def test_error_envelopes(
    body: object, message: str | None, errors: tuple[str, ...], request_id: str | None
) -> None:
    parsed = parse_error_body(body)
    assert (parsed.message, parsed.errors, parsed.request_id) == (
        message,
        errors,
        request_id,
    )


def test_rate_limit_absent_and_partial() -> None:
    assert parse_rate_limit({}) is None
    limit = parse_rate_limit(
        {
            "x-ratelimit-remaining": "-1",
            "x-ratelimit-model": "qwen",
            "x-ratelimit-service": "llmgw",
        }
    )
    assert limit is not None
    assert (limit.limit, limit.remaining, limit.model, limit.service) == (
        None,
        -1,
        "qwen",
        "llmgw",
    )


@pytest.mark.parametrize(
    ("payload", "is_error"),
    [
        ({"error": {"message": "boom"}}, True),
        ({"code": 500, "message": "something went wrong", "request_id": "r"}, True),
        ({"choices": [], "usage": {"prompt_tokens": 1}}, False),
        ({"choices": [{"delta": {"content": "hi"}}], "error": None}, False),
    ],
)
def test_stream_error_payload_detection(payload: dict, is_error: bool) -> None:
    assert is_stream_error_payload(payload) is is_error


@pytest.mark.parametrize(
    ("text", "expected"), [("", {}), ("  ", {}), ('{"a": [1]}', {"a": [1]})]
)
def test_tool_arguments(text: str, expected: dict) -> None:
    assert parse_tool_arguments(text) == expected


@pytest.mark.parametrize("text", ["[1, 2]", "{not json"])
def test_tool_arguments_rejects_non_objects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_tool_arguments(text)


def test_chunk_init_takes_every_field_in_order_with_its_default() -> None:
    params = list(inspect.signature(ChatCompletionChunk.__init__).parameters.values())[
        1:
    ]
    fields = dataclasses.fields(ChatCompletionChunk)
    assert [p.name for p in params] == [f.name for f in fields]
    bare = ChatCompletionChunk()
    for field in fields:
        default = (
            field.default_factory()  # type: ignore[misc]
            if field.default_factory is not dataclasses.MISSING
            else field.default
        )
        assert getattr(bare, field.name) == default, field.name
    chunk = ChatCompletionChunk("hi", raw={"id": 1})
    assert dataclasses.replace(chunk, final=True) == ChatCompletionChunk(
        "hi", final=True
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        chunk.content = "changed"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(chunk)) == chunk
