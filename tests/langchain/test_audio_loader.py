"""`AssemblyAITranscriptLoader(audio=...)`: recordings in, LangChain documents out.

An emulator of its own, over real sockets, keeps each new transcript queued for
50 ms and processing for 100 ms. Every behaviour runs through `lazy_load` and
`alazy_load`; the reference documents go on into a chain on the same emulator.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from aai_gateway.errors import TranscriptNotReadyError
from aai_gateway.testing import MEETING_AUDIO_URLS, EmulatorServer, GatewayEmulator
from langchain_aai_gateway import AssemblyAITranscriptLoader, ChatAssemblyAI
from tests._audio import fresh, transcribing_emulator
from tests.conftest import TEST_KEY
from tests.langchain.conftest import MODEL

pytestmark = pytest.mark.e2e

SUPPORT_URL = MEETING_AUDIO_URLS["support_call"]
HIRING_URL = MEETING_AUDIO_URLS["hiring_debrief"]
BROKEN_URL = "https://media.example.com/board/2026-q1.mp3"
BROKEN = "Transcoding failed: the file is not a supported audio or video format"
STANDUP = [("A", "Yesterday I fixed the login bug."), ("B", "I am on the invoices.")]

Make = Callable[..., AssemblyAITranscriptLoader]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[GatewayEmulator, EmulatorServer]]:
    with transcribing_emulator() as pair:
        yield pair


@pytest.fixture
def emu(served: tuple[GatewayEmulator, EmulatorServer]) -> GatewayEmulator:
    emulator = fresh(served[0])
    emulator.add_audio(BROKEN_URL, error=BROKEN)
    return emulator


@pytest.fixture
def standup(tmp_path: Path, emu: GatewayEmulator) -> str:
    data = b"ID3\x04standup-recording"
    (tmp_path / "standup.mp3").write_bytes(data)
    emu.add_audio(data, STANDUP)
    return str(tmp_path / "standup.mp3")


@pytest.fixture
def make(served: tuple[GatewayEmulator, EmulatorServer], emu: GatewayEmulator) -> Make:
    def build(audio: Any, **options: Any) -> AssemblyAITranscriptLoader:
        options.setdefault("poll_interval", 0.01)
        return AssemblyAITranscriptLoader(
            audio=audio,
            api_key=TEST_KEY,
            transcript_base_url=served[1].rest_base_url,
            **options,
        )

    return build


def documents(loader: AssemblyAITranscriptLoader, mode: str) -> list[Document]:
    if mode == "sync":
        return list(loader.lazy_load())

    async def collect() -> list[Document]:
        return [doc async for doc in loader.alazy_load()]

    return asyncio.run(collect())


def posted(emu: GatewayEmulator) -> list[str]:
    return sorted(r.path for r in emu.requests if r.method == "POST")


def test_a_file_and_a_url_in_sentences(
    make: Make, standup: str, emu: GatewayEmulator, mode: str
) -> None:
    loader = make(
        [standup, SUPPORT_URL],
        mode="sentences",
        language_detection=True,
        config={"speaker_labels": True, "format_text": True},
    )
    docs = documents(loader, mode)
    assert [d.page_content for d in docs[:2]] == [text for _, text in STANDUP]
    assert docs[2].page_content.startswith("Thank you for calling Northwind support")
    ids = loader.created_transcript_ids
    assert docs[0].id == f"{ids[standup]}:sentences:0"
    assert posted(emu) == ["/v2/transcript", "/v2/transcript", "/v2/upload"]
    for body in (r.json for r in emu.requests if r.path == "/v2/transcript"):
        assert body["language_detection"] is True
        assert body["speaker_labels"] is True
    assert docs[0].metadata["language_code"] == "en"  # as detected


def test_many_at_once_with_a_progress_bar_and_the_ids_logged(
    make: Make,
    standup: str,
    mode: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    loader = make(
        [SUPPORT_URL, standup, HIRING_URL], max_concurrency=3, show_progress=True
    )
    with caplog.at_level(logging.INFO, logger="aai_gateway"):
        docs = documents(loader, mode)
    ids = loader.created_transcript_ids
    assert [d.metadata["transcript_id"] for d in docs] == [
        ids[SUPPORT_URL],
        ids[standup],
        ids[HIRING_URL],
    ]
    for audio, transcript_id in ids.items():
        assert f"transcript {transcript_id} created for {audio}" in caplog.text
    assert "Transcribing" in capsys.readouterr().err


def test_a_new_recording_enters_a_chain_by_reference(
    make: Make,
    standup: str,
    emu: GatewayEmulator,
    served: tuple[GatewayEmulator, EmulatorServer],
    mode: str,
) -> None:
    (doc,) = documents(make(standup), mode)
    transcript_id = doc.metadata["transcript_id"]
    llm = ChatAssemblyAI(
        model=MODEL,
        api_key=TEST_KEY,
        base_url=served[1].base_url,
        transcript_base_url=served[1].rest_base_url,
    )
    prompt = ChatPromptTemplate.from_messages(
        [("human", "{meeting}\n\nWho fixed the login bug?")]
    )
    answer = (prompt | llm | StrOutputParser()).invoke({"meeting": doc.page_content})
    # The emulator quotes the transcript it injected: the new meeting's text.
    assert answer.startswith(STANDUP[0][1])
    (chat,) = [r.json for r in emu.requests if r.path == "/v1/chat/completions"]
    assert chat["transcript_id"] == transcript_id
    suffixes = {
        r.path.removeprefix(f"/v2/transcript/{transcript_id}")
        for r in emu.requests
        if r.method == "GET"
    }
    assert suffixes == {""}  # status checks only: no text, sentences or subtitles


def test_a_failed_transcription_raises_the_server_text(
    make: Make, standup: str, mode: str
) -> None:
    with pytest.raises(TranscriptNotReadyError, match=BROKEN) as caught:
        documents(make([standup, BROKEN_URL], mode="text"), mode)
    assert type(caught.value).__name__ == "TranscriptionError"
    assert caught.value.error == BROKEN


def test_a_failed_transcription_is_skipped_with_a_warning(
    make: Make, standup: str, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    loader = make([BROKEN_URL, standup], mode="text", skip_incomplete=True)
    with caplog.at_level(logging.WARNING, logger="aai_gateway"):
        docs = documents(loader, mode)
    assert [d.metadata["transcript_id"] for d in docs] == [
        loader.created_transcript_ids[standup]
    ]
    assert f"skipping {BROKEN_URL}" in caplog.text
    assert BROKEN in caplog.text


class Killed(Exception):
    """The process dies after the transcripts exist, before the documents are used."""


def use_then_die(loader: AssemblyAITranscriptLoader, mode: str) -> None:
    for _ in loader.lazy_load() if mode == "sync" else documents(loader, mode):
        raise Killed


def test_a_kill_after_transcription_costs_no_second_transcription(
    make: Make, standup: str, emu: GatewayEmulator, mode: str, tmp_path: Path
) -> None:
    journal = tmp_path / "created.json"

    def remember(audio: str, transcript_id: str) -> None:
        known = json.loads(journal.read_text()) if journal.exists() else {}
        journal.write_text(json.dumps({**known, audio: transcript_id}))

    audio = [standup, SUPPORT_URL]
    first = make(audio, mode="text", on_transcript_created=remember)
    with pytest.raises(Killed):
        use_then_die(first, mode)
    emu.clear_requests()
    # A new process reads the journal and passes the ids back.
    again = make(
        audio, mode="text", reuse_transcript_ids=json.loads(journal.read_text())
    )
    docs = documents(again, mode)
    assert again.created_transcript_ids == first.created_transcript_ids
    assert docs[0].page_content == " ".join(text for _, text in STANDUP)
    assert posted(emu) == []


def test_past_the_deadline_the_error_names_the_pending_ids_and_resumes(
    make: Make, standup: str, emu: GatewayEmulator, mode: str
) -> None:
    loader = make([standup, SUPPORT_URL], transcription_timeout=0.02)
    with pytest.raises(TimeoutError) as caught:
        documents(loader, mode)
    created = loader.created_transcript_ids
    assert set(caught.value.pending) == set(created.values())  # type: ignore[attr-defined]
    assert all(i in str(caught.value) for i in created.values())
    emu.clear_requests()
    resumed = make(
        [standup, SUPPORT_URL],
        reuse_transcript_ids=caught.value.created,  # type: ignore[attr-defined]
    )
    assert len(documents(resumed, mode)) == 2
    assert posted(emu) == []


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"language_detection": "yes"}, TypeError, r"`language_detection` must be"),
        ({"config": {"speakers": 2}}, TypeError, r"config\['speakers'\]"),
        ({"transcription_timeout": -5}, ValueError, r"`transcription_timeout`"),
        ({"reuse_transcript_ids": {"other.mp3": "x1"}}, ValueError, r"other\.mp3"),
        ({"speech_model": ["universal-2"]}, TypeError, r"`speech_model` must be"),
    ],
)
def test_bad_options_are_refused_before_any_request(
    make: Make,
    standup: str,
    emu: GatewayEmulator,
    options: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        make(standup, **options)
    assert emu.requests == []


def test_the_sdk_config_of_the_community_loader_is_taken(
    make: Make, standup: str, emu: GatewayEmulator
) -> None:
    aai = pytest.importorskip("assemblyai")
    config = aai.TranscriptionConfig(speaker_labels=True, speakers_expected=2)
    loader = make(standup, config=config, mode="utterances")
    assert [d.metadata["speaker"] for d in loader.load()] == ["A", "B"]
    (body,) = [r.json for r in emu.requests if r.path == "/v2/transcript"]
    assert (body["speaker_labels"], body["speakers_expected"]) == (True, 2)
