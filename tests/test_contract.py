"""Requests and responses against the vendor's OpenAPI file (with the later additions
listed in `tests/contract.py`), through the emulator over real sockets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from aai_gateway.testing import Fault, GatewayEmulator
from tests.contract import (
    check_chunk,
    check_error,
    check_request,
    check_response,
    requires_vendor_files,
)

pytestmark = [pytest.mark.e2e, requires_vendor_files]

TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
SCHEMA = {
    "type": "json_schema",
    "json_schema": {
        "name": "answer",
        "schema": {
            "type": "object",
            "properties": {"summary": {"type": "string"}, "count": {"type": "integer"}},
            "required": ["summary", "count"],
        },
    },
}
REQUESTS = {
    "text": {
        "model": "claude-sonnet-4-6",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi", "name": "dana"},
        ],
        "max_tokens": 50,
        "temperature": 0.2,
    },
    "prompt": {"model": "gpt-5-mini", "prompt": "Write a haiku"},
    "tools": {
        "model": "gpt-5-mini",
        "messages": [{"role": "user", "content": "Use get_weather for Paris"}],
        "tools": [TOOL],
        "tool_choice": "auto",
    },
    "forced-tool": {
        "model": "claude-sonnet-4-6",
        "messages": [{"role": "user", "content": "Weather?"}],
        "tools": [TOOL],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    },
    "tool-history": {
        "model": "claude-sonnet-4-6",
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {
                            "name": "get_weather",
                            "arguments": '{"city": "Paris"}',
                        },
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        ],
        "tools": [TOOL],
    },
    "structured": {
        "model": "gemini-2.5-flash",
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "Summarise"}]}
        ],
        "response_format": SCHEMA,
        "post_processing_steps": [{"type": "json-repair"}],
    },
    "gateway-extras": {
        "model": "claude-sonnet-4-6",
        "prompt": "Hi",
        "fallbacks": [{"model": "gpt-5-mini"}],
        "fallback_config": {"depth": 1, "retry": False},
        "model_region": "global",
    },
}


@pytest.fixture(scope="module", params=["message", "choice", "split"])
def shaped(request: pytest.FixtureRequest) -> Iterator[tuple[GatewayEmulator, str]]:
    emulator = GatewayEmulator(
        rate_limit=None,
        tool_call_shape=request.param,
        stream_usage="every" if request.param == "split" else "final",
    )
    with emulator.serve() as server:
        yield emulator, server.base_url


def post(base_url: str, body: dict[str, Any], key: str = "test-key") -> httpx.Response:
    return httpx.post(
        f"{base_url}/chat/completions",
        json=body,
        headers={"authorization": key},
        timeout=10,
    )


@pytest.mark.parametrize("name", list(REQUESTS))
def test_documented_requests_meet_the_contract(name: str) -> None:
    check_request(REQUESTS[name])


@pytest.mark.parametrize(
    "body",
    [
        {
            "model": "m",
            "messages": [{"role": "user", "content": "x"}],
            "max_completion_tokens": 5,
        },
        {"model": "m", "prompt": "x", "messages": [{"role": "user", "content": "x"}]},
        {
            "model": "m",
            "messages": [{"role": "user", "content": [{"type": "image_url"}]}],
        },
        {"model": "m", "prompt": "x", "model_region": "us"},
    ],
    ids=["undocumented-field", "prompt-and-messages", "image-part", "region"],
)
def test_contract_catches_bad_requests(body: dict[str, Any]) -> None:
    with pytest.raises(AssertionError, match="contract"):
        check_request(body)


@pytest.mark.parametrize("name", list(REQUESTS))
def test_emulator_answers_meet_the_contract(
    shaped: tuple[GatewayEmulator, str], name: str
) -> None:
    _, base_url = shaped
    response = post(base_url, REQUESTS[name])
    assert response.status_code == 200, response.text
    check_response(response.json())


@pytest.mark.parametrize("name", ["text", "tools", "forced-tool", "structured"])
def test_emulator_streams_meet_the_contract(
    shaped: tuple[GatewayEmulator, str], name: str
) -> None:
    _, base_url = shaped
    body = {**REQUESTS[name], "stream": True, "stream_options": {"include_usage": True}}
    check_request(body)
    with httpx.stream(
        "POST",
        f"{base_url}/chat/completions",
        json=body,
        headers={"authorization": "test-key"},
        timeout=10,
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        data = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    assert data[-1] == "[DONE]"
    for event in data[:-1]:
        check_chunk(json.loads(event))
    assert any("usage" in json.loads(event) for event in data[:-1])


@pytest.mark.parametrize(
    ("body", "key", "fault", "status"),
    [
        (REQUESTS["text"], "wrong-key", None, 401),
        ({"model": "claude-sonnet-4-6"}, "test-key", None, 400),
        ({"model": "no-such-model", "prompt": "x"}, "test-key", None, 400),
        (
            {
                "model": REQUESTS["prompt"]["model"],
                "messages": [{"role": "user", "content": "{{ transcript }}"}],
                "transcript_id": "00000000-0000-0000-0000-000000000000",
            },
            "test-key",
            None,
            404,
        ),
        (
            REQUESTS["text"],
            "test-key",
            Fault(status=429, headers={"retry-after": "3"}),
            429,
        ),
        (REQUESTS["text"], "test-key", Fault(status=500), 500),
    ],
    ids=["auth", "validation", "unknown-model", "transcript", "rate-limit", "server"],
)
def test_emulator_errors_meet_the_contract(
    shaped: tuple[GatewayEmulator, str],
    body: dict,
    key: str,
    fault: Fault | None,
    status: int,
) -> None:
    emulator, base_url = shaped
    if fault is not None:
        emulator.add_fault(fault)
    response = post(base_url, body, key)
    assert response.status_code == status
    check_error(response.json())
    assert response.json()["request_id"]


@pytest.mark.parametrize(
    ("check", "body"),
    [
        (check_response, {"choices": [{"message": {"content": 3}}]}),
        (
            check_response,
            {
                "request_id": "r",
                "choices": [{"message": {"tool_calls": [{"function": {"name": "f"}}]}}],
            },
        ),
        (check_chunk, {"choices": [{"delta": {"content": "x"}}]}),
        (check_error, {"detail": "nope"}),
    ],
    ids=["content-type", "tool-call-shape", "chunk-index", "error-envelope"],
)
def test_contract_catches_bad_answers(check: Any, body: dict[str, Any]) -> None:
    with pytest.raises(AssertionError, match="contract"):
        check(body)
