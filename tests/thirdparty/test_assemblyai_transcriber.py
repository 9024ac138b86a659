"""The official `assemblyai` SDK's `Transcriber` on the emulator's transcript API.

Audio in (upload, submit, poll) is checked against our own loader elsewhere; this is
the same emulator driven by the client AssemblyAI's users already have, so the
upload and transcript endpoints agree with a client that is not ours. The SDK is
pointed at the emulator with `Settings(base_url=...)`, as its users point it at a
proxy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("assemblyai", reason="assemblyai>=1.8.2 not installed")

import assemblyai as aai

from aai_gateway.testing import EmulatorServer, GatewayEmulator
from tests.thirdparty.conftest import TEST_KEY

pytestmark = pytest.mark.e2e

SPOKEN = [("A", "Welcome to the launch review."), ("B", "The beta ships on Friday.")]


@pytest.fixture
def transcriber(server: EmulatorServer) -> Iterator[aai.Transcriber]:
    settings = aai.Settings(
        api_key=TEST_KEY, base_url=server.url, polling_interval=0.05
    )
    client = aai.Client(settings=settings)
    yield aai.Transcriber(client=client)
    client.http_client.close()


def _config() -> aai.TranscriptionConfig:
    config = aai.TranscriptionConfig(speaker_labels=True)
    # The SDK 1.8.2 has no field for the plural the API now requires.
    config.raw.speech_models = ["universal-2"]  # type: ignore[attr-defined]
    return config


def test_a_local_file_is_uploaded_transcribed_and_polled_to_completion(
    transcriber: aai.Transcriber, emu: GatewayEmulator, tmp_path: Path
) -> None:
    audio = b"RIFF-not-really-audio-but-bytes"
    emu.add_audio(audio, SPOKEN)
    recording = tmp_path / "review.wav"
    recording.write_bytes(audio)

    transcript = transcriber.transcribe(str(recording), _config())

    assert transcript.status == aai.TranscriptStatus.completed, transcript.error
    assert transcript.text == " ".join(text for _, text in SPOKEN)
    assert [u.speaker for u in transcript.utterances or []] == ["A", "B"]
    paths = [(r.method, r.path) for r in emu.requests]
    assert paths[:2] == [("POST", "/v2/upload"), ("POST", "/v2/transcript")]
    assert ("GET", f"/v2/transcript/{transcript.id}") in paths
    upload = next(r for r in emu.requests if r.path == "/v2/upload")
    assert upload.body == audio
    assert transcript.id in emu.transcripts


def test_a_url_that_fails_ends_in_error_with_the_servers_words(
    transcriber: aai.Transcriber, emu: GatewayEmulator
) -> None:
    url = "https://audio.example/broken.mp3"
    emu.add_audio(url, error="Audio file could not be decoded")

    transcript = transcriber.transcribe(url, _config())

    assert transcript.status == aai.TranscriptStatus.error
    assert transcript.error == "Audio file could not be decoded"
    assert not any(r.path == "/v2/upload" for r in emu.requests)
