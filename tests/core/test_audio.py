"""Audio in (`aai_gateway._transcripts._audio`): checks, decisions and both shells.

The checks and the run's decisions are pure and tested directly (a fake clock for
the backoff and the deadline); the shells run against the emulator over real
sockets (`POST /v2/upload`, `POST /v2/transcript`, its queued -> processing ->
completed job), and against `httpx.MockTransport` where a test must see how many
requests are in flight at once.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import pickle
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from aai_gateway import AsyncGatewayClient, GatewayClient
from aai_gateway._transcripts._audio import (
    DEFAULT_SPEECH_MODELS,
    AudioSource,
    TranscriptionPlan,
    TranscriptionRun,
    atranscribe,
    plan_transcription,
    transcribe,
)
from aai_gateway._transcripts._rest_types import Transcript
from aai_gateway.errors import (
    TranscriptionError,
    TranscriptionTimeoutError,
    TranscriptNotReadyError,
)
from aai_gateway.testing import MEETING_AUDIO_URLS, EmulatorServer, GatewayEmulator
from aai_gateway.transcripts import TranscriptDocumentLoader
from tests._audio import fresh, transcribing_emulator
from tests.conftest import FAST_RETRIES, TEST_KEY

pytestmark = pytest.mark.e2e

SUPPORT_URL = MEETING_AUDIO_URLS["support_call"]
UNKNOWN_URL = "https://example.com/missing.mp3"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt standup"
STANDUP = [("A", "Morning everyone."), ("B", "The release ships on Friday.")]
FAST = {"poll_interval": 0.01}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[GatewayEmulator, EmulatorServer]]:
    with transcribing_emulator() as pair:
        yield pair


@pytest.fixture
def emu(served: tuple[GatewayEmulator, EmulatorServer]) -> GatewayEmulator:
    emulator = fresh(served[0])
    emulator.add_audio(WAV, STANDUP)
    return emulator


@pytest.fixture
def rest(served: tuple[GatewayEmulator, EmulatorServer], emu: GatewayEmulator) -> str:
    return served[1].rest_base_url


@pytest.fixture
def wav(tmp_path: Path) -> str:
    path = tmp_path / "standup.wav"
    path.write_bytes(WAV)
    return str(path)


def posts(emulator: GatewayEmulator) -> list[str]:
    return [r.path for r in emulator.requests if r.method == "POST"]


def load(loader: TranscriptDocumentLoader, mode: str) -> list[Any]:
    if mode == "sync":
        try:
            return list(loader.iter_documents())
        finally:
            loader.close()

    async def run() -> list[Any]:
        try:
            return [d async for d in loader.aiter_documents()]
        finally:
            await loader.aclose()

    return asyncio.run(run())


def loader_for(rest: str, audio: Any, **options: Any) -> TranscriptDocumentLoader:
    core = {
        k: options.pop(k)
        for k in ("mode", "skip_incomplete", "max_concurrency", "show_progress")
        if k in options
    }
    return TranscriptDocumentLoader(
        audio=audio,
        transcription={**FAST, **options},  # type: ignore[typeddict-item]
        api_key=TEST_KEY,
        transcript_base_url=rest,
        retry_policy=FAST_RETRIES,
        **core,
    )


# -- checks before any request ---------------------------------------------------------


def plan(audio: Any = SUPPORT_URL, **options: Any) -> TranscriptionPlan:
    return plan_transcription(audio, options)  # type: ignore[arg-type]


def test_flat_options_and_config_make_the_rest_body() -> None:
    made = plan(
        speaker_labels=True,
        speakers_expected=2,
        language_code="de",
        speech_model="universal-2",
        config={"punctuate": False, "keyterms_prompt": ("Northwind",)},
    )
    assert made.params == {
        "punctuate": False,
        "keyterms_prompt": ["Northwind"],
        "speaker_labels": True,
        "speakers_expected": 2,
        "language_code": "de",
        "speech_models": ["universal-2"],
    }


def test_speech_models_default_when_none_is_named() -> None:
    assert plan().params == {"speech_models": list(DEFAULT_SPEECH_MODELS)}
    assert plan(config={"speech_models": ["universal-3-pro"]}).params == {
        "speech_models": ["universal-3-pro"]
    }


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        (
            {"speakers_expected": "two"},
            TypeError,
            r"`speakers_expected` must be a whole",
        ),
        ({"speaker_labels": 1}, TypeError, r"`speaker_labels` must be True or False"),
        ({"language_code": 7}, TypeError, r"`language_code` must be a string"),
        (
            {"config": {"speaker_label": True}},
            TypeError,
            r"`config\['speaker_label'\]` is not a transcription option.*"
            r"did you mean `speaker_labels`",
        ),
        (
            {"config": {"speech_threshold": 2}},
            ValueError,
            r"`config\['speech_threshold'\]` must be a number from 0 to 1",
        ),
        (
            {"config": {"content_safety_confidence": 5}},
            ValueError,
            r"from 25 to 100",
        ),
        ({"config": {"audio_url": SUPPORT_URL}}, TypeError, r"comes from `audio`"),
        ({"config": ["speaker_labels"]}, TypeError, r"`config` must be a mapping"),
        (
            {"speaker_labels": True, "config": {"speaker_labels": False}},
            TypeError,
            r"`speaker_labels` is given twice",
        ),
        (
            {"speech_model": "universal-2", "config": {"speech_models": ["x"]}},
            TypeError,
            r"`speech_model` or `speech_models`",
        ),
        ({"transcription_timeout": 0}, ValueError, r"`transcription_timeout`"),
        ({"poll_interval": -1}, ValueError, r"`poll_interval`"),
        ({"on_transcript_created": "print"}, TypeError, r"`on_transcript_created`"),
        ({"speaker_lables": True}, TypeError, r"unknown transcription option"),
        (
            {"reuse_transcript_ids": {"other.mp3": "abc"}},
            ValueError,
            r"`reuse_transcript_ids` names 'other.mp3', which is not in `audio`",
        ),
        (
            {"reuse_transcript_ids": {SUPPORT_URL: "not an id!"}},
            ValueError,
            r"`reuse_transcript_ids` must be a transcript id",
        ),
    ],
)
def test_bad_options_are_named(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        plan(**options)


def test_a_webhook_secret_never_reaches_a_message() -> None:
    with pytest.raises(TypeError) as caught:
        plan(config={"webhook_auth_header_value": 123456789})
    assert "webhook_auth_header_value" in str(caught.value)
    assert "123456789" not in str(caught.value)


@pytest.mark.parametrize(
    ("audio", "error", "message"),
    [
        ("no/such/file.mp3", FileNotFoundError, r"'no/such/file.mp3' is not a file"),
        ([], ValueError, r"`audio` is empty"),
        ([SUPPORT_URL, SUPPORT_URL], ValueError, r"names .* twice"),
        (b"RIFF", TypeError, r"`audio` must be a file path"),
        ([42], TypeError, r"`audio` takes file paths and http\(s\) URLs, got int"),
        ("https://", ValueError, r"no host"),
    ],
)
def test_bad_audio_is_refused(audio: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        plan(audio)


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        plan(str(tmp_path / "empty.wav"))


def test_paths_and_urls_keep_their_spelling(wav: str) -> None:
    made = plan([Path(wav), SUPPORT_URL])
    assert made.sources == (AudioSource(wav), AudioSource(SUPPORT_URL, SUPPORT_URL))


def test_the_sdk_transcription_config_is_read() -> None:
    aai = pytest.importorskip("assemblyai")
    config = aai.TranscriptionConfig(
        speaker_labels=True, speech_model=aai.SpeechModel.universal, language_code="en"
    )
    assert plan(config=config).params == {
        "language_code": "en",
        "speaker_labels": True,
        "speech_models": ["universal"],
    }


def test_a_signed_url_is_shown_without_its_query() -> None:
    url = "https://s3.test/a.mp3?X-Signature=s3cr3t"
    source = AudioSource(url, url)
    assert source.shown == "https://s3.test/a.mp3"


# -- the run's decisions (pure) --------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def transcript(status: str, transcript_id: str = "t1", **fields: Any) -> Transcript:
    return Transcript(id=transcript_id, status=status, **fields)


def test_waits_grow_from_the_poll_interval_to_the_cap() -> None:
    run = TranscriptionRun(plan(poll_interval=1.0), clock=Clock())
    waits = [run.next_wait() for _ in range(9)]
    assert waits == pytest.approx([0, 1, 1.5, 2.25, 3.375, 5.0625, 7.59375, 10, 10])


def test_the_deadline_shortens_the_last_wait_then_names_the_pending() -> None:
    clock = Clock()
    source = AudioSource("https://a.test/x.mp3?sig=1", "https://a.test/x.mp3?sig=1")
    made = TranscriptionPlan((source,), {}, timeout=5.0, poll_interval=4.0)
    run = TranscriptionRun(made, clock=clock)
    run.submitted(source, transcript("queued"))
    assert run.next_wait() == 0
    clock.now = 3.0
    assert run.next_wait() == 2.0  # 4 s asked, 2 s left
    clock.now = 5.0
    with pytest.raises(TranscriptionTimeoutError) as caught:
        run.next_wait()
    error = caught.value
    assert error.pending == {"t1": "https://a.test/x.mp3"}
    assert error.created == {source.key: "t1"}
    assert "within 5 s" in str(error)
    assert "'t1' (https://a.test/x.mp3)" in str(error)
    assert "sig=1" not in str(error)
    assert isinstance(error, TimeoutError)
    assert pickle.loads(pickle.dumps(error)).pending == error.pending


def test_a_failed_transcription_raises_with_the_server_text() -> None:
    run = TranscriptionRun(plan(), clock=Clock())
    source = run.plan.sources[0]
    assert run.submitted(source, transcript("processing")) == 0
    with pytest.raises(TranscriptionError) as caught:
        run.observe(transcript("error", error="Audio file has no speech"))
    error = caught.value
    assert isinstance(error, TranscriptNotReadyError)
    assert (error.transcript_id, error.status, error.source) == (
        "t1",
        "error",
        source.shown,
    )
    assert "failed: Audio file has no speech" in str(error)
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


def test_a_failed_transcription_is_skipped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    run = TranscriptionRun(plan(), skip_failed=True, clock=Clock())
    run.submitted(run.plan.sources[0], transcript("queued"))
    with caplog.at_level(logging.WARNING, logger="aai_gateway"):
        assert run.observe(transcript("error", error="Audio file has no speech")) == 1
    assert "Audio file has no speech" in caplog.text
    assert run.pending == []
    assert run.results() == []


def test_created_ids_are_recorded_called_back_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[tuple[str, str]] = []
    created: dict[str, str] = {}
    made = plan(on_transcript_created=lambda *pair: seen.append(pair))
    run = TranscriptionRun(made, created=created, clock=Clock())
    with caplog.at_level(logging.INFO, logger="aai_gateway"):
        run.submitted(made.sources[0], transcript("queued", "t9"))
    assert created == {SUPPORT_URL: "t9"}
    assert seen == [(SUPPORT_URL, "t9")]
    assert "transcript t9 created for" in caplog.text
    assert run.to_submit() == []
    assert run.pending == ["t9"]


def test_reused_ids_are_waited_for_not_submitted() -> None:
    made = plan(reuse_transcript_ids={SUPPORT_URL: "t3"})
    run = TranscriptionRun(made, clock=Clock())
    assert run.to_submit() == []
    assert run.pending == ["t3"]
    assert run.observe(transcript("completed", "t3")) == 1
    assert [t.id for t in run.results()] == ["t3"]


# -- the client methods ----------------------------------------------------------------


@pytest.fixture
def clients(rest: str) -> Iterator[tuple[GatewayClient, AsyncGatewayClient]]:
    options = {"api_key": TEST_KEY, "transcript_base_url": rest}
    with GatewayClient(**options) as sync_client:
        yield sync_client, AsyncGatewayClient(**options)


def test_upload_and_submit(
    mode: str, emu: GatewayEmulator, clients: tuple[GatewayClient, AsyncGatewayClient]
) -> None:
    sync_client, async_client = clients
    if mode == "sync":
        url = sync_client.upload_audio(WAV)
        made = sync_client.submit_transcript(url, speaker_labels=True)
    else:

        async def run() -> Transcript:
            try:
                url = await async_client.aupload_audio(WAV)
                return await async_client.asubmit_transcript(url, speaker_labels=True)
            finally:
                await async_client.aclose()

        made = asyncio.run(run())
    assert made.status in ("queued", "processing")
    upload, submit = (r for r in emu.requests if r.method == "POST")
    assert upload.headers["content-type"] == "application/octet-stream"
    assert upload.body == WAV
    assert submit.json == {
        "audio_url": made.audio_url,
        "speaker_labels": True,
        "speech_models": list(DEFAULT_SPEECH_MODELS),
    }
    assert (
        emu.complete_transcript(made.id)["text"]
        == "Morning everyone. The release ships on Friday."
    )


def test_submit_refuses_a_bad_option_before_sending(
    emu: GatewayEmulator, clients: tuple[GatewayClient, AsyncGatewayClient]
) -> None:
    with pytest.raises(TypeError, match="did you mean `speakers_expected`"):
        clients[0].submit_transcript(SUPPORT_URL, speaker_expected=2)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="`audio_url` must be an http"):
        clients[0].submit_transcript("file:///a.mp3")
    with pytest.raises(ValueError, match="`data` is empty"):
        clients[0].upload_audio(b"")
    assert emu.requests == []


# -- the shells, over real sockets -----------------------------------------------------


def test_a_file_and_a_url_are_transcribed_then_loaded(
    mode: str, emu: GatewayEmulator, rest: str, wav: str
) -> None:
    loader = loader_for(
        rest, [wav, SUPPORT_URL], mode="utterances", speaker_labels=True
    )
    docs = load(loader, mode)
    ids = loader.created_transcript_ids
    assert set(ids) == {wav, SUPPORT_URL}
    assert [d.text for d in docs[:2]] == [text for _, text in STANDUP]
    assert docs[0].metadata["transcript_id"] == ids[wav]
    assert docs[-1].metadata["transcript_id"] == ids[SUPPORT_URL]
    assert sorted(posts(emu)) == ["/v2/transcript", "/v2/transcript", "/v2/upload"]
    bodies = [r.json for r in emu.requests if r.path == "/v2/transcript"]
    assert all(b["speaker_labels"] is True for b in bodies)
    assert {b["audio_url"] for b in bodies} >= {SUPPORT_URL}
    # The jobs went through their states: more than one status check each.
    assert len([r for r in emu.requests if r.method == "GET"]) > 2


def test_reference_mode_fetches_nothing_after_completion(
    mode: str, emu: GatewayEmulator, rest: str, wav: str
) -> None:
    loader = loader_for(rest, wav)
    (doc,) = load(loader, mode)
    transcript_id = loader.created_transcript_ids[wav]
    assert doc.id == f"{transcript_id}:reference:0"
    suffixes = {
        r.path.removeprefix(f"/v2/transcript/{transcript_id}")
        for r in emu.requests
        if r.method == "GET"
    }
    assert suffixes == {""}  # status checks only: no sentences, subtitles, ...
    assert emu.transcripts[transcript_id]["status"] == "completed"


def test_the_created_callback_is_never_called_twice_at_once(
    mode: str, emu: GatewayEmulator, rest: str, tmp_path: Path
) -> None:
    urls = [f"https://audio.example/call-{n}.mp3" for n in range(4)]
    for url in urls:
        emu.add_audio(url, STANDUP)
    inside, overlaps, seen = [0], [0], {}

    def record(audio: str, transcript_id: str) -> None:
        inside[0] += 1
        overlaps[0] += inside[0] > 1
        time.sleep(0.02)  # wide enough for a second worker to arrive
        seen[audio] = transcript_id
        inside[0] -= 1

    loader = loader_for(
        rest, urls, mode="text", max_concurrency=4, on_transcript_created=record
    )
    load(loader, mode)
    assert seen == loader.created_transcript_ids
    assert overlaps[0] == 0


def test_loading_again_reuses_the_transcripts(
    mode: str, emu: GatewayEmulator, rest: str, wav: str
) -> None:
    loader = loader_for(rest, wav, mode="text")
    first = load(loader, mode)
    emu.clear_requests()
    assert load(loader, mode) == first
    assert posts(emu) == []


def test_a_failed_transcription_raises_or_is_skipped(
    mode: str, emu: GatewayEmulator, rest: str, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(TranscriptionError, match="Download error, unable to download"):
        load(loader_for(rest, [SUPPORT_URL, UNKNOWN_URL], mode="text"), mode)
    with caplog.at_level(logging.WARNING, logger="aai_gateway"):
        loader = loader_for(
            rest, [UNKNOWN_URL, SUPPORT_URL], mode="text", skip_incomplete=True
        )
        docs = load(loader, mode)
    assert [d.metadata["transcript_id"] for d in docs] == [
        loader.created_transcript_ids[SUPPORT_URL]
    ]
    assert f"skipping {UNKNOWN_URL}" in caplog.text
    assert "Download error" in caplog.text


def test_the_deadline_names_the_pending_ids(
    mode: str, emu: GatewayEmulator, rest: str, wav: str
) -> None:
    loader = loader_for(rest, [wav, SUPPORT_URL], transcription_timeout=0.02)
    with pytest.raises(TranscriptionTimeoutError) as caught:
        load(loader, mode)
    created = loader.created_transcript_ids
    assert caught.value.created == created
    assert set(caught.value.pending) == set(created.values())
    for transcript_id in created.values():
        assert transcript_id in str(caught.value)


def test_a_progress_bar_counts_the_files(
    mode: str,
    emu: GatewayEmulator,
    rest: str,
    wav: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    load(loader_for(rest, [wav, SUPPORT_URL], show_progress=True), mode)
    err = capsys.readouterr().err
    assert "Transcribing" in err
    assert "2/2" in err


# -- bounded concurrency ---------------------------------------------------------------


class InFlight:
    """A fake REST API that counts how many requests it holds at once."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0
        self.lock = threading.Lock()

    def enter(self) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def leave(self) -> None:
        with self.lock:
            self.now -= 1

    @staticmethod
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            body = json.loads(request.content)
            made = {"id": str(uuid.uuid4()), "status": "queued", **body}
            return httpx.Response(200, json=made)
        transcript_id = request.url.path.rsplit("/", 1)[1]
        return httpx.Response(200, json={"id": transcript_id, "status": "completed"})


def test_at_most_max_concurrency_requests_at_once(mode: str) -> None:
    fake = InFlight()
    urls = [f"https://audio.test/{n}.mp3" for n in range(6)]
    made = plan(urls, poll_interval=0.01)
    options = {"api_key": TEST_KEY, "transcript_base_url": "https://rest.test"}
    if mode == "sync":

        def handle(request: httpx.Request) -> httpx.Response:
            fake.enter()
            try:
                threading.Event().wait(0.02)
                return fake.answer(request)
            finally:
                fake.leave()

        client = GatewayClient(
            http_client=httpx.Client(transport=httpx.MockTransport(handle)), **options
        )
        done = transcribe(client, TranscriptionRun(made, max_concurrency=2))
    else:

        async def ahandle(request: httpx.Request) -> httpx.Response:
            fake.enter()
            try:
                await asyncio.sleep(0.02)
                return fake.answer(request)
            finally:
                fake.leave()

        aclient = AsyncGatewayClient(
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(ahandle)),
            **options,
        )
        done = asyncio.run(
            atranscribe(aclient, TranscriptionRun(made, max_concurrency=2))
        )
    assert len(done) == 6
    assert fake.most == 2


@pytest.mark.parametrize(
    "name", ["upload_audio", "submit_transcript"], ids=["upload", "submit"]
)
def test_the_async_methods_take_the_same_parameters(name: str) -> None:
    sync_method = inspect.signature(getattr(GatewayClient, name))
    async_method = inspect.signature(getattr(AsyncGatewayClient, "a" + name))
    assert (
        list(sync_method.parameters.values())[1:]
        == list(async_method.parameters.values())[1:]
    )
    assert list(sync_method.parameters) == list(async_method.parameters)
