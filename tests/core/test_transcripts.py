"""The `{{ transcript }}` tag rules (wire notes section 3.4)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from aai_gateway import TRANSCRIPT_TAG
from aai_gateway.adapters import apply_tag_placement
from aai_gateway.transcripts import has_transcript_tag


def request(*contents: Any, **extra: Any) -> dict[str, Any]:
    return {
        "model": "m",
        "messages": [{"role": "user", "content": c} for c in contents],
        "transcript_id": "t-1",
        **extra,
    }


def test_tag_is_exactly_the_documented_one() -> None:
    assert TRANSCRIPT_TAG == "{{ transcript }}"


@pytest.mark.parametrize(
    "req",
    [
        request("Summarise {{ transcript }}"),
        request("no tag here", "later {{ transcript }}"),
        request([{"type": "text", "text": "part {{ transcript }}"}]),
        {"model": "m", "prompt": "Q: {{ transcript }}", "transcript_id": "t"},
    ],
)
def test_exact_tag_found(req: dict[str, Any]) -> None:
    assert has_transcript_tag(req)
    assert apply_tag_placement(req) is req


def test_no_transcript_id_means_no_check() -> None:
    req = {"model": "m", "prompt": "{transcript}"}
    assert apply_tag_placement(req) is req


@pytest.mark.parametrize(
    ("text", "miss"),
    [
        ("Summarise { transcript }", "{ transcript }"),
        ("Summarise {{transcript}}", "{{transcript}}"),
        ("Summarise {{ TRANSCRIPT }}", "{{ TRANSCRIPT }}"),
    ],
)
def test_near_misses_are_named(text: str, miss: str) -> None:
    with pytest.raises(ValueError, match="exact tag") as info:
        apply_tag_placement(request(text))
    assert repr(miss) in str(info.value)
    assert "messages[0]" in str(info.value)


def test_missing_tag_is_refused_in_strict_mode() -> None:
    with pytest.raises(ValueError, match="'auto'"):
        apply_tag_placement(request("What was decided?"))


@pytest.mark.parametrize(
    ("req", "where"),
    [
        (request("What was decided?"), lambda r: r["messages"][0]["content"]),
        (
            {"model": "m", "prompt": "Who spoke?", "transcript_id": "t"},
            lambda r: r["prompt"],
        ),
        (
            request([{"type": "text", "text": "Who?"}]),
            lambda r: r["messages"][0]["content"][0]["text"],
        ),
        (
            {
                "model": "m",
                "messages": [{"role": "system", "content": "Be brief."}],
                "transcript_id": "t",
            },
            lambda r: r["messages"][0]["content"],
        ),
    ],
)
def test_auto_placement_adds_one_tag_without_mutating(
    req: dict[str, Any], where: Any
) -> None:
    before = copy.deepcopy(req)
    placed = apply_tag_placement(req, "auto")
    assert req == before
    assert TRANSCRIPT_TAG in where(placed)
    assert has_transcript_tag(placed)
