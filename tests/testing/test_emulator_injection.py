"""`transcript_id` injection: spec section 3.4."""

from __future__ import annotations

from typing import Any

import pytest

from aai_gateway.testing import MEETING_IDS, TRANSCRIPT_TAG
from aai_gateway.testing._injection import inject_transcript
from tests.testing.helpers import chat

TAG = "{{ transcript }}"


@pytest.fixture
def short_id(emu) -> str:
    return emu.add_transcript([("A", "Hello team."), ("B", "Hi there.")])


def answer_of(gateway, **body: Any) -> str:
    response = chat(gateway, model="claude-sonnet-4-6", **body)
    assert response.status_code == 200, response.text
    return str(response.json()["choices"][0]["message"]["content"])


def test_tag_constant_is_exact() -> None:
    assert TRANSCRIPT_TAG == TAG


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def test_prompt_is_searched_when_lenient(serve) -> None:
    emu, client = serve(unconfirmed="lenient")
    ident = emu.add_transcript([("A", "Hello team."), ("B", "Hi there.")])
    response = chat(
        client, model="gpt-5", prompt=f"Summarise: {TAG}", transcript_id=ident
    )
    assert response.status_code == 200, response.text
    assert response.json()["usage"]["input_tokens"] == 5  # the tag became 4 words


def test_tag_in_prompt_is_refused_when_strict(emu, gateway, short_id: str) -> None:
    response = chat(gateway, model="gpt-5", prompt=f"x {TAG}", transcript_id=short_id)
    assert response.status_code == 400
    assert response.json()["metadata"]["errors"] == [
        "the {{ transcript }} tag in prompt is not documented "
        "(unconfirmed rule transcript_tag_in_prompt is strict)"
    ]


def test_only_the_first_tag_in_the_first_message(emu, gateway, short_id: str) -> None:
    messages = [
        {"role": "system", "content": "no tag here"},
        {"role": "user", "content": f"A {TAG} B {TAG}"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": f"again {TAG}"},
    ]
    response = chat(gateway, model="gpt-5", messages=messages, transcript_id=short_id)
    assert response.json()["usage"]["input_tokens"] == 17  # one tag became 4 words
    injected = inject_transcript(messages, "T")
    assert injected[1]["content"] == f"A T B {TAG}"
    assert injected[3]["content"] == f"again {TAG}"
    assert messages[1]["content"] == f"A {TAG} B {TAG}"  # the input is not mutated


def test_system_message_can_hold_the_tag(emu, gateway, short_id: str) -> None:
    messages = [{"role": "system", "content": TAG}, {"role": "user", "content": "q"}]
    body = chat(
        gateway, model="gpt-5", messages=messages, transcript_id=short_id
    ).json()
    assert body["usage"]["input_tokens"] == 5  # 4 transcript words + "q"


@pytest.mark.parametrize(
    "near_miss",
    ["{{transcript}}", "{{ TRANSCRIPT }}", "{{  transcript  }}", "{ transcript }"],
)
def test_tag_must_be_exact(emu, gateway, short_id: str, near_miss: str) -> None:
    assert (
        answer_of(gateway, prompt=f"x {near_miss}", transcript_id=short_id)
        == f"Echo: x {near_miss}"
    )


PARTS = [{"type": "text", "text": "no"}, {"type": "text", "text": f"see {TAG}"}]


def test_text_parts_are_searched_when_lenient(serve) -> None:
    emu, client = serve(unconfirmed="lenient")
    ident = emu.add_transcript([("A", "Hello team."), ("B", "Hi there.")])
    messages = [{"role": "user", "content": PARTS}]
    response = chat(client, model="gpt-5", messages=messages, transcript_id=ident)
    assert response.status_code == 200, response.text
    assert response.json()["usage"]["input_tokens"] == 6  # the tag became 4 words


def test_tag_in_parts_is_refused_when_strict(emu, gateway, short_id: str) -> None:
    messages = [{"role": "user", "content": PARTS}]
    response = chat(gateway, model="gpt-5", messages=messages, transcript_id=short_id)
    assert response.status_code == 400
    assert response.json()["metadata"]["errors"] == [
        "the {{ transcript }} tag in a content part is not documented "
        "(unconfirmed rule transcript_tag_in_content_parts is strict)"
    ]


def test_parts_after_a_string_tag_are_not_refused(emu, gateway, short_id) -> None:
    messages = [*user(f"first {TAG}"), {"role": "user", "content": PARTS}]
    response = chat(gateway, model="gpt-5", messages=messages, transcript_id=short_id)
    assert response.status_code == 200, response.text


def test_no_tag_means_the_id_is_ignored(emu, gateway, short_id: str) -> None:
    assert answer_of(gateway, prompt="plain", transcript_id=short_id) == "Echo: plain"


def test_meeting_transcripts_inject_their_text(emu, gateway) -> None:
    meeting = emu.transcripts[MEETING_IDS["incident_review"]]
    body = chat(
        gateway,
        model="claude-sonnet-4-6",
        messages=user(TAG),
        transcript_id=MEETING_IDS["incident_review"],
    ).json()
    assert body["usage"]["input_tokens"] == len(meeting["text"].split())
    first = body["choices"][0]["message"]["content"].split(". ")[0]
    assert f"{first}." in meeting["text"]  # a summary quoted from the meeting


def test_unknown_transcript_is_404(emu, gateway) -> None:
    response = chat(
        gateway,
        model="gpt-5",
        messages=user(TAG),
        transcript_id="00000000-0000-4000-8000-00000000dead",
    )
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == 404
    assert body["message"] == "transcript not found"
    assert set(body) == {"code", "message", "request_id"}


def test_deleted_transcript_is_404(emu, gateway, rest, short_id: str) -> None:
    assert rest.delete(f"/v2/transcript/{short_id}").status_code == 200
    response = chat(gateway, model="gpt-5", messages=user(TAG), transcript_id=short_id)
    assert response.status_code == 404
    assert response.json()["message"] == "transcript deleted"


@pytest.mark.parametrize("key", ["failed_upload", "still_processing"])
def test_transcript_without_text_is_400(emu, gateway, key: str) -> None:
    response = chat(
        gateway, model="gpt-5", messages=user(TAG), transcript_id=MEETING_IDS[key]
    )
    assert response.status_code == 400
    assert "is not completed" in response.json()["metadata"]["errors"][0]


def test_injection_happens_before_the_model_reads_tool_mentions(emu, gateway) -> None:
    tool = {
        "type": "function",
        "function": {"name": "lookup", "parameters": {"type": "object"}},
    }
    ident = emu.add_transcript([("A", "Please lookup the order.")])
    body = chat(
        gateway, model="gpt-5", messages=user(TAG), transcript_id=ident, tools=[tool]
    ).json()
    assert (
        body["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "lookup"
    )
