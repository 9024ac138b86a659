"""`summarize_transcripts`: map (one call per meeting, by reference) then reduce."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from aai_gateway.errors import TranscriptNotFoundError
from aai_gateway.testing import MEETING_IDS, Fault
from llama_index_aai_gateway import (
    AssemblyAI,
    TranscriptSummaries,
    asummarize_transcripts,
    summarize_transcripts,
)
from llama_index_aai_gateway.summaries import (
    DEFAULT_COMBINE_INSTRUCTIONS,
    DEFAULT_SUMMARY_INSTRUCTIONS,
)
from tests.conftest import TEST_KEY, rest_paths
from tests.llama_index.conftest import (
    REF_PREFIX,
    assert_by_reference,
    chat_bodies,
)

MEETINGS = [
    MEETING_IDS[k]
    for k in ("support_call", "product_planning", "incident_review", "hiring_debrief")
]


class InFlight:
    """Counts the requests on the wire at once (sync and async transports)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def enter(self) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def leave(self) -> None:
        with self.lock:
            self.now -= 1


class CountingTransport(httpx.HTTPTransport):
    def __init__(self, counter: InFlight) -> None:
        super().__init__()
        self.counter = counter

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.counter.enter()
        try:
            return super().handle_request(request)
        finally:
            self.counter.leave()


class AsyncCountingTransport(httpx.AsyncHTTPTransport):
    def __init__(self, counter: InFlight) -> None:
        super().__init__()
        self.counter = counter

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.counter.enter()
        try:
            return await super().handle_async_request(request)
        finally:
            self.counter.leave()


@pytest.fixture
def counter() -> InFlight:
    return InFlight()


class Summarize:
    """Runs the helper sync or async, on an LLM whose pool counts requests in flight."""

    def __init__(self, mode: str, base_url: str, counter: InFlight) -> None:
        self.mode = mode
        self.base_url = base_url
        self.counter = counter

    def _llm(self, **http: Any) -> AssemblyAI:
        return AssemblyAI(api_key=TEST_KEY, base_url=self.base_url, **http)

    def __call__(self, ids: Sequence[str], **options: Any) -> TranscriptSummaries:
        if self.mode == "sync":
            with httpx.Client(transport=CountingTransport(self.counter)) as http:
                return summarize_transcripts(
                    self._llm(http_client=http), ids, **options
                )

        async def main() -> TranscriptSummaries:
            transport = AsyncCountingTransport(self.counter)
            async with httpx.AsyncClient(transport=transport) as http:
                llm = self._llm(http_async_client=http)
                return await asummarize_transcripts(llm, ids, **options)

        return asyncio.run(main())


@pytest.fixture
def summarize(mode: str, emulator_url: str, counter: InFlight) -> Summarize:
    return Summarize(mode, emulator_url, counter)


@pytest.mark.e2e
def test_one_call_per_meeting_by_reference_then_one_to_combine(
    summarize: Summarize, emulator: Any
) -> None:
    result = summarize(MEETINGS)
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
def test_concurrency_is_bounded(
    summarize: Summarize, emulator: Any, counter: InFlight
) -> None:
    emulator.add_fault(
        Fault(first_byte_delay=0.15, times=4, path="/v1/chat/completions")
    )
    summarize(MEETINGS, max_concurrency=2)
    assert counter.most == 2
    assert len(chat_bodies(emulator)) == 5


@pytest.mark.e2e
def test_one_meeting_needs_no_combining_call(
    summarize: Summarize, emulator: Any
) -> None:
    result = summarize([MEETINGS[1], MEETINGS[1]], instructions="List the decisions.")
    (body,) = chat_bodies(emulator)
    assert_by_reference(body, MEETINGS[1])
    assert body["messages"][0]["content"].endswith("List the decisions.")
    assert result.summary == result.per_transcript[MEETINGS[1]]
    assert list(result.per_transcript) == [MEETINGS[1]]


@pytest.mark.e2e
def test_an_unknown_meeting_fails_the_run(summarize: Summarize, emulator: Any) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(TranscriptNotFoundError):
        summarize([MEETINGS[0], unknown])


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
def test_bad_arguments_fail_before_any_request(
    mode: str, ids: Any, options: dict[str, Any], error: type[Exception], match: str
) -> None:
    summarize = Summarize(mode, "http://127.0.0.1:9/v1", InFlight())
    with pytest.raises(error, match=match):
        summarize(ids, **options)


def test_same_prompts_as_the_langchain_helper() -> None:
    chains = pytest.importorskip("langchain_aai_gateway.chains")
    assert chains.DEFAULT_SUMMARY_INSTRUCTIONS == DEFAULT_SUMMARY_INSTRUCTIONS
    assert chains.DEFAULT_COMBINE_INSTRUCTIONS == DEFAULT_COMBINE_INSTRUCTIONS


def test_the_async_twin_takes_the_same_parameters() -> None:
    sync = inspect.signature(summarize_transcripts).parameters
    assert list(sync) == list(inspect.signature(asummarize_transcripts).parameters)
