"""`SummaryRun` and the map-reduce prompts, framework-neutral (no request is made)."""

from __future__ import annotations

from typing import Any

import pytest

from aai_gateway import TRANSCRIPT_TAG
from aai_gateway.adapters import SummaryRun
from aai_gateway.transcripts import TranscriptSummaries, resolve_transcript_refs

A = "5d8e2c1a-4b7f-4e2a-9c3d-1f6a8b0e7d21"
B = "7f1a9b3c-2d4e-4f6a-8b0c-9d1e2f3a4b5c"


def test_the_adapters_use_the_run_of_the_transcripts_package() -> None:
    from aai_gateway._transcripts import _map_reduce

    assert SummaryRun is _map_reduce.SummaryRun
    assert SummaryRun.__module__ == "aai_gateway._transcripts._map_reduce"


def test_one_prompt_per_meeting_each_id_once_in_order() -> None:
    run = SummaryRun([B, A, B], "Summarise.", "Combine.", 2)
    prompts = run.map_prompts()
    assert run.ids == [B, A]
    assert len(prompts) == 2
    for transcript_id, prompt in zip((B, A), prompts, strict=True):
        resolved = resolve_transcript_refs({"model": "m", "prompt": prompt})
        assert resolved["transcript_id"] == transcript_id
        assert resolved["prompt"] == f"{TRANSCRIPT_TAG}\n\nSummarise."


def test_several_meetings_are_combined_with_one_section_each() -> None:
    run = SummaryRun([A, B], "Summarise.", "Combine these.", 2)
    prompt = run.combine_prompt(["First.", "Second."])
    assert prompt == (
        f"Combine these.\n\n## Meeting {A}\nFirst.\n\n## Meeting {B}\nSecond."
    )
    assert run.result("Both.") == TranscriptSummaries(
        "Both.", {A: "First.", B: "Second."}
    )


def test_one_meeting_needs_no_combining_call() -> None:
    run = SummaryRun([A], "Summarise.", "Combine.", 1)
    assert run.combine_prompt(["Only."]) is None
    assert run.result(None) == TranscriptSummaries("Only.", {A: "Only."})


def test_a_missing_answer_is_refused() -> None:
    run = SummaryRun([A, B], "Summarise.", "Combine.", 1)
    with pytest.raises(ValueError, match="shorter"):
        run.combine_prompt(["First."])


@pytest.mark.parametrize(
    ("ids", "concurrency", "error", "match"),
    [
        (A, 1, TypeError, "not one string"),
        ([], 1, ValueError, "is empty"),
        (["not an id!"], 1, ValueError, "transcript"),
        ([A], 0, ValueError, "`max_concurrency`"),
        ([A], True, ValueError, "`max_concurrency`"),
    ],
)
def test_bad_arguments_are_refused_when_the_run_is_built(
    ids: Any, concurrency: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        SummaryRun(ids, "Summarise.", "Combine.", concurrency)
