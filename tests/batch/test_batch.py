"""`TranscriptBatch`'s checks: every bad argument is named before any request."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import aai_gateway.batch
from aai_gateway.batch import TranscriptBatch
from aai_gateway.errors import MissingAPIKeyError
from tests.batch.conftest import MODEL, Served

GOOD = {"model": MODEL, "prompt": "What was agreed?"}
ID = "5d8e2c1a-4b7f-4e2a-9c3d-1f6a8b0e7d21"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"model": MODEL}, "give `prompt`"),
        ({**GOOD, "step": len}, "give `prompt`"),
        ({"prompt": "Hi"}, "`model` must be a model id"),
        ({**GOOD, "prompt": "  "}, "`prompt` must be a non-empty string"),
        ({**GOOD, "prompt": "Sum up {{transcript}}"}, "'{{transcript}}' instead"),
        ({**GOOD, "transcript_ids": [ID], "status": "completed"}, "not both"),
        ({**GOOD, "transcript_ids": ["bad id"]}, r"transcript_ids\[0\]"),
        ({**GOOD, "status": "done"}, "`status` must be one of"),
        ({**GOOD, "created_on": "2026-02-30"}, "`created_on` must be a date"),
        ({**GOOD, "created_on": "yesterday"}, "`created_on` must be a date"),
        ({**GOOD, "after_id": "x y"}, "`after_id`"),
        ({**GOOD, "max_transcripts": 0}, "`max_transcripts`"),
        ({**GOOD, "max_concurrency": 0}, "`max_concurrency`"),
        ({**GOOD, "max_retries": -1}, "`max_retries`"),
        ({**GOOD, "requests_per_minute": 0}, "`requests_per_minute`"),
        ({**GOOD, "requests_per_minute": float("nan")}, "`requests_per_minute`"),
        ({**GOOD, "fallbacks": [{"temperature": 1}]}, r"`fallbacks\[0\]`"),
        ({**GOOD, "request_options": {"model": "x"}}, "may not set"),
        ({"step": len, "schema": {"type": "object"}}, "go with `prompt`"),
        (
            {**GOOD, "schema": {"type": "object"}, "fallbacks": [{"model": "gpt-4.1"}]},
            "'gpt-4.1' does not take `response_format`",
        ),
    ],
)
def test_bad_arguments_are_named(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TranscriptBatch("out.jsonl", **options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({**GOOD, "schema": 3}, "`schema` must be a Pydantic model class"),
        ({"step": 42}, "`step` must be a LangChain Runnable"),
        ({**GOOD, "transcript_ids": ID}, "not one string"),
    ],
)
def test_arguments_of_the_wrong_kind(options: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        TranscriptBatch("out.jsonl", **options)


def test_the_prompt_gets_the_tag_once_and_ids_once() -> None:
    batch = TranscriptBatch(
        "out.jsonl",
        transcript_ids=[ID, ID],
        **{**GOOD, "prompt": "{{ transcript }} Q?"},
    )
    assert batch.transcript_ids == (ID,)
    assert batch.job is not None
    assert batch.job.request(ID) == {
        "model": MODEL,
        "messages": [{"role": "user", "content": "{{ transcript }} Q?"}],
        "transcript_id": ID,
    }


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_nothing_is_sent_without_a_key_or_a_usable_output(
    mode: str, served: Served, tmp_path: Path
) -> None:
    def go(batch: TranscriptBatch, **key: Any) -> Any:
        if mode == "sync":
            return batch.run(**key)
        return asyncio.run(batch.arun(**key))

    batch = TranscriptBatch(tmp_path / "out.jsonl", **GOOD, **served.urls)
    with pytest.raises(MissingAPIKeyError, match="ASSEMBLYAI_API_KEY"):
        go(batch)
    elsewhere = TranscriptBatch(tmp_path / "no" / "out.jsonl", **GOOD, **served.urls)
    with pytest.raises(ValueError, match="`out`: the directory"):
        go(elsewhere, api_key="test-key")
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("hello\n")
    with pytest.raises(ValueError, match="line 1 is not a batch record"):
        go(TranscriptBatch(garbage, **GOOD, **served.urls), api_key="test-key")
    assert served.emulator.requests == []


def test_the_public_names() -> None:
    assert aai_gateway.batch.__all__ == sorted(aai_gateway.batch.__all__)
    assert set(aai_gateway.batch.__all__) == {
        "BatchRecord",
        "BatchSummary",
        "TranscriptBatch",
        "read_results",
    }


def test_the_repr_holds_no_key_and_the_batch_holds_none(monkeypatch: Any) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "sk-secret-value")
    batch = TranscriptBatch("out.jsonl", **GOOD)
    assert "sk-secret" not in repr(batch)
    assert "api_key" not in batch.client_options()
