"""Server-side retry, fallbacks and json-repair: spec sections 3.7 and 3.8."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from aai_gateway.testing import Fault
from tests.testing.helpers import MAGIC_TOOL, chat

PRIMARY = {"model": "kimi-k2.5", "prompt": "hi", "temperature": 0.2}
FALLBACK = {"model": "claude-sonnet-4-6", "temperature": 0.4}


def test_without_fallback_fields_a_5xx_reaches_the_client(emu, gateway) -> None:
    emu.add_fault(Fault(status=500))
    assert chat(gateway, **PRIMARY).status_code == 500


def test_the_gateway_retry_rescues_one_failure(emu, gateway) -> None:
    emu.add_fault(Fault(status=500))
    response = chat(gateway, **PRIMARY, fallback_config={"retry": True})
    assert response.status_code == 200
    assert response.json()["model"] == "kimi-k2.5"
    assert len(emu.requests) == 1  # the retry happens inside the gateway


def test_retry_waits_the_retry_delay(serve) -> None:
    emulator, client = serve(retry_delay=0.2)
    emulator.add_fault(Fault(status=502))
    started = time.monotonic()
    assert chat(client, **PRIMARY, fallback_config={}).status_code == 200
    assert time.monotonic() - started >= 0.2


def test_fallback_answers_with_its_model_and_overrides(emu, gateway) -> None:
    emu.add_fault(Fault(status=503, times=2))
    response = chat(gateway, **PRIMARY, fallbacks=[FALLBACK])
    assert response.status_code == 200
    body = response.json()
    assert body["model"] == "claude-sonnet-4-6"
    assert body["request"]["temperature"] == 0.4
    assert body["choices"][0]["finish_reason"] == "end_turn"
    assert response.headers["x-ratelimit-model"] == "kimi-k2.5"


def test_retry_false_goes_straight_to_the_fallback(emu, gateway) -> None:
    emu.add_fault(Fault(status=500))
    response = chat(
        gateway, **PRIMARY, fallbacks=[FALLBACK], fallback_config={"retry": False}
    )
    assert response.json()["model"] == "claude-sonnet-4-6"


def test_fallback_messages_override(emu, gateway) -> None:
    emu.add_fault(Fault(status=500))
    fallback = {
        "model": "gpt-5",
        "messages": [{"role": "user", "content": "other words"}],
    }
    response = chat(
        gateway, **PRIMARY, fallbacks=[fallback], fallback_config={"retry": False}
    )
    assert response.json()["choices"][0]["message"]["content"] == "Echo: other words"


@pytest.mark.parametrize(("depth", "model"), [(1, None), (2, "gemini-2.5-flash")])
def test_depth_limits_the_chain(emu, gateway, depth: int, model: str | None) -> None:
    emu.add_fault(Fault(status=500, times=2))
    fallbacks = [{"model": "claude-sonnet-4-6"}, {"model": "gemini-2.5-flash"}]
    config = {"retry": False, "depth": depth}
    response = chat(gateway, **PRIMARY, fallbacks=fallbacks, fallback_config=config)
    if model is None:
        assert response.status_code == 500
    else:
        assert response.json()["model"] == model


def test_every_attempt_failing_returns_the_last_failure(emu, gateway) -> None:
    emu.add_fault(Fault(status=500, times=2))
    emu.add_fault(Fault(status=504, headers={"retry-after": "3"}))
    response = chat(gateway, **PRIMARY, fallbacks=[FALLBACK])
    assert response.status_code == 504
    assert response.headers["retry-after"] == "3"
    assert emu.faults == []


def test_a_queued_non_5xx_fault_is_not_stolen_by_the_retry(emu, gateway) -> None:
    emu.add_fault(Fault(status=500))
    emu.add_fault(Fault(no_done=True))
    assert chat(gateway, **PRIMARY, fallbacks=[FALLBACK]).status_code == 200
    assert len(emu.faults) == 1


def test_validation_errors_are_never_rescued(emu, gateway) -> None:
    emu.add_fault(Fault(status=500))
    response = chat(gateway, model="no-such-model", prompt="hi", fallbacks=[FALLBACK])
    assert response.status_code == 400
    assert response.json()["metadata"]["errors"] == [
        "model no-such-model is not supported"
    ]


def test_non_5xx_faults_are_not_rescued(emu, gateway) -> None:
    emu.add_fault(Fault(status=429))
    assert chat(gateway, **PRIMARY, fallbacks=[FALLBACK]).status_code == 429


REPAIR = [{"type": "json-repair"}]


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        (
            "{name: 'Priya', amounts: [3450, 125, 500,],}",
            {"name": "Priya", "amounts": [3450, 125, 500]},
        ),
        ('{"ok": True, "none": None}', {"ok": True, "none": None}),
        ('Here you go: ```json\n{"a": [1, 2\n```', {"a": [1, 2]}),
    ],
)
def test_json_repair_fixes_content(emu, gateway, prompt: str, expected: Any) -> None:
    response = chat(gateway, model="gpt-5", prompt=prompt, post_processing_steps=REPAIR)
    assert response.status_code == 200, response.text
    assert json.loads(response.json()["choices"][0]["message"]["content"]) == expected


def test_json_repair_failure_is_422(emu, gateway) -> None:
    response = chat(
        gateway, model="gpt-5", prompt="no json at all", post_processing_steps=REPAIR
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == 422
    assert body["message"] == "json repair failed"


def test_json_repair_keeps_tool_calls(emu, gateway) -> None:
    response = chat(
        gateway,
        model="gpt-5",
        prompt="magic_function(4)",
        tools=[MAGIC_TOOL],
        post_processing_steps=REPAIR,
    )
    call = response.json()["choices"][0]["message"]["tool_calls"][0]
    assert json.loads(call["function"]["arguments"]) == {"input": 4}


def test_json_repair_applies_to_streams(emu, gateway) -> None:
    response = chat(
        gateway,
        model="gpt-5",
        prompt="{a: 1,}",
        stream=True,
        post_processing_steps=REPAIR,
    )
    text = "".join(
        json.loads(line[6:])["choices"][0]["delta"].get("content") or ""
        for line in response.text.splitlines()
        if line.startswith("data: {")
    )
    assert json.loads(text) == {"a": 1}
