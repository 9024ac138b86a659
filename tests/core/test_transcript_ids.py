"""One transcript-id rule, applied before any request: an id never leaves its path."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aai_gateway import GatewayClient, transcript_ref
from aai_gateway._transcripts._references import check_transcript_id
from aai_gateway.errors import NotFoundError

TEST_KEY = "test-key"
REST = "https://rest.test"

HOSTILE = [
    "",
    ".",
    "..",
    "a/../b",
    "a\\b",
    "..\\..",
    "%2e%2e",
    "a?b=c",
    "a#b",
    "a b",
    "a\nb",
    "a\x00b",
    "a\x7fb",
    "\u00e9t\u00e9",
    "\uff21",  # a full-width letter
    "x" * 129,
]


def _client(sent: list[httpx.Request]) -> GatewayClient:
    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.url.path.endswith(("/srt", "/vtt")):
            return httpx.Response(200, text="1\n00:00:00,000 --> 00:00:01,000\nHi\n")
        return httpx.Response(404, json={"error": "Not found"})

    return GatewayClient(
        api_key=TEST_KEY,
        transcript_base_url=REST,
        http_client=httpx.Client(transport=httpx.MockTransport(handle)),
    )


CALLS: dict[str, tuple[Callable[[GatewayClient, str], Any], str]] = {
    "get_transcript": (lambda c, i: c.get_transcript(i), ""),
    "sentences": (lambda c, i: c.get_transcript_segments(i, "sentences"), "/sentences"),
    "paragraphs": (
        lambda c, i: c.get_transcript_segments(i, "paragraphs"),
        "/paragraphs",
    ),
    "srt": (lambda c, i: c.get_subtitles(i, "srt"), "/srt"),
    "vtt": (lambda c, i: c.get_subtitles(i, "vtt"), "/vtt"),
}


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("bad", HOSTILE, ids=repr)
def test_a_hostile_id_is_refused_before_any_request(call: str, bad: str) -> None:
    sent: list[httpx.Request] = []
    method, _ = CALLS[call]
    with pytest.raises(ValueError, match="`transcript_id` must be a transcript id"):
        method(_client(sent), bad)
    assert sent == []


@pytest.mark.parametrize("bad", HOSTILE, ids=repr)
def test_every_caller_applies_the_same_rule(bad: str) -> None:
    with pytest.raises(ValueError, match="must be a transcript id"):
        check_transcript_id(bad)
    with pytest.raises(ValueError, match="must be a transcript id"):
        transcript_ref(bad)
    with pytest.raises(ValueError, match="`after_id` must be a transcript id"):
        _client([]).list_transcripts(after_id=bad)


@settings(max_examples=150, deadline=None)
@given(candidate=st.text(max_size=40), call=st.sampled_from(sorted(CALLS)))
def test_an_accepted_id_always_requests_exactly_its_own_path(
    candidate: str, call: str
) -> None:
    sent: list[httpx.Request] = []
    method, suffix = CALLS[call]
    try:
        check_transcript_id(candidate)
    except ValueError:
        with pytest.raises(ValueError):
            method(_client(sent), candidate)
        assert sent == []
        return
    with contextlib.suppress(NotFoundError):  # the fake's answer; the path matters
        method(_client(sent), candidate)
    assert len(sent) == 1
    expected = f"/v2/transcript/{candidate}{suffix}"
    assert sent[0].url.path == expected
    assert sent[0].url.raw_path.split(b"?")[0] == expected.encode()
    assert sent[0].url.host == "rest.test"


@given(candidate=st.from_regex(r"[A-Za-z0-9_-]{1,128}", fullmatch=True))
def test_every_id_of_the_documented_alphabet_is_accepted(candidate: str) -> None:
    assert check_transcript_id(candidate) == candidate


@pytest.mark.parametrize("bad", ["a/../b", "a b", "x" * 129, "%2e%2e"], ids=repr)
def test_a_chat_request_applies_the_same_rule_before_sending(
    gateway: Any, bad: str
) -> None:
    gw = gateway(lambda r: httpx.Response(500))
    request = {"model": "m", "prompt": "Sum up {{ transcript }}", "transcript_id": bad}
    with pytest.raises(ValueError, match="`transcript_id` must be a transcript id"):
        gw.chat(request)
    with pytest.raises(ValueError, match="`transcript_id` must be a transcript id"):
        _client([]).validate_understanding(
            bad, translation={"target_languages": ["es"]}
        )
    assert gw.requests == []


def test_a_transcript_id_that_is_not_a_string_is_a_type_error(gateway: Any) -> None:
    gw = gateway(lambda r: httpx.Response(500))
    request = {"model": "m", "prompt": "Sum up {{ transcript }}", "transcript_id": 5}
    with pytest.raises(TypeError, match="`transcript_id`"):
        gw.chat(request)
    assert gw.requests == []
