"""The transcript REST client and transcript references, against the emulator."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from aai_gateway import (
    TRANSCRIPT_TAG,
    AsyncGatewayClient,
    GatewayClient,
    transcript_ref,
)
from aai_gateway.adapters import ChunkAccumulator
from aai_gateway.errors import TranscriptNotFoundError
from aai_gateway.testing import MEETING_IDS

pytestmark = pytest.mark.e2e

SUPPORT = MEETING_IDS["support_call"]
PLANNING = MEETING_IDS["product_planning"]


class Both:
    """One call, made through the sync or the async client."""

    def __init__(self, mode: str, **options: Any) -> None:
        self.mode = mode
        self.sync = GatewayClient(api_key="test-key", **options)
        self.aio = AsyncGatewayClient(api_key="test-key", **options)

    def __call__(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.mode == "sync":
            return getattr(self.sync, name)(*args, **kwargs)

        async def run() -> Any:
            try:
                if name.startswith("iter_"):
                    return [
                        x async for x in getattr(self.aio, "a" + name)(*args, **kwargs)
                    ]
                if name == "stream_chat":
                    return [x async for x in self.aio.astream_chat(*args, **kwargs)]
                return await getattr(self.aio, "a" + name)(*args, **kwargs)
            finally:
                await self.aio.aclose()

        return asyncio.run(run())


@pytest.fixture
def both(mode: str, emulator_server: Any, emulator: Any) -> Iterator[Both]:
    server = emulator_server[1]
    client = Both(
        mode,
        base_url=server.base_url,
        transcript_base_url=server.rest_base_url,
        inline_transcripts=True,
    )
    yield client
    client.sync.close()


def listify(value: Any) -> list[Any]:
    return list(value)


def test_get_transcript(both: Both) -> None:
    transcript = both("get_transcript", SUPPORT)
    assert transcript.id == SUPPORT
    assert transcript.status == "completed"
    assert transcript.text
    assert transcript.utterances
    assert {u.speaker for u in transcript.utterances} >= {"A", "B"}
    assert transcript.utterances[0].start_ms is not None
    assert transcript.raw["project_id"]


def test_sentences_paragraphs_subtitles(both: Both) -> None:
    sentences = both("get_transcript_segments", SUPPORT, "sentences")
    paragraphs = both("get_transcript_segments", SUPPORT, "paragraphs")
    assert len(sentences) > len(paragraphs) > 0
    assert sentences[0].speaker == "A"
    assert paragraphs[0].speaker is None
    assert both("get_subtitles", SUPPORT, "vtt").startswith("WEBVTT")
    assert both("get_subtitles", SUPPORT, "srt", chars_per_caption=20).startswith("1\n")


def test_unknown_transcript_names_the_id(both: Both) -> None:
    with pytest.raises(TranscriptNotFoundError, match="'no-such-id'"):
        both("get_transcript", "no-such-id")


def test_list_follows_pages_to_the_end_and_to_a_limit(
    both: Both, emulator: Any
) -> None:
    everything = listify(both("iter_transcripts", limit=2))
    ids = [t.id for t in everything]
    assert len(ids) == len(set(ids)) == len(emulator.transcripts)
    pages = [r for r in emulator.requests if r.path == "/v2/transcript"]
    assert len(pages) >= 3
    assert "before_id" in pages[1].query
    assert [
        t.id for t in listify(both("iter_transcripts", limit=2, max_results=3))
    ] == ids[:3]
    completed = listify(both("iter_transcripts", status="completed"))
    assert completed
    assert {t.status for t in completed} == {"completed"}


def test_a_list_after_an_id_walks_towards_the_newest(both: Both, emulator: Any) -> None:
    newest_first = [t.id for t in listify(both("iter_transcripts"))]
    start = newest_first[-2]  # the second oldest: every other one is newer
    emulator.requests.clear()
    after = [t.id for t in listify(both("iter_transcripts", after_id=start, limit=2))]
    assert sorted(after) == sorted(newest_first[:-2])
    assert len(after) == len(set(after))
    pages = [r for r in emulator.requests if r.path == "/v2/transcript"]
    assert len(pages) >= 3
    assert all("before_id" not in r.query for r in pages)
    capped = listify(both("iter_transcripts", after_id=start, limit=2, max_results=3))
    assert len(capped) == 3


def test_bad_list_arguments_are_refused_before_sending(
    both: Both, emulator: Any
) -> None:
    with pytest.raises(ValueError, match="`limit`"):
        listify(both("iter_transcripts", limit=500))
    with pytest.raises(ValueError, match="transcript_id"):
        both("get_transcript", "../v2/transcript")
    assert emulator.requests == []


def test_question_by_reference_sends_the_tag_not_the_text(
    both: Both, emulator: Any
) -> None:
    question = f"In {transcript_ref(SUPPORT)}, who answered the Northwind support call? Quote {transcript_ref(SUPPORT)}."
    answer = both(
        "chat",
        {
            "model": "claude-sonnet-4-6",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": question},
            ],
        },
    )
    sent = emulator.requests[-1]
    assert sent.json["transcript_id"] == SUPPORT
    assert sent.body.count(TRANSCRIPT_TAG.encode()) == 1
    assert b"assemblyai-transcript" not in sent.body
    assert "Northwind support" in answer.content
    assert not any(r.path.startswith("/v2/") for r in emulator.requests)


def test_two_transcripts_one_inlined_and_reported(both: Both, emulator: Any) -> None:
    question = f"Compare {transcript_ref(SUPPORT)} with {transcript_ref(PLANNING)}"
    request = {
        "model": "claude-sonnet-4-6",
        "messages": [{"role": "user", "content": question}],
    }
    answer = both("chat", request)
    assert answer.inlined_transcripts == (PLANNING,)
    chunks = list(both("stream_chat", request))
    acc = ChunkAccumulator()
    for chunk in chunks:
        acc.add(chunk)
    assert chunks[-1].inlined_transcripts == (PLANNING,)
    chat_requests = [r for r in emulator.requests if r.path == "/v1/chat/completions"]
    for sent in chat_requests:
        assert sent.json["transcript_id"] == SUPPORT
        assert "Q3 planning session" in sent.json["messages"][0]["content"]


def test_region_selects_the_eu_rest_host() -> None:
    assert (
        GatewayClient(region="eu").transcript_base_url
        == "https://api.eu.assemblyai.com"
    )
    assert GatewayClient().transcript_base_url == "https://api.assemblyai.com"
