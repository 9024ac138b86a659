"""Unconfirmed request forms as named switches: both readings of every rule."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

import aai_gateway.testing as testing
from aai_gateway.testing import (
    MEETING_AUDIO_URLS,
    MEETING_IDS,
    UNCONFIRMED_RULES,
    GatewayEmulator,
)
from aai_gateway.testing._unconfirmed import (
    LENIENT,
    SETTLED_RULES,
    STRICT,
    read_request,
    resolve_profile,
)
from tests.testing.helpers import AUTH, MAGIC_TOOL, chat, make_client

USER = [{"role": "user", "content": "hi"}]
TAG = "{{ transcript }}"
IMAGE = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
MEETING = MEETING_IDS["incident_review"]

# One request per rule that uses the unconfirmed form (and nothing else unusual).
USES: dict[str, dict[str, Any]] = {
    "tool_choice_required": {
        "model": "gpt-5",
        "prompt": "hello",
        "tools": [MAGIC_TOOL],
        "tool_choice": "required",
    },
    "max_completion_tokens": {
        "model": "gpt-5",
        "prompt": "one two three",
        "max_completion_tokens": 2,
    },
    "parallel_tool_calls_on_claude": {
        "model": "claude-sonnet-4-6",
        "prompt": "hello",
        "tools": [MAGIC_TOOL],
        "parallel_tool_calls": False,
    },
    "developer_role": {
        "model": "gpt-5",
        "messages": [{"role": "developer", "content": "Be brief."}, *USER],
    },
    "response_format_json_object": {
        "model": "gpt-5",
        "prompt": "hi",
        "response_format": {"type": "json_object"},
    },
    "prompt_with_messages": {
        "model": "gpt-5",
        "messages": [{"role": "user", "content": "first"}],
        "prompt": "second",
    },
    "image_url_parts": {
        "model": "gpt-5",
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "look"}, IMAGE]}
        ],
    },
    "transcript_tag_in_prompt": {
        "model": "gpt-5",
        "prompt": f"Summarise {TAG}",
        "transcript_id": MEETING,
    },
    "transcript_tag_in_content_parts": {
        "model": "gpt-5",
        "messages": [{"role": "user", "content": [{"type": "text", "text": TAG}]}],
        "transcript_id": MEETING,
    },
    "null_values": {"model": "qwen3.5-4b-32k-fast", "prompt": "hi", "tools": None},
}
# The rules about `/v2` requests, with one request each.
REST_USES: dict[str, dict[str, Any]] = {
    "transcript_without_speech_models": {
        "audio_url": MEETING_AUDIO_URLS["support_call"]
    },
}
CHAT = "/v1/chat/completions"
# Every rule's request, as (path, body).
ALL_USES: dict[str, tuple[str, dict[str, Any]]] = {
    **{rule: (CHAT, body) for rule, body in USES.items()},
    **{rule: ("/v2/transcript", body) for rule, body in REST_USES.items()},
}


@pytest.fixture(scope="module")
def one_lenient() -> Iterator[Callable[[str], httpx.Client]]:
    """A served emulator per rule, lenient for that rule only (started once each).

    Its client is on the server's root URL: paths start `/v1` or `/v2`.
    """
    clients: dict[str, httpx.Client] = {}
    with ExitStack() as stack:

        def client_for(rule: str) -> httpx.Client:
            if rule not in clients:
                emulator = GatewayEmulator(
                    rate_limit=None, unconfirmed={rule: "lenient"}
                )
                server = stack.enter_context(emulator.serve())
                clients[rule] = stack.enter_context(
                    make_client(server.rest_base_url, AUTH)
                )
            return clients[rule]

        yield client_for


def errors_of(response: httpx.Response) -> list[str]:
    assert response.status_code == 400, response.text
    if response.url.path.startswith("/v2"):
        return [response.json()["error"]]
    return list(response.json()["metadata"]["errors"])


def send(client: httpx.Client, rule: str) -> httpx.Response:
    """POST the request that uses `rule`'s form (the client is on the root URL)."""
    path, body = ALL_USES[rule]
    return client.post(path, json=body)


# -- the table and the public API ------------------------------------------------------


def test_table_is_exported_and_complete() -> None:
    assert testing.UNCONFIRMED_RULES is UNCONFIRMED_RULES
    assert "UNCONFIRMED_RULES" in testing.__all__
    assert set(ALL_USES) == set(UNCONFIRMED_RULES)
    for name, rule in UNCONFIRMED_RULES.items():
        assert rule.name == name
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name)
        assert all((rule.question, rule.strict, rule.lenient, rule.section))
    assert {rule.name for rule in SETTLED_RULES}.isdisjoint(UNCONFIRMED_RULES)


def test_default_is_strict_for_every_rule() -> None:
    emu = GatewayEmulator(meetings=False)
    assert dict(emu.unconfirmed) == dict.fromkeys(UNCONFIRMED_RULES, "strict")
    assert STRICT.readings == emu.unconfirmed


def test_lenient_and_mapping_overrides() -> None:
    emu = GatewayEmulator(meetings=False, unconfirmed="lenient")
    assert set(emu.unconfirmed.values()) == {"lenient"}
    assert LENIENT.readings == emu.unconfirmed
    emu = GatewayEmulator(
        meetings=False,
        unconfirmed={"developer_role": "lenient", "null_values": "strict"},
    )
    assert emu.unconfirmed["developer_role"] == "lenient"
    assert {
        reading for name, reading in emu.unconfirmed.items() if name != "developer_role"
    } == {"strict"}


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        ("loose", r"`unconfirmed` must be 'strict' or 'lenient', got 'loose'"),
        ({"no_such_rule": "lenient"}, r"`unconfirmed` names an unknown rule"),
        ({"developer_role": "yes"}, r"`unconfirmed\['developer_role'\]` must be"),
        (["developer_role"], r"`unconfirmed` must be 'strict', 'lenient' or a mapping"),
        (None, r"`unconfirmed` must be"),
    ],
)
def test_bad_unconfirmed_values_raise(value: Any, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        GatewayEmulator(meetings=False, unconfirmed=value)


def test_unknown_rule_error_lists_the_valid_names() -> None:
    with pytest.raises(ValueError, match="valid rules") as caught:
        resolve_profile({"tool_choice_requird": "lenient"})
    for name in UNCONFIRMED_RULES:
        assert name in str(caught.value)


# -- both readings of every rule -------------------------------------------------------


@pytest.mark.parametrize("rule", list(UNCONFIRMED_RULES))
def test_strict_refuses_the_form_naming_the_rule(emu, rest, rule: str) -> None:
    errors = errors_of(send(rest, rule))
    assert len(errors) == 1, errors
    assert errors[0].endswith(f"is not documented (unconfirmed rule {rule} is strict)")


@pytest.mark.parametrize("rule", list(UNCONFIRMED_RULES))
def test_lenient_accepts_the_form(one_lenient, rule: str) -> None:
    response = send(one_lenient(rule), rule)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("rule", list(UNCONFIRMED_RULES))
def test_lenient_for_one_rule_leaves_the_others_strict(one_lenient, rule: str) -> None:
    other = next(name for name in UNCONFIRMED_RULES if name != rule)
    response = send(one_lenient(rule), other)
    assert errors_of(response)[0].endswith(f"(unconfirmed rule {other} is strict)")


@pytest.fixture
def lenient(serve) -> httpx.Client:
    return serve(unconfirmed="lenient")[1]


def answer(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/chat/completions", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_lenient_required_tool_choice_forces_a_call(lenient) -> None:
    body = answer(lenient, USES["tool_choice_required"])
    calls = body["choices"][0]["message"]["tool_calls"]
    assert [c["function"]["name"] for c in calls] == ["magic_function"]


def test_lenient_max_completion_tokens_is_max_tokens(lenient) -> None:
    body = answer(lenient, USES["max_completion_tokens"])
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["request"]["max_tokens"] == 2
    assert "max_completion_tokens" not in body["request"]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {"max_tokens": 5},
            "send only one of max_tokens and max_completion_tokens",
        ),
        ({"model": "gpt-5", "max_completion_tokens": 0}, None),
        ({"max_completion_tokens": 10**7}, "max_completion_tokens must be less than"),
    ],
)
def test_lenient_max_completion_tokens_is_checked(
    lenient, extra: dict[str, Any], expected: str | None
) -> None:
    errors = errors_of(
        lenient.post(
            "/chat/completions", json={**USES["max_completion_tokens"], **extra}
        )
    )
    wanted = (
        expected
        or "max_completion_tokens must be an integer greater than or equal to 1"
    )
    assert errors[0].startswith(wanted)


def test_lenient_parallel_tool_calls_is_only_for_claude(lenient) -> None:
    body = answer(
        lenient, {**USES["parallel_tool_calls_on_claude"], "prompt": "magic_function"}
    )
    assert len(body["choices"][0]["message"]["tool_calls"]) == 1
    gemini = {**USES["parallel_tool_calls_on_claude"], "model": "gemini-2.5-flash"}
    assert errors_of(lenient.post("/chat/completions", json=gemini)) == [
        "model gemini-2.5-flash does not support parallel_tool_calls"
    ]


def test_strict_parallel_tool_calls_keeps_the_gating_words(emu, gateway) -> None:
    errors = errors_of(
        gateway.post("/chat/completions", json=USES["parallel_tool_calls_on_claude"])
    )
    assert errors[0].startswith(
        "model claude-sonnet-4-6 does not support parallel_tool_calls; "
    )


def test_lenient_developer_is_system() -> None:
    read = read_request(USES["developer_role"])
    assert read["messages"][0] == {"role": "system", "content": "Be brief."}
    assert USES["developer_role"]["messages"][0]["role"] == "developer"  # not mutated


def test_lenient_json_object_is_still_gated(lenient) -> None:
    body = {**USES["response_format_json_object"], "model": "gpt-4.1"}
    assert errors_of(lenient.post("/chat/completions", json=body)) == [
        "model gpt-4.1 does not support response_format"
    ]


def test_lenient_prompt_becomes_a_last_user_message(lenient) -> None:
    body = answer(lenient, USES["prompt_with_messages"])
    assert body["choices"][0]["message"]["content"] == "Echo: second"
    assert body["usage"]["input_tokens"] == 2


def test_lenient_image_parts_are_ignored(lenient) -> None:
    body = answer(lenient, USES["image_url_parts"])
    assert body["choices"][0]["message"]["content"] == "Echo: look"


def test_lenient_nulls_are_absent(lenient) -> None:
    body = answer(lenient, {**USES["null_values"], "temperature": None})
    assert body["request"] == {"model": "qwen3.5-4b-32k-fast", "max_tokens": 1000}


def test_strict_nulls_are_each_reported(emu, gateway) -> None:
    errors = errors_of(
        chat(
            gateway,
            model="qwen3.5-4b-32k-fast",
            messages=USER,
            temperature=None,
            tools=None,
        )
    )
    assert errors == [
        f"{name}: null is not documented (unconfirmed rule null_values is strict)"
        for name in ("temperature", "tools")
    ]


def test_lenient_message_nulls_are_absent(lenient) -> None:
    messages = [{"role": "user", "content": "hi", "name": None, "tool_calls": None}]
    assert answer(lenient, {"model": "gpt-5", "messages": messages})


def test_fallback_overrides_follow_the_rules(emu, gateway, one_lenient) -> None:
    body = {**USES["tool_choice_required"], "fallbacks": [{"model": "gpt-5-mini"}]}
    body["tool_choice"] = "auto"
    body["fallbacks"] = [{"model": "gpt-5-mini", "tool_choice": "required"}]
    assert errors_of(gateway.post("/chat/completions", json=body)) == [
        'fallbacks[0]: tool_choice "required" is not documented '
        "(unconfirmed rule tool_choice_required is strict)"
    ]
    client = one_lenient("tool_choice_required")
    assert client.post(CHAT, json=body).status_code == 200


def test_docs_table_has_a_row_per_rule() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "testing.md").read_text("utf-8")
    rows = [line for line in docs.splitlines() if line.startswith("| `")]
    for name, rule in UNCONFIRMED_RULES.items():
        row = next((r for r in rows if r.startswith(f"| `{name}` |")), None)
        assert row is not None, name
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[4] == "strict"
        sections = ", ".join(f"§{part}" for part in rule.section.split(", "))
        assert cells[5] == sections, name
