"""`summarize_transcripts`: map (one call per meeting, by reference) then reduce."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from pydantic import SecretStr

from aai_gateway.testing import MEETING_IDS, Fault
from langchain_aai_gateway import (
    ChatAssemblyAI,
    TranscriptSummaries,
    asummarize_transcripts,
    summarize_transcripts,
)
from langchain_aai_gateway.chains import (
    DEFAULT_COMBINE_INSTRUCTIONS,
    DEFAULT_SUMMARY_INSTRUCTIONS,
)
from tests.conftest import TEST_KEY, rest_paths
from tests.langchain.conftest import (
    MODEL,
    REF_PREFIX,
    assert_by_reference,
    chat_bodies,
)

KEY = SecretStr(TEST_KEY)
MEETINGS = [
    MEETING_IDS[k]
    for k in ("support_call", "product_planning", "incident_review", "hiring_debrief")
]


async def summarize(
    llm: ChatAssemblyAI, ids: Sequence[str], mode: str, **options: Any
) -> TranscriptSummaries:
    if mode == "sync":
        return summarize_transcripts(llm, ids, **options)
    return await asummarize_transcripts(llm, ids, **options)


class InFlight(BaseCallbackHandler):
    """Counts chat model calls running at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def on_llm_end(self, *args: Any, **kwargs: Any) -> None:
        with self.lock:
            self.now -= 1


@pytest.mark.e2e
async def test_one_call_per_meeting_by_reference_then_one_to_combine(
    llm: ChatAssemblyAI, emulator: Any, mode: str
) -> None:
    result = await summarize(llm, MEETINGS, mode)
    assert list(result.per_transcript) == MEETINGS
    *maps, combine = chat_bodies(emulator)
    assert sorted(b["transcript_id"] for b in maps) == sorted(MEETINGS)
    for body in maps:
        assert_by_reference(body, body["transcript_id"])
        assert body["messages"][0]["content"].endswith(DEFAULT_SUMMARY_INSTRUCTIONS)
    assert "transcript_id" not in combine
    text = combine["messages"][0]["content"]
    assert text.startswith(DEFAULT_COMBINE_INSTRUCTIONS)
    assert REF_PREFIX not in text
    for transcript_id, summary in result.per_transcript.items():
        assert f"## Meeting {transcript_id}\n{summary}" in text
    # The emulator extracts: each summary quotes its own meeting, and the
    # combined one quotes the summaries it was given.
    for transcript_id, summary in result.per_transcript.items():
        assert summary.split(". ")[0] in emulator.transcripts[transcript_id]["text"]
    assert result.summary.split(". ")[0] in text
    assert rest_paths(emulator) == []


@pytest.mark.e2e
async def test_concurrency_is_bounded(
    llm: ChatAssemblyAI, emulator: Any, mode: str
) -> None:
    emulator.add_fault(
        Fault(first_byte_delay=0.15, times=4, path="/v1/chat/completions")
    )
    counter = InFlight()
    await summarize(
        llm, MEETINGS, mode, max_concurrency=2, config={"callbacks": [counter]}
    )
    assert counter.most == 2
    assert len(chat_bodies(emulator)) == 5


@pytest.mark.e2e
async def test_one_meeting_needs_no_combining_call(
    llm: ChatAssemblyAI, emulator: Any, mode: str
) -> None:
    result = await summarize(
        llm, [MEETINGS[1], MEETINGS[1]], mode, instructions="List the decisions."
    )
    (body,) = chat_bodies(emulator)
    assert_by_reference(body, MEETINGS[1])
    assert body["messages"][0]["content"].endswith("List the decisions.")
    assert result.summary == result.per_transcript[MEETINGS[1]]
    assert list(result.per_transcript) == [MEETINGS[1]]


@pytest.mark.e2e
async def test_an_unknown_meeting_fails_the_run(llm: ChatAssemblyAI, mode: str) -> None:
    import aai_gateway.errors

    unknown = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(aai_gateway.errors.TranscriptNotFoundError):
        await summarize(llm, [MEETINGS[0], unknown], mode)


@pytest.mark.parametrize(
    ("ids", "options", "error", "match"),
    [
        ([], {}, ValueError, "empty"),
        ("5d8e2c1a", {}, TypeError, "not one string"),
        (["not an id"], {}, ValueError, "transcript id"),
        (MEETINGS, {"max_concurrency": 0}, ValueError, "max_concurrency"),
        (MEETINGS, {"max_concurrency": True}, ValueError, "max_concurrency"),
    ],
    ids=["empty", "string", "malformed", "zero", "bool"],
)
async def test_bad_arguments_fail_before_any_request(
    mode: str, ids: Any, options: dict[str, Any], error: type[Exception], match: str
) -> None:
    llm = ChatAssemblyAI(model=MODEL, api_key=KEY, base_url="http://127.0.0.1:9/v1")
    with pytest.raises(error, match=match):
        await summarize(llm, ids, mode, **options)
