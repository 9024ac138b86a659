"""The core client sends only what the vendor schema documents (HTTP boundary).

Each test would fail if an [UNCONFIRMED] form (gateway-spec.md section 16) came
back: `"stream": false`, `max_completion_tokens`, `tool_choice: "required"`, a tool
without `parameters`, an unasked `parallel_tool_calls`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import USER_HI, Gateway, completion_body, sse_body, sse_response

Make = Callable[..., Gateway]


def answer(request: httpx.Request) -> httpx.Response:
    if b'"stream":true' in request.content:
        delta = {"index": 0, "delta": {"content": "Hi"}, "finish_reason": "stop"}
        return sse_response(sse_body({"model": "m", "choices": [delta]}))
    return httpx.Response(200, json=completion_body())


def tool(name: str, **function: Any) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, **function}}


def test_a_plain_call_sends_no_stream_key(gateway: Make) -> None:
    gw = gateway(answer)
    gw.chat({**USER_HI, "stream": False, "stream_options": {"include_usage": True}})
    [body] = gw.bodies()
    assert "stream" not in body
    assert "stream_options" not in body


def test_a_stream_sends_stream_true(gateway: Make) -> None:
    gw = gateway(answer)
    gw.stream({**USER_HI, "stream": False})
    [body] = gw.bodies()
    assert body["stream"] is True


def test_max_completion_tokens_is_sent_as_max_tokens(gateway: Make) -> None:
    gw = gateway(answer)
    gw.chat({**USER_HI, "max_completion_tokens": 7})
    gw.chat({**USER_HI, "max_completion_tokens": 7, "max_tokens": 7})
    for body in gw.bodies():
        assert body["max_tokens"] == 7
        assert "max_completion_tokens" not in body


def test_disagreeing_token_caps_fail_before_sending(gateway: Make) -> None:
    gw = gateway(answer)
    with pytest.raises(ValueError, match="`max_completion_tokens`"):
        gw.chat({**USER_HI, "max_completion_tokens": 7, "max_tokens": 8})
    assert gw.requests == []


def test_a_tool_without_parameters_gets_an_empty_object_schema(gateway: Make) -> None:
    gw = gateway(answer)
    gw.chat({**USER_HI, "tools": [tool("now"), tool("today", parameters={})]})
    [body] = gw.bodies()
    empty = {"type": "object", "properties": {}}
    assert [t["function"]["parameters"] for t in body["tools"]] == [empty, empty]


def test_required_with_one_tool_names_it(gateway: Make) -> None:
    gw = gateway(answer)
    gw.chat({**USER_HI, "tools": [tool("now")], "tool_choice": "required"})
    [body] = gw.bodies()
    assert body["tool_choice"] == {"type": "function", "function": {"name": "now"}}


def test_required_with_several_tools_sends_auto_and_warns(gateway: Make) -> None:
    gw = gateway(answer)
    request = {**USER_HI, "tools": [tool("now"), tool("today")]}
    with pytest.warns(UserWarning, match="pass one tool's name"):
        gw.chat({**request, "tool_choice": "required"})
    [body] = gw.bodies()
    assert body["tool_choice"] == "auto"


def test_an_unknown_tool_choice_fails_before_sending(gateway: Make) -> None:
    gw = gateway(answer)
    with pytest.raises(ValueError, match="`tool_choice` must be"):
        gw.chat({**USER_HI, "tools": [tool("now")], "tool_choice": "sometimes"})
    assert gw.requests == []


def test_parallel_tool_calls_only_when_asked(gateway: Make) -> None:
    gw = gateway(answer)
    tools = {"tools": [tool("now", parameters={"type": "object", "properties": {}})]}
    gw.chat({**USER_HI, **tools})
    gw.chat({**USER_HI, **tools, "parallel_tool_calls": False})
    plain, asked = gw.bodies()
    assert "parallel_tool_calls" not in plain
    assert asked["parallel_tool_calls"] is False


def test_an_injected_transcript_goes_in_string_message_content(gateway: Make) -> None:
    # Substitution in `prompt` or inside content parts is [UNCONFIRMED] (3.4).
    gw = gateway(answer)
    gw.chat({"model": "m", "prompt": "Sum up {{ transcript }}", "transcript_id": "t"})
    parts = [
        {"type": "text", "text": "Sum up"},
        {"type": "text", "text": "{{ transcript }}"},
    ]
    messages = [
        {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
        {"role": "user", "content": parts},
    ]
    gw.chat({"model": "m", "messages": messages, "transcript_id": "t"})
    from_prompt, from_parts = gw.bodies()
    assert "prompt" not in from_prompt
    assert from_prompt["messages"] == [
        {"role": "user", "content": "Sum up {{ transcript }}"}
    ]
    assert from_parts["messages"] == [
        messages[0],
        {"role": "user", "content": "Sum up\n{{ transcript }}"},
    ]


def test_a_prompt_without_a_transcript_is_sent_as_a_prompt(gateway: Make) -> None:
    gw = gateway(answer)
    gw.chat({"model": "m", "prompt": "Hello"})
    assert gw.bodies() == [{"model": "m", "prompt": "Hello"}]
