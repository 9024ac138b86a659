"""The cases both adapters' settings tests run: one table, two adapters.

Framework-neutral (httpx and the core only), so `tests/llama_index/test_settings.py`
imports it as well as `tests/langchain/test_settings.py`: a declared setting or
request field (`aai_gateway.adapters`) gets one sample value, one probe and one bad
value here, and both adapters are held to them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from aai_gateway import TRANSCRIPT_TAG, GatewayClient, transcript_ref
from aai_gateway.adapters import CLIENT_SETTINGS, RequestField
from tests.conftest import TEST_KEY, completion_body, sse_body, sse_response
from tests.contract import LATER_ADDITIONS, check_request

MODEL = "claude-sonnet-4-6"
TRANSCRIPT = "5d8e2c1a-4b7f-4e2a-9c3d-1f6a8b0e7d21"
OTHER = "7f1a9b3c-2d4e-4f6a-8b0c-9d1e2f3a4b5c"

REQUEST_VALUES: dict[str, Any] = {
    "model": "claude-haiku-4-5-20251001",
    "temperature": 0.3,
    "max_tokens": 64,
    "transcript_id": TRANSCRIPT,
    "post_processing_steps": [{"type": "json-repair"}],
    "fallbacks": [{"model": "gpt-5"}],
    "fallback_config": {"depth": 1},
    "model_region": "global",
    "reasoning": {"effort": "low"},
    "top_p": 0.9,
    "seed": 7,
    "frequency_penalty": 0.5,
    "presence_penalty": -0.5,
    "reasoning_effort": "low",
}
"""A sample value for every declared request field."""


def sent_value(body: dict[str, Any], declared: RequestField) -> Any:
    """What a request body carries for one declared field (`reasoning.effort`, ...)."""
    value = body[declared.wire]
    return value if declared.key is None else value[declared.key]


SAMPLING_FIELDS = ("top_p", "seed", "frequency_penalty", "presence_penalty")
# gateway-spec.md section 3.1 marks these [UNCONFIRMED]: until the contract
# (tests/contract.py) lists them, the wire checks the rest of each body against it.
_UNDOCUMENTED = frozenset(SAMPLING_FIELDS) - set(LATER_ADDITIONS["request_properties"])

CATALOGUE = {
    "data": [
        {
            "id": MODEL,
            "supported_parameters": ["max_tokens", "temperature", "top_p", "stream"],
        }
    ]
}
"""`GET /v1/models` on the wire: `MODEL` takes `top_p` but no `seed` or penalty."""

FIELD_BAD_VALUES = [
    ("top_p", 1.5, "`top_p` must be from 0 to 1, got 1.5"),
    ("frequency_penalty", 3, "`frequency_penalty` must be from -2 to 2, got 3"),
    ("presence_penalty", -2.5, "`presence_penalty` must be from -2 to 2, got -2.5"),
    ("reasoning_effort", "max", "`reasoning_effort` must be one of ['low', 'medium'"),
]
"""Values the declared fields' own checks refuse (the core's request checks leave
them to the gateway), with the start of the message; by value, as the adapters'
field types let them through."""

CALL_BAD_TYPES = [
    ("top_p", "high", "`top_p` must be a number from 0 to 1, got 'high'"),
    ("seed", 1.5, "`seed` must be a whole number, got 1.5"),
    ("seed", True, "`seed` must be a whole number, got True"),
]
"""Per-call values of the wrong type (a field's type refuses them at construction)."""

_EVENTS = (
    {"model": MODEL, "choices": [{"index": 0, "delta": {"content": "Hi"}}]},
    {"model": MODEL, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
)


class Wire:
    """A gateway and a transcript API behind `httpx.MockTransport`; keeps every request.

    Chat requests get a completion (or an SSE stream when asked), or a 500 with a
    one-millisecond `retry-after-ms` when `fail`; `GET /v2/transcript/{id}` gets a
    completed transcript whose text is "Other meeting."; `GET /v1/models` gets
    `CATALOGUE`.
    """

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.requests: list[httpx.Request] = []
        transport = httpx.MockTransport(self.handle)
        self.http_client = httpx.Client(transport=transport)
        self.http_async_client = httpx.AsyncClient(transport=transport)

    def handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if request.url.path.startswith("/v2/transcript/"):
            tid = request.url.path.rsplit("/", 1)[-1]
            body = {"id": tid, "status": "completed", "text": "Other meeting."}
            return httpx.Response(200, json=body)
        if request.url.path.endswith("/models"):
            return httpx.Response(200, json=CATALOGUE)
        sent = json.loads(request.content)
        check_request({k: v for k, v in sent.items() if k not in _UNDOCUMENTED})
        if self.fail:
            headers = {"retry-after-ms": "1"}
            return httpx.Response(500, json={"error": "down"}, headers=headers)
        if sent.get("stream"):
            return sse_response(sse_body(*_EVENTS))
        return httpx.Response(200, json=completion_body())

    def options(self) -> dict[str, Any]:
        """The settings that point a model at this wire."""
        return {
            "api_key": TEST_KEY,
            "base_url": "https://gw.test/v1",
            "http_client": self.http_client,
            "http_async_client": self.http_async_client,
        }

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests if r.content]

    def close(self) -> None:
        self.http_client.close()
        asyncio.run(self.http_async_client.aclose())


def chat_body(request: httpx.Request) -> dict[str, Any]:
    return dict(json.loads(request.content))


def read_timeout(request: httpx.Request) -> float:
    """The read timeout a request was sent with."""
    return float(request.extensions["timeout"]["read"])


@dataclass
class Probe:
    """Settings, a call (streamed or not, failing or not), and what its requests show."""

    settings: dict[str, Any]
    check: Callable[[list[httpx.Request]], bool]
    prompt: str = "Hi"
    stream: bool = False
    fail: bool = False


_TWO = f"Compare {transcript_ref(TRANSCRIPT)} with {transcript_ref(OTHER)}"

PROBES: dict[str, Probe] = {
    "api_key": Probe(
        {"api_key": "other-key"},
        lambda rs: rs[0].headers["authorization"] == "other-key",
    ),
    "base_url": Probe(
        {"base_url": "https://other.test/v1"},
        lambda rs: str(rs[0].url) == "https://other.test/v1/chat/completions",
    ),
    "region": Probe(
        {"base_url": None, "region": "eu"},
        lambda rs: rs[0].url.host == "llm-gateway.eu.assemblyai.com",
    ),
    "timeout": Probe({"timeout": 7.0}, lambda rs: read_timeout(rs[0]) == 7.0),
    "max_retries": Probe({"max_retries": 1}, lambda rs: len(rs) == 2, fail=True),
    "default_headers": Probe(
        {"default_headers": {"x-team": "blue"}},
        lambda rs: rs[0].headers["x-team"] == "blue",
    ),
    "transcript_tag_placement": Probe(
        {"transcript_tag_placement": "auto", "transcript_id": TRANSCRIPT},
        lambda rs: TRANSCRIPT_TAG in json.dumps(chat_body(rs[0])["messages"]),
    ),
    "inline_transcripts": Probe(
        {"inline_transcripts": True},
        lambda rs: "Other meeting." in json.dumps(chat_body(rs[-1])["messages"]),
        prompt=_TWO,
    ),
    "transcript_base_url": Probe(
        {"inline_transcripts": True, "transcript_base_url": "https://rest.test"},
        lambda rs: str(rs[0].url) == f"https://rest.test/v2/transcript/{OTHER}",
        prompt=_TWO,
    ),
    "stream_chunk_timeout": Probe(
        {"stream_chunk_timeout": 7.0},
        lambda rs: read_timeout(rs[0]) == 7.0,
        stream=True,
    ),
    "stream_deadline": Probe(
        {"stream_chunk_timeout": None, "stream_deadline": 9.0},
        lambda rs: read_timeout(rs[0]) == 9.0,
        stream=True,
    ),
    # The wire's own clients: had either not reached the core client, the core would
    # have built one of its own and tried the network (refused in tests).
    "http_client": Probe({}, lambda rs: len(rs) == 1),
    "http_async_client": Probe({}, lambda rs: len(rs) == 1),
}
"""For every declared client setting: a call whose requests show it took effect."""

BAD_VALUES = [
    ("model", " "),
    ("temperature", 5),
    ("max_tokens", 0),
    ("transcript_id", " "),
    ("fallbacks", [{"name": "gpt-5"}]),
    ("fallback_config", {"depth": 3}),
    ("timeout", 0),
    ("max_retries", -1),
    ("stream_chunk_timeout", 0),
    ("stream_deadline", -1.0),
    ("default_headers", {"x-team": "a\r\nx-evil: 1"}),
]
"""Values the core refuses (by value: the adapters' field types let them through)."""


def core_message(name: str, value: Any) -> str:
    """What the core says of `value`: when its client is built, or at a call."""
    core_names = {s.name: s.core for s in CLIENT_SETTINGS}
    try:
        if name in core_names:
            GatewayClient(**{core_names[name]: value})
        else:
            _call_the_core({name: value})
    except (ValueError, TypeError) as exc:
        return str(exc)
    pytest.fail(f"the core took {name}={value!r}")


def _call_the_core(fields: dict[str, Any]) -> None:
    refuse = httpx.MockTransport(lambda _request: httpx.Response(500))
    request = {"model": MODEL, "messages": [{"role": "user", "content": "Hi"}]}
    with httpx.Client(transport=refuse) as http:
        GatewayClient(api_key=TEST_KEY, http_client=http).chat({**request, **fields})


def check_the_old_url_names(loader_cls: Any, server: Any) -> None:
    """The loader or reader takes its pre-0.2 URL names with a warning each."""
    with pytest.warns(DeprecationWarning, match="transcript_base_url="):
        loader = loader_cls(
            [TRANSCRIPT], mode="text", api_key=TEST_KEY, base_url=server.rest_base_url
        )
    assert loader.transcript_base_url == server.rest_base_url
    with pytest.warns(DeprecationWarning, match="takes `base_url` now"):
        loader_cls([TRANSCRIPT], gateway_base_url=server.base_url)
    with pytest.raises(TypeError, match="only `transcript_base_url`"):
        loader_cls(
            [TRANSCRIPT],
            base_url=server.rest_base_url,
            transcript_base_url=server.rest_base_url,
        )


def check_the_new_url_names(loader_cls: Any, recwarn: Any) -> None:
    """`base_url` ending in `/v1` is the gateway, with no warning."""
    loader = loader_cls(
        [TRANSCRIPT],
        base_url="https://gw.test/v1",
        transcript_base_url="https://rest.test",
    )
    assert loader.transcript_base_url == "https://rest.test"
    assert not [w for w in recwarn if w.category is DeprecationWarning]
