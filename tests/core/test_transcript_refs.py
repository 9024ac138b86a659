"""Transcript references: they survive templates and become exactly one tag."""

from __future__ import annotations

import copy
import json
import string
from typing import Any

import httpx
import pytest

from aai_gateway import TRANSCRIPT_TAG, transcript_ref
from aai_gateway.adapters import find_transcript_refs
from aai_gateway.transcripts import resolve_transcript_refs
from tests.conftest import completion_body

A, B = "5d8e2c1a-4b7f-4e2a-9c3d-1f6a8b0e7d21", "a3f19c72-8d4e-4b61-b2a7-6e0c5d9f1b84"


def ask(*contents: Any) -> dict[str, Any]:
    return {
        "model": "m",
        "messages": [{"role": "user", "content": c} for c in contents],
    }


def test_reference_survives_string_templates() -> None:
    ref = transcript_ref(A)
    assert "{" not in ref
    assert "}" not in ref
    assert f"Summarise {ref}".format() == f"Summarise {ref}"
    assert string.Template("Summarise $t").substitute(t=ref) == f"Summarise {ref}"
    assert f"Summarise {ref}" == f"Summarise {ref}"


@pytest.mark.parametrize("bad", ["", "a/b", "x y", "{{ transcript }}", 5])
def test_reference_needs_a_plain_id(bad: object) -> None:
    with pytest.raises(ValueError, match="transcript_id"):
        transcript_ref(bad)  # type: ignore[arg-type]


def test_first_reference_becomes_the_tag_and_later_ones_pointers() -> None:
    request = ask(
        f"Context: {transcript_ref(A)}",
        [
            {
                "type": "text",
                "text": f"Again {transcript_ref(A)} and {transcript_ref(A)}",
            }
        ],
    )
    before = copy.deepcopy(request)
    resolved = resolve_transcript_refs(request)
    assert request == before
    assert resolved["transcript_id"] == A
    assert resolved["messages"][0]["content"] == f"Context: {TRANSCRIPT_TAG}"
    second = resolved["messages"][1]["content"][0]["text"]
    assert TRANSCRIPT_TAG not in second
    assert "assemblyai-transcript" not in second
    assert "given above" in second


def test_prompt_form_and_matching_explicit_id() -> None:
    resolved = resolve_transcript_refs(
        {"model": "m", "prompt": f"Q about {transcript_ref(A)}", "transcript_id": A}
    )
    assert resolved["prompt"] == f"Q about {TRANSCRIPT_TAG}"


def test_no_reference_leaves_the_request_alone() -> None:
    request = ask("hi")
    assert resolve_transcript_refs(request) is request
    assert find_transcript_refs(request) == []


def test_two_transcripts_need_two_calls_or_inlining() -> None:
    request = ask(f"Compare {transcript_ref(A)} with {transcript_ref(B)}")
    assert find_transcript_refs(request) == [A, B]
    with pytest.raises(ValueError, match="one per request") as info:
        resolve_transcript_refs(request)
    assert "map-reduce" in str(info.value)
    resolved = resolve_transcript_refs(request, {B: "Text of B."})
    content = resolved["messages"][0]["content"]
    assert content.count(TRANSCRIPT_TAG) == 1
    assert "Text of B." in content
    assert resolved["transcript_id"] == A


@pytest.mark.parametrize(
    ("request_", "match"),
    [
        ({**ask(f"x {transcript_ref(A)}"), "transcript_id": B}, "one or the other"),
        (ask(f"{TRANSCRIPT_TAG} and {transcript_ref(A)}"), "use one"),
    ],
)
def test_conflicts_are_refused(request_: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        resolve_transcript_refs(request_)


# -- the rules applied once per request --------------------------------------------


class CountedText(str):
    """A message text that counts how often a substring is looked for in it."""

    looked_for: list[str]

    def __contains__(self, needle: object) -> bool:
        self.looked_for.append(str(needle))
        return super().__contains__(str(needle))


def counted(text: str) -> CountedText:
    value = CountedText(text)
    value.looked_for = []
    return value


@pytest.mark.parametrize(
    ("text", "extra"),
    [
        ("Hi", {}),
        (f"Summarise {TRANSCRIPT_TAG}", {"transcript_id": A}),
    ],
    ids=["plain", "tagged"],
)
def test_a_request_has_its_texts_scanned_once(
    gateway: Any, text: str, extra: dict[str, Any]
) -> None:
    first, second = counted(text), counted("and then?")
    request = {
        "model": "claude-sonnet-4-6",
        "messages": [
            {"role": "user", "content": first},
            {"role": "user", "content": [{"type": "text", "text": second}]},
        ],
        **extra,
    }
    gw = gateway(lambda r: httpx.Response(200, json=completion_body()))
    assert gw.chat(request).content == "Hello."
    for value in (first, second):
        # One look for a reference and, until one is found, one for the tag.
        assert len(value.looked_for) == len(set(value.looked_for)), value.looked_for
    assert TRANSCRIPT_TAG in first.looked_for
    sent = json.loads(gw.requests[0].content)
    assert sent["messages"][0]["content"] == text


def test_a_marker_follows_the_one_id_rule() -> None:
    too_long = "[[assemblyai-transcript:" + "x" * 129 + "]]"
    odd = "[[assemblyai-transcript:a.b]]"
    request = ask(f"{transcript_ref(A)} {too_long} {odd}")
    assert find_transcript_refs(request) == [A]
    resolved = resolve_transcript_refs(request)
    assert too_long in resolved["messages"][0]["content"]
