"""`AssemblyAITranscriptReader` against the emulator's transcript API over real sockets."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from llama_index.core.schema import Document, MetadataMode

from aai_gateway import TranscriptDocument, transcript_ref
from aai_gateway.testing import MEETING_IDS
from aai_gateway.transcripts import CONTENT_MODES
from llama_index_aai_gateway import AssemblyAITranscriptReader
from llama_index_aai_gateway.readers import to_document
from tests.conftest import TEST_KEY

pytestmark = pytest.mark.e2e

SUPPORT = MEETING_IDS["support_call"]
PLANNING = MEETING_IDS["product_planning"]
DEBRIEF = MEETING_IDS["hiring_debrief"]
FAILED = MEETING_IDS["failed_upload"]
PROCESSING = MEETING_IDS["still_processing"]
UNKNOWN = "00000000-0000-4000-8000-000000000000"
AUDIO = "https://assembly.ai/meetings/support-call.mp3"
OPENING = "Thank you for calling Northwind support"

Load = Callable[..., list[Document]]


def collect(reader: AssemblyAITranscriptReader, mode: str) -> list[Document]:
    """All documents, through `lazy_load_data` or (in a fresh loop) `aload_data`."""
    if mode == "sync":
        return list(reader.lazy_load_data())
    return asyncio.run(reader.aload_data())


@pytest.fixture
def load(mode: str, emulator_server: Any, emulator: Any) -> Load:
    rest = emulator_server[1].rest_base_url

    def make(*ids: str, **options: Any) -> list[Document]:
        reader = AssemblyAITranscriptReader(
            list(ids) if ids else None,
            api_key=TEST_KEY,
            transcript_base_url=rest,
            **options,
        )
        return collect(reader, mode)

    return make


# -- reference mode --------------------------------------------------------------------


def test_reference_text_reaches_the_llm_with_short_metadata(load: Load) -> None:
    (doc,) = load(SUPPORT)
    assert doc.get_content(MetadataMode.LLM) == (
        f"transcript_id: {SUPPORT}\n"
        f"source: assemblyai:transcript/{SUPPORT}\n\n{transcript_ref(SUPPORT)}"
    )
    assert doc.get_content(MetadataMode.EMBED) == transcript_ref(SUPPORT)


# -- content modes ---------------------------------------------------------------------


def test_embeddings_and_the_llm_see_only_short_metadata(load: Load) -> None:
    doc = load(SUPPORT, mode="utterances")[0]
    assert doc.get_metadata_str(MetadataMode.EMBED) == "timestamp: 00:00\nspeaker: A"
    assert doc.get_metadata_str(MetadataMode.LLM) == (
        f"transcript_id: {SUPPORT}\ntimestamp: 00:00\nspeaker: A\n"
        f"source: {AUDIO}#t=0.32"
    )
    # Everything stays on the document itself (vector stores keep it all).
    assert doc.metadata["audio_url"] == AUDIO
    assert doc.metadata["confidence"] > 0


def test_a_multi_speaker_meeting_splits_into_speaker_turns(load: Load) -> None:
    docs = load(DEBRIEF, mode="utterances")
    assert len({d.metadata["speaker"] for d in docs}) >= 3
    assert [d.metadata["index"] for d in docs] == list(range(len(docs)))


# -- listing ---------------------------------------------------------------------------


# -- incomplete and unknown transcripts ------------------------------------------------


# -- hosts -----------------------------------------------------------------------------


# -- the four entry points agree, and agree with LangChain -----------------------------


def test_every_entry_point_gives_the_same_documents(emulator_server: Any) -> None:
    reader = AssemblyAITranscriptReader(
        [SUPPORT, PLANNING],
        mode="utterances",
        api_key=TEST_KEY,
        transcript_base_url=emulator_server[1].rest_base_url,
    )
    loaded = reader.load_data()
    assert list(reader.lazy_load_data()) == loaded
    assert asyncio.run(reader.aload_data()) == loaded
    assert asyncio.run(reader.alazy_load_data()) == loaded


@pytest.mark.parametrize(
    ("sync", "twin"),
    [("load_data", "aload_data"), ("lazy_load_data", "alazy_load_data")],
)
def test_every_sync_method_has_an_async_twin(sync: str, twin: str) -> None:
    def parameters(name: str) -> list[str]:
        return list(
            inspect.signature(getattr(AssemblyAITranscriptReader, name)).parameters
        )

    assert parameters(sync) == parameters(twin)
    assert inspect.iscoroutinefunction(getattr(AssemblyAITranscriptReader, twin))


def test_to_document_copies_and_does_not_mutate() -> None:
    metadata = {"transcript_id": "t-1", "mode": "text", "index": 0, "audio_url": "u"}
    core = TranscriptDocument(id="t-1:text:0", text="Hello.", metadata=metadata)
    document = to_document(core)
    document.metadata["extra"] = 1
    assert core.metadata == {
        "transcript_id": "t-1",
        "mode": "text",
        "index": 0,
        "audio_url": "u",
    }
    assert document.id_ == "t-1:text:0"
    assert document.excluded_embed_metadata_keys == [
        "audio_url",
        "index",
        "mode",
        "transcript_id",
    ]
    assert document.excluded_llm_metadata_keys == ["audio_url", "index", "mode"]


@pytest.mark.parametrize("content_mode", CONTENT_MODES)
def test_same_documents_as_the_langchain_loader(
    emulator_server: Any, content_mode: str
) -> None:
    loaders = pytest.importorskip("langchain_aai_gateway.document_loaders")
    options: dict[str, Any] = {
        "mode": content_mode,
        "api_key": TEST_KEY,
        "transcript_base_url": emulator_server[1].rest_base_url,
    }
    ours = AssemblyAITranscriptReader([DEBRIEF], **options).load_data()
    theirs = loaders.AssemblyAITranscriptLoader([DEBRIEF], **options).load()
    assert [(d.id_, d.text, d.metadata) for d in ours] == [
        (d.id, d.page_content, d.metadata) for d in theirs
    ]
