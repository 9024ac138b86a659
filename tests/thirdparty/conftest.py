"""Real third-party clients (the `assemblyai` and `openai` SDKs) against the emulator.

Each test gets the one served emulator of this directory with its request log,
faults, rate counts and transcript store reset, so it starts as fresh as a new
one without paying ~0.2 s per start. Neither SDK is imported here: each test
module skips itself at collection when its SDK is missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from aai_gateway.testing import (
    MEETING_IDS,
    EmulatorServer,
    GatewayEmulator,
    RecordedRequest,
)

TEST_KEY = "test-key"
WRONG_KEY = "not-the-test-key"
MODEL = "claude-sonnet-4-6"
NO_STREAM_MODEL = "gpt-oss-20b"
SUPPORT_CALL = MEETING_IDS["support_call"]

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
WEATHER_QUESTION = 'What is the weather in "Paris" today?'

MEETING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "attendees": {"type": "integer", "minimum": 1},
        "mood": {"type": "string", "enum": ["calm", "tense"]},
        "decisions": {"type": "array", "items": {"type": "string"}, "minItems": 2},
    },
    "required": ["title", "attendees", "mood", "decisions"],
    "additionalProperties": False,
}
MEETING_FORMAT: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {"name": "meeting", "schema": MEETING_SCHEMA, "strict": True},
}
MEETING_QUESTION = 'Describe the "Q3 planning" meeting: 4 people attended.'


@pytest.fixture(scope="session")
def _served() -> Iterator[tuple[GatewayEmulator, EmulatorServer]]:
    emulator = GatewayEmulator(rate_limit=None, retry_delay=0.01)
    with emulator.serve() as server:
        yield emulator, server


@pytest.fixture
def emu(_served: tuple[GatewayEmulator, EmulatorServer]) -> Iterator[GatewayEmulator]:
    """The served emulator, reset: no requests, faults, rate counts; bundled store."""
    emulator = _served[0]
    emulator.reset()
    emulator.reset_transcripts()
    yield emulator
    emulator.reset()


@pytest.fixture(scope="session")
def _served_lenient() -> Iterator[tuple[GatewayEmulator, EmulatorServer]]:
    emulator = GatewayEmulator(rate_limit=None, retry_delay=0.01, unconfirmed="lenient")
    with emulator.serve() as server:
        yield emulator, server


@pytest.fixture
def lenient_server(
    _served_lenient: tuple[GatewayEmulator, EmulatorServer],
) -> Iterator[EmulatorServer]:
    """A second emulator, every unconfirmed rule read `lenient`, reset."""
    emulator, server = _served_lenient
    emulator.reset()
    yield server
    emulator.reset()


@pytest.fixture
def server(
    _served: tuple[GatewayEmulator, EmulatorServer], emu: GatewayEmulator
) -> EmulatorServer:
    """The running server of the reset emulator (`.url` is the host, `.base_url`
    the host plus `/v1`)."""
    return _served[1]


def chat_requests(emulator: GatewayEmulator) -> list[RecordedRequest]:
    """The chat-completion requests the emulator received, oldest first."""
    return [r for r in emulator.requests if r.path == "/v1/chat/completions"]


def only_chat_body(emulator: GatewayEmulator) -> dict[str, Any]:
    """The body of the one chat-completion request sent (fails on more or fewer)."""
    sent = chat_requests(emulator)
    assert len(sent) == 1, [r.json for r in sent]
    body = sent[0].json
    assert isinstance(body, dict)
    return body


def transcript_text(emulator: GatewayEmulator, transcript_id: str) -> str:
    """The stored text of a transcript."""
    return str(emulator.transcripts[transcript_id]["text"])


def words(text: str) -> int:
    """Whitespace-separated words: the emulator's token count."""
    return len(text.split())


def assert_drawn_from(answer: str | None, text: str, asked: str) -> None:
    """`answer` is made of `text` (the injected transcript), not of the tag.

    The scripted model either echoes the injected prompt or answers with
    sentences of the transcript; both show the transcript reached the model.
    """
    assert answer
    assert "{{" not in answer
    body = answer.removeprefix("Echo: " + asked).strip()
    sentences = re.split(r"(?<=[.?!])\s+", body)
    assert sentences, answer
    assert [s for s in sentences if s not in text] == []


def tool_arguments(arguments: Any) -> Any:
    """Tool-call arguments as the gateway sends them: a JSON string, parsed."""
    assert isinstance(arguments, str), arguments
    return json.loads(arguments)
