"""Checks before sending: every refusal names the argument (bad-input matrix)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from aai_gateway._validation import (
    check_capabilities,
    normalise_request,
    validate_chat_request,
)

BASE: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {
            "tool_choice": {"type": "function", "function": {"name": "f"}},
            "tools": [TOOL],
        },
        {"tool_choice": "auto", "tools": [TOOL]},
        # Forms `normalise_request` completes before sending.
        {"tool_choice": "required", "tools": [TOOL]},
        {"tools": [{"type": "function", "function": {"name": "f"}}]},
        {"temperature": 0, "max_tokens": 1},
        {"temperature": 2.0},
        {"top_p": 1, "seed": -3, "frequency_penalty": -2, "presence_penalty": 2.0},
        {
            "fallback_config": {"depth": 2, "retry": False},
            "fallbacks": [{"model": "x"}],
        },
        {"model_region": "global"},
        {
            "messages": [
                {"role": "assistant", "content": None, "tool_calls": []},
                {"role": "tool", "tool_call_id": "c", "content": "x"},
            ]
        },
        {"messages": None, "prompt": "hi"},
    ],
)
def test_valid_requests_pass(extra: dict[str, Any]) -> None:
    validate_chat_request({**BASE, **extra})


@pytest.mark.parametrize(
    ("extra", "names"),
    [
        ({"model": None}, "`model`"),
        ({"messages": []}, "`messages`"),
        ({"messages": "hi"}, "`messages`"),
        ({"prompt": "x"}, "`prompt`"),
        ({"messages": None, "prompt": ""}, "`prompt`"),
        ({"messages": ["hi"]}, "`messages[0]`"),
        ({"messages": [{"role": "function", "content": "x"}]}, "`messages[0]`"),
        (
            {"messages": [{"role": "user", "content": [{"type": "input_audio"}]}]},
            "input_audio",
        ),
        ({"messages": [{"role": "user", "content": 5}]}, "`messages[0]`.content"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "tool_call_id"),
        ({"temperature": 2.5}, "`temperature`"),
        ({"temperature": "hot"}, "`temperature`"),
        ({"top_p": 1.5}, "`top_p` must be from 0 to 1"),
        ({"top_p": "high"}, "`top_p` must be a number"),
        ({"seed": 1.0}, "`seed` must be a whole number"),
        ({"seed": True}, "`seed`"),
        ({"frequency_penalty": -2.5}, "`frequency_penalty` must be from -2 to 2"),
        ({"presence_penalty": 3}, "`presence_penalty`"),
        ({"max_tokens": 0}, "`max_tokens`"),
        ({"max_tokens": 1.5}, "`max_tokens`"),
        ({"transcript_id": ""}, "`transcript_id`"),
        ({"model_region": "eu"}, "`model_region`"),
        ({"fallback_config": {"depth": 3}}, "`fallback_config.depth`"),
        ({"fallbacks": [{"temperature": 1}]}, "`fallbacks`"),
        ({"tools": [{"type": "function"}]}, "`tools[0]`"),
        ({"tool_choice": "any"}, "`tool_choice`"),
        ({"tool_choice": "sometimes", "tools": [TOOL]}, "`tool_choice`"),
        ({"tool_choice": "g", "tools": [TOOL]}, "`tool_choice`"),
        (
            {
                "tools": [
                    {"type": "function", "function": {"name": "f", "parameters": 1}}
                ]
            },
            "`tools[0]`",
        ),
    ],
)
def test_invalid_requests_name_the_argument(extra: dict[str, Any], names: str) -> None:
    with pytest.raises((ValueError, TypeError)) as info:
        validate_chat_request({**BASE, **extra})
    assert names in str(info.value)


def test_capabilities_name_every_refused_parameter() -> None:
    request = {
        **BASE,
        "tools": [TOOL],
        "tool_choice": "auto",
        "temperature": 1,
        "transcript_id": "t",
    }
    refused = {"tools", "tool_choice"}
    with pytest.raises(ValueError, match="`tools`, `tool_choice`"):
        check_capabilities(request, lambda name: name not in refused)
    check_capabilities(request, lambda name: None)


def test_normalise_request_leaves_a_plain_request_and_its_input_alone() -> None:
    assert normalise_request(BASE) is BASE
    request = {**BASE, "max_completion_tokens": 5, "tools": [TOOL]}
    before = copy.deepcopy(request)
    out = normalise_request(request)
    assert request == before
    assert out["max_tokens"] == 5
    assert "max_completion_tokens" not in out
    assert out["tools"][0]["function"]["parameters"] == {
        "type": "object",
        "properties": {},
    }
