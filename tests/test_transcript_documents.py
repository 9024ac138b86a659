"""Transcripts as documents, the same for both frameworks, over real sockets.

`AssemblyAITranscriptLoader` (LangChain) and `AssemblyAITranscriptReader`
(LlamaIndex) wrap one core loader; every test here runs against both, sync and
async, and reads documents through one neutral view (id, text, metadata). What
only one framework does is tested beside it (tests/langchain/test_document_loaders.py,
tests/llama_index/test_readers.py).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import pytest
from langchain_core.documents import Document as LangChainDocument

from aai_gateway import transcript_ref
from aai_gateway.errors import TranscriptNotFoundError, TranscriptNotReadyError
from aai_gateway.testing import MEETING_IDS
from aai_gateway.transcripts import CONTENT_MODES, TranscriptDocumentLoader
from langchain_aai_gateway import AssemblyAITranscriptLoader
from llama_index_aai_gateway import AssemblyAITranscriptReader
from tests.conftest import TEST_KEY, forwarding_clients, rest_paths

pytestmark = pytest.mark.e2e

SUPPORT = MEETING_IDS["support_call"]
PLANNING = MEETING_IDS["product_planning"]
DEBRIEF = MEETING_IDS["hiring_debrief"]
FAILED = MEETING_IDS["failed_upload"]
PROCESSING = MEETING_IDS["still_processing"]
UNKNOWN = "00000000-0000-4000-8000-000000000000"
AUDIO = "https://assembly.ai/meetings/support-call.mp3"
OPENING = "Thank you for calling Northwind support"

Loader = AssemblyAITranscriptLoader | AssemblyAITranscriptReader


@dataclass(frozen=True)
class Doc:
    """A document of either framework: its id, its text and its metadata."""

    id: str | None
    text: str
    metadata: dict[str, Any]


def _view(document: Any) -> Doc:
    if isinstance(document, LangChainDocument):
        return Doc(document.id, document.page_content, document.metadata)
    return Doc(document.id_, document.text, document.metadata)


def collect(loader: Loader, mode: str) -> list[Doc]:
    """All documents, through the lazy sync method or (in a fresh loop) the async one."""
    if isinstance(loader, AssemblyAITranscriptReader):
        if mode == "sync":
            return [_view(d) for d in loader.lazy_load_data()]
        return [_view(d) for d in asyncio.run(loader.aload_data())]
    if mode == "sync":
        return [_view(d) for d in loader.lazy_load()]

    async def run() -> list[Doc]:
        return [_view(d) async for d in loader.alazy_load()]

    return asyncio.run(run())


@pytest.fixture(params=[AssemblyAITranscriptLoader, AssemblyAITranscriptReader])
def loader_cls(request: pytest.FixtureRequest) -> type[Loader]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def load(
    loader_cls: type[Loader], mode: str, emulator_server: Any, emulator: Any
) -> Any:
    rest = emulator_server[1].rest_base_url

    def make(*ids: str, **options: Any) -> list[Doc]:
        loader = loader_cls(
            list(ids) if ids else None,
            api_key=TEST_KEY,
            transcript_base_url=rest,
            **options,
        )
        return collect(loader, mode)

    return make


def core_documents(rest: str, content_mode: str, *ids: str) -> list[Any]:
    core = TranscriptDocumentLoader(
        list(ids),
        mode=content_mode,  # type: ignore[arg-type]
        api_key=TEST_KEY,
        transcript_base_url=rest,
    )
    expected = list(core.iter_documents())
    core.close()
    return expected


def test_reference_mode_is_the_default_and_makes_no_request(
    load: Any, emulator: Any
) -> None:
    docs = load(SUPPORT, PLANNING)
    assert [d.text for d in docs] == [transcript_ref(SUPPORT), transcript_ref(PLANNING)]
    assert docs[0].id == f"{SUPPORT}:reference:0"
    assert docs[0].metadata == {
        "transcript_id": SUPPORT,
        "mode": "reference",
        "index": 0,
        "source": f"assemblyai:transcript/{SUPPORT}",
    }
    assert emulator.requests == []


def test_reference_mode_needs_no_key(loader_cls: Any, mode: str, emulator: Any) -> None:
    reader = loader_cls([SUPPORT], transcript_base_url="http://127.0.0.1:9")
    assert [d.id for d in collect(reader, mode)] == [f"{SUPPORT}:reference:0"]


@pytest.mark.parametrize("content_mode", [m for m in CONTENT_MODES if m != "reference"])
def test_content_mode_wraps_the_core_documents_exactly(
    load: Any, emulator_server: Any, content_mode: str
) -> None:
    docs = load(SUPPORT, mode=content_mode)
    expected = core_documents(emulator_server[1].rest_base_url, content_mode, SUPPORT)
    assert [(d.id, d.text, d.metadata) for d in docs] == [
        (e.id, e.text, e.metadata) for e in expected
    ]
    for index, doc in enumerate(docs):
        assert doc.id == f"{SUPPORT}:{content_mode}:{index}"
        assert doc.metadata["transcript_id"] == SUPPORT
        assert doc.metadata["mode"] == content_mode
        assert doc.metadata["index"] == index
        assert doc.metadata["audio_url"] == AUDIO
        assert doc.metadata["language_code"] == "en_us"
        assert all(isinstance(v, str | int | float) for v in doc.metadata.values())


def test_text_mode_is_one_document_with_the_whole_text(load: Any) -> None:
    (doc,) = load(SUPPORT, mode="text")
    assert doc.text.startswith(OPENING)
    assert len(doc.text) > 2000
    assert doc.metadata["source"] == f"assemblyai:transcript/{SUPPORT}"
    assert "start_ms" not in doc.metadata
    assert "speaker" not in doc.metadata


@pytest.mark.parametrize("content_mode", ["sentences", "paragraphs", "utterances"])
def test_segment_modes_carry_times_and_a_source_at_the_moment(
    load: Any, content_mode: str
) -> None:
    docs = load(SUPPORT, mode=content_mode)
    assert len(docs) > 10
    first = docs[0]
    assert first.text.startswith(OPENING)
    assert first.metadata["start_ms"] == 320
    assert first.metadata["timestamp"] == "00:00"
    assert first.metadata["source"] == f"{AUDIO}#t=0.32"
    starts = [d.metadata["start_ms"] for d in docs]
    assert starts == sorted(starts)
    assert all(d.metadata["end_ms"] > d.metadata["start_ms"] for d in docs)


def test_sentences_and_utterances_name_the_speaker(load: Any) -> None:
    sentences = load(SUPPORT, mode="sentences")
    utterances = load(SUPPORT, mode="utterances")
    assert len(sentences) > len(utterances)
    assert {d.metadata["speaker"] for d in utterances} == {"A", "B"}
    assert [d.metadata["speaker"] for d in utterances[:2]] == ["A", "B"]
    assert utterances[0].text.startswith(sentences[0].text)


@pytest.mark.parametrize(
    ("content_mode", "head"),
    [("srt", "1\n00:00:00,320 --> "), ("vtt", "WEBVTT\n\n00:00.320 --> ")],
)
def test_subtitle_modes(load: Any, content_mode: str, head: str) -> None:
    (doc,) = load(SUPPORT, mode=content_mode)
    assert doc.text.startswith(head)
    assert OPENING in doc.text


def test_unknown_mode_is_refused(loader_cls: Any) -> None:
    with pytest.raises(ValueError, match="`mode` must be one of"):
        loader_cls([SUPPORT], mode="words")  # type: ignore[arg-type]


def test_malformed_id_is_refused_before_any_request(
    loader_cls: Any, emulator: Any
) -> None:
    with pytest.raises(ValueError, match="transcript id"):
        loader_cls(["../etc/passwd"])
    assert emulator.requests == []


def test_pagination_follows_every_page(load: Any, emulator: Any) -> None:
    docs = load(limit=2)
    listed_ids = [d.metadata["transcript_id"] for d in docs]
    assert listed_ids == list(MEETING_IDS.values())[::-1]
    listed = [r for r in emulator.requests if r.path == "/v2/transcript"]
    assert len(listed) == -(-len(MEETING_IDS) // 2)  # pages of two, rounded up
    assert all("limit=2" in r.query for r in listed)


def test_list_filters_and_max_transcripts(load: Any, emulator: Any) -> None:
    docs = load(status="completed", limit=2, max_transcripts=3, mode="text")
    assert [d.metadata["transcript_id"] for d in docs] == [
        DEBRIEF,
        MEETING_IDS["incident_review"],
        PLANNING,
    ]
    listed = [r for r in emulator.requests if r.path == "/v2/transcript"]
    assert all("status=completed" in r.query for r in listed)


@pytest.mark.parametrize(
    ("transcript_id", "status"), [(FAILED, "error"), (PROCESSING, "processing")]
)
def test_incomplete_transcript_is_a_clear_error(
    load: Any, transcript_id: str, status: str
) -> None:
    with pytest.raises(TranscriptNotReadyError) as caught:
        load(SUPPORT, transcript_id, mode="text")
    assert transcript_id in str(caught.value)
    assert status in str(caught.value)


def test_skip_incomplete_skips_with_a_warning(
    load: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="aai_gateway"):
        docs = load(FAILED, SUPPORT, PROCESSING, mode="text", skip_incomplete=True)
    assert [d.metadata["transcript_id"] for d in docs] == [SUPPORT]
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert FAILED in warned
    assert PROCESSING in warned


def test_unknown_transcript_names_the_id(load: Any) -> None:
    with pytest.raises(TranscriptNotFoundError) as caught:
        load(UNKNOWN, mode="sentences")
    assert UNKNOWN in str(caught.value)


def test_concurrency_keeps_the_order_of_the_ids(load: Any, emulator: Any) -> None:
    ids = [DEBRIEF, SUPPORT, PLANNING]
    docs = load(*ids, mode="text", max_concurrency=3)
    assert [d.metadata["transcript_id"] for d in docs] == ids
    assert sorted(rest_paths(emulator)) == sorted(f"/v2/transcript/{i}" for i in ids)


def test_show_progress_draws_a_bar(
    load: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    load(SUPPORT, PLANNING, mode="text", show_progress=True)
    assert "Loading transcripts" in capsys.readouterr().err


def test_region_selects_the_rest_host_and_base_url_wins(loader_cls: Any) -> None:
    assert (
        loader_cls(region="eu").transcript_base_url == "https://api.eu.assemblyai.com"
    )
    assert loader_cls().transcript_base_url == "https://api.assemblyai.com"
    eu_with_root = loader_cls(region="eu", transcript_base_url="http://127.0.0.1:9/")
    assert eu_with_root.transcript_base_url == "http://127.0.0.1:9"


def test_eu_region_loads_from_the_eu_host(
    loader_cls: Any, mode: str, emulator_server: Any, emulator: Any
) -> None:
    hosts: list[str] = []
    sync, aio = forwarding_clients(emulator_server[1].rest_base_url, hosts)
    reader = loader_cls(
        [SUPPORT],
        mode="paragraphs",
        region="eu",
        api_key=TEST_KEY,
        http_client=sync,
        http_async_client=aio,
    )
    docs = collect(reader, mode)
    sync.close()
    assert docs[0].text.startswith(OPENING)
    assert hosts == ["api.eu.assemblyai.com"] * 2
    assert rest_paths(emulator) == [
        f"/v2/transcript/{SUPPORT}",
        f"/v2/transcript/{SUPPORT}/paragraphs",
    ]


def test_key_comes_from_the_environment(
    loader_cls: Any,
    mode: str,
    emulator_server: Any,
    emulator: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", TEST_KEY)
    reader = loader_cls(
        [SUPPORT], mode="text", transcript_base_url=emulator_server[1].rest_base_url
    )
    assert len(collect(reader, mode)) == 1
    assert emulator.requests[0].headers["authorization"] == TEST_KEY


def test_identified_speakers_name_the_sentences(
    load: Any, emulator_server: Any
) -> None:
    docs = load(
        PLANNING,
        mode="sentences",
        identify_speakers={"known_values": ["Dana", "Lee", "Sam"]},
        base_url=emulator_server[1].base_url,
    )
    lee = [d for d in docs if d.metadata["speaker"] == "B"]
    assert lee
    assert all(d.metadata["speaker_name"] == "Lee" for d in lee)
    assert all(d.text.startswith("Lee: ") for d in lee)
