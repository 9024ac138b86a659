"""`AssemblyAITranscriptReader(audio=...)`: files and URLs transcribed, then read.

Against an emulator of its own over real sockets, whose transcripts are queued
for 50 ms and processing for 100 ms, so every load really waits; sync
(`lazy_load_data`) and async (`aload_data`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from llama_index.core.schema import Document, MetadataMode

from aai_gateway import transcript_ref
from aai_gateway.errors import TranscriptNotReadyError
from aai_gateway.testing import MEETING_AUDIO_URLS, EmulatorServer, GatewayEmulator
from llama_index_aai_gateway import AssemblyAITranscriptReader
from tests._audio import fresh, transcribing_emulator
from tests.conftest import TEST_KEY

pytestmark = pytest.mark.e2e

SUPPORT_URL = MEETING_AUDIO_URLS["support_call"]
PLANNING_URL = MEETING_AUDIO_URLS["product_planning"]
MISSING_URL = "https://example.com/recordings/lost.mp3"
INTERVIEW = [("A", "Tell me about your last project."), ("B", "I led the migration.")]
RETRO = [("A", "What went well?"), ("B", "The tests."), ("C", "Agreed.")]

Read = Callable[..., list[Document]]


class Killed(Exception):
    """Stands for the process dying once its transcripts exist."""


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[GatewayEmulator, EmulatorServer]]:
    with transcribing_emulator() as pair:
        yield pair


@pytest.fixture
def emu(served: tuple[GatewayEmulator, EmulatorServer]) -> GatewayEmulator:
    return fresh(served[0])


@pytest.fixture
def files(tmp_path: Path, emu: GatewayEmulator) -> list[str]:
    """Two recordings on disk, with what the emulator hears in each."""
    made = []
    for name, utterances in (("interview.wav", INTERVIEW), ("retro.m4a", RETRO)):
        data = f"RIFF {name}".encode()
        (tmp_path / name).write_bytes(data)
        emu.add_audio(data, utterances)
        made.append(str(tmp_path / name))
    return made


@pytest.fixture
def reader(
    served: tuple[GatewayEmulator, EmulatorServer],
) -> Callable[..., AssemblyAITranscriptReader]:
    def make(audio: Any, **options: Any) -> AssemblyAITranscriptReader:
        return AssemblyAITranscriptReader(
            audio=audio,
            api_key=TEST_KEY,
            transcript_base_url=served[1].rest_base_url,
            **{"poll_interval": 0.01, **options},
        )

    return make


def load_all(made: AssemblyAITranscriptReader, mode: str) -> list[Document]:
    if mode == "sync":
        return list(made.lazy_load_data())
    return asyncio.run(made.aload_data())


@pytest.fixture
def read(mode: str, reader: Callable[..., AssemblyAITranscriptReader]) -> Read:
    return lambda audio, **options: load_all(reader(audio, **options), mode)


def submitted(emu: GatewayEmulator) -> list[str]:
    return [r.path for r in emu.requests if r.method == "POST"]


def test_a_local_file_and_a_url_become_speaker_turns(
    read: Read, files: list[str], emu: GatewayEmulator
) -> None:
    docs = read(
        [files[0], SUPPORT_URL],
        mode="utterances",
        speaker_labels=True,
        speakers_expected=1,
    )
    # `speakers_expected=1` reached the server: each recording is one turn of A.
    assert len(docs) == 2
    assert docs[0].text == " ".join(text for _, text in INTERVIEW)
    assert docs[1].text.startswith("Thank you for calling Northwind support")
    assert {d.metadata["speaker"] for d in docs} == {"A"}
    assert (
        docs[0].get_metadata_str(MetadataMode.EMBED) == "timestamp: 00:00\nspeaker: A"
    )
    assert docs[-1].metadata["audio_url"] == SUPPORT_URL
    assert sorted(submitted(emu)) == ["/v2/transcript"] * 2 + ["/v2/upload"]


def test_several_files_at_once_keep_the_audio_order(
    read: Read, files: list[str], emu: GatewayEmulator
) -> None:
    audio = [files[1], PLANNING_URL, files[0], SUPPORT_URL]
    docs = read(audio, mode="text", max_concurrency=2, language_code="en")
    assert len(docs) == 4
    assert docs[0].text == " ".join(text for _, text in RETRO)
    assert docs[2].text == " ".join(text for _, text in INTERVIEW)
    assert [d.metadata["audio_url"] for d in docs[1::2]] == [PLANNING_URL, SUPPORT_URL]
    bodies = [r.json for r in emu.requests if r.path == "/v2/transcript"]
    assert [b["language_code"] for b in bodies] == ["en"] * 4
    assert submitted(emu).count("/v2/upload") == 2


def test_reference_documents_download_no_text(
    read: Read, files: list[str], emu: GatewayEmulator
) -> None:
    (doc,) = read(files[0])
    transcript_id = doc.metadata["transcript_id"]
    assert doc.text == transcript_ref(transcript_id)
    assert doc.get_content(MetadataMode.EMBED) == transcript_ref(transcript_id)
    fetched = {r.path for r in emu.requests if r.method == "GET"}
    assert fetched == {f"/v2/transcript/{transcript_id}"}


def test_a_failed_transcription_raises_with_the_server_text(
    read: Read, files: list[str]
) -> None:
    with pytest.raises(TranscriptNotReadyError) as caught:
        read([files[0], MISSING_URL], mode="text")
    assert type(caught.value).__name__ == "TranscriptionError"
    assert f"unable to download {MISSING_URL}" in str(caught.value)
    assert caught.value.status == "error"


def test_a_failed_transcription_is_skipped_when_asked(
    read: Read, files: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="aai_gateway"):
        docs = read([MISSING_URL, files[0]], mode="text", skip_incomplete=True)
    assert [d.text for d in docs] == [" ".join(text for _, text in INTERVIEW)]
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert MISSING_URL in warning.getMessage()
    assert "unable to download" in warning.getMessage()


def test_after_a_kill_the_created_ids_are_reused(
    mode: str,
    reader: Callable[..., AssemblyAITranscriptReader],
    read: Read,
    files: list[str],
    emu: GatewayEmulator,
) -> None:
    journal: dict[str, str] = {}

    def record(audio: str, transcript_id: str) -> None:
        journal[audio] = transcript_id
        raise Killed

    first = reader([*files, SUPPORT_URL], on_transcript_created=record)
    with pytest.raises(Killed):
        load_all(first, mode)
    assert journal == first.created_transcript_ids
    assert set(journal) == {*files, SUPPORT_URL}
    emu.clear_requests()
    docs = read([*files, SUPPORT_URL], mode="text", reuse_transcript_ids=journal)
    assert [d.metadata["transcript_id"] for d in docs] == [
        journal[a] for a in [*files, SUPPORT_URL]
    ]
    assert submitted(emu) == []  # no second upload, no second transcription


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"speakers_expected": "2"}, TypeError, r"`speakers_expected` must be"),
        ({"config": {"dual_channel": True}}, TypeError, r"config\['dual_channel'\]"),
        ({"poll_interval": 0}, ValueError, r"`poll_interval`"),
        ({"mode": "words"}, ValueError, r"mode"),
    ],
)
def test_bad_options_fail_before_any_request(
    reader: Callable[..., AssemblyAITranscriptReader],
    files: list[str],
    emu: GatewayEmulator,
    options: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        reader(files, **options)
    assert emu.requests == []


def test_audio_needs_no_ids_and_options_need_audio(files: list[str]) -> None:
    with pytest.raises(FileNotFoundError, match=r"nowhere\.wav"):
        AssemblyAITranscriptReader(audio="nowhere.wav", api_key=TEST_KEY)
    with pytest.raises(TypeError, match="not both"):
        AssemblyAITranscriptReader(["abc"], audio=files, api_key=TEST_KEY)
    with pytest.raises(TypeError, match="speaker_labels only apply with `audio`"):
        AssemblyAITranscriptReader(["abc"], speaker_labels=True, api_key=TEST_KEY)


def test_the_deadline_names_what_is_still_pending(
    reader: Callable[..., AssemblyAITranscriptReader], files: list[str], mode: str
) -> None:
    made = reader(files, transcription_timeout=0.02)
    with pytest.raises(TimeoutError) as caught:
        load_all(made, mode)
    for transcript_id in made.created_transcript_ids.values():
        assert transcript_id in str(caught.value)
    assert "reuse_transcript_ids" in str(caught.value)
