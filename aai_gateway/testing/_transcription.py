"""Transcription jobs: uploads, the audio the emulator can "hear", and job progress.

What an `audio_url` transcribes to is decided when the transcript is created:

- a URL `POST /v2/upload` returned: the utterances registered for those bytes
  (`GatewayEmulator.add_audio(b"...", ...)`), else one of the bundled short
  meetings, picked by the bytes' SHA-256 (the same file always gives the same
  meeting);
- a URL registered with `add_audio(url, ...)`, or a bundled meeting's audio URL
  (`MEETING_AUDIO_URLS`): its utterances (or its registered error);
- any other URL: status `error` with the live download error, as the emulator
  can fetch nothing.

A job answers `queued` for `queue_delay` seconds, then `processing` for
`transcription_delay` seconds, then `completed` (or `error`); the answer to the
`POST` itself is always `queued` (with a queue delay) or `processing`. With
speaker labels off, words carry `speaker: null` and `utterances` is `null`;
`speakers_expected` (or `speaker_options.max_speakers_expected`) folds the
script's speakers into that many labels. Language detection reports `en` with
confidence `DETECTED_LANGUAGE_CONFIDENCE`; a higher
`language_confidence_threshold` ends the job in `error`.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aai_gateway.testing._meetings import MEETINGS
from aai_gateway.testing._transcripts import (
    DOWNLOAD_ERROR,
    TranscriptStatus,
    build_transcript,
    spoken_fields,
)

UPLOAD_URL_PREFIX = "https://cdn.assemblyai.com/upload/"
"""Where uploaded files "live" (the live host; the emulator serves nothing there)."""
EMPTY_UPLOAD = "Upload error, the request body is empty: send the file's bytes"
CANNOT_ACCESS_UPLOAD = "Cannot access uploaded file"
DETECTED_LANGUAGE_CONFIDENCE = 0.9712
"""The confidence language detection reports for the (English) scripts."""

_PICKED_MEETINGS = (
    "support_call",
    "product_planning",
    "incident_review",
    "hiring_debrief",
)
# Keys the Transcript object does not have, or that must not be echoed (a secret).
_NOT_ECHOED = frozenset(
    {
        "audio_url",
        "content_safety_confidence",
        "speaker_options",
        "webhook_auth_header_value",
    }
)

Utterances = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Audio:
    """What a recording transcribes to: utterances, or the error it ends in."""

    utterances: Utterances = ()
    error: str | None = None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _meeting_audio(digest: str) -> Audio:
    pool = [m for m in MEETINGS if m.key in _PICKED_MEETINGS]
    return Audio(pool[int(digest[:8], 16) % len(pool)].utterances)


class AudioLibrary:
    """Uploaded files and known audio URLs, safe across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._uploads: dict[str, tuple[str, str]] = {}
        self._urls: dict[str, Audio] = {}
        self._files: dict[str, Audio] = {}
        self._custom = False

    @property
    def changed(self) -> bool:
        """Whether anything was uploaded or registered beyond the bundled meetings."""
        with self._lock:
            return self._custom or bool(self._uploads)

    def upload(self, data: bytes, key: str) -> str:
        """Keep an uploaded file (its digest) for `key`; returns its upload URL."""
        url = UPLOAD_URL_PREFIX + str(uuid.uuid4())
        with self._lock:
            self._uploads[url] = (key, _digest(data))
        return url

    def register(
        self, source: str | bytes, audio: Audio, *, bundled: bool = False
    ) -> None:
        """Say what an audio URL, or an uploaded file's bytes, transcribes to."""
        with self._lock:
            self._custom = self._custom or not bundled
            if isinstance(source, bytes):
                self._files[_digest(source)] = audio
            else:
                self._urls[source] = audio

    def uploader(self, url: str) -> str | None:
        """The key that uploaded `url`, or `None` when it is not an upload."""
        with self._lock:
            upload = self._uploads.get(url)
        return None if upload is None else upload[0]

    def resolve(self, url: str) -> Audio:
        """What `url` transcribes to (see the module docstring)."""
        with self._lock:
            upload = self._uploads.get(url)
            if upload is not None:
                return self._files.get(upload[1]) or _meeting_audio(upload[1])
            known = self._urls.get(url)
        return known or Audio(error=DOWNLOAD_ERROR.format(url=url))

    def forget_upload(self, url: str) -> None:
        """Drop an uploaded file (deleting its transcript deletes the file)."""
        with self._lock:
            self._uploads.pop(url, None)

    def clear(self) -> None:
        """Forget every upload and registration."""
        with self._lock:
            self._uploads.clear()
            self._urls.clear()
            self._files.clear()
            self._custom = False


def register_meetings(library: AudioLibrary) -> None:
    """Make every completed bundled meeting's audio URL transcribable."""
    for meeting in MEETINGS:
        if meeting.status == "completed":
            audio = Audio(meeting.utterances)
            library.register(meeting.audio_url, audio, bundled=True)


def _echo(params: Mapping[str, Any]) -> dict[str, Any]:
    """The request's options as the Transcript object reports them."""
    echoed = {k: v for k, v in params.items() if k not in _NOT_ECHOED}
    if "speech_understanding" in echoed:
        echoed["speech_understanding"] = {
            "request": echoed["speech_understanding"]["request"]
        }
    if echoed.get("language_code") == "en":
        echoed["language_code"] = "en_us"  # spec 12.2 [OBS]
    echoed["webhook_auth"] = "webhook_auth_header_name" in params
    return echoed


def new_transcript(
    transcript_id: str, params: Mapping[str, Any], status: TranscriptStatus
) -> dict[str, Any]:
    """The Transcript object of a job that has not finished."""
    audio_url = str(params["audio_url"])
    transcript = build_transcript(transcript_id, (), status=status, audio_url=audio_url)
    transcript["speaker_labels"] = False
    transcript.update(_echo(params))
    del transcript["speech_model_used"]  # known once the job completes
    if params.get("language_detection") and "language_code" not in params:
        del transcript["language_code"]  # known once detected
    return transcript


def _language_error(params: Mapping[str, Any]) -> str | None:
    threshold = params.get("language_confidence_threshold", 0)
    if not params.get("language_detection") or threshold <= (
        DETECTED_LANGUAGE_CONFIDENCE
    ):
        return None
    return (
        f"detected language 'en', confidence {DETECTED_LANGUAGE_CONFIDENCE}, is "
        f"below the requested confidence threshold value of {threshold}"
    )


def fold_speakers(utterances: Utterances, count: int | None) -> Utterances:
    """The utterances with at most `count` speaker labels (adjacent turns merged)."""
    order = list(dict.fromkeys(speaker for speaker, _ in utterances))
    if not count or count < 1 or len(order) <= count:
        return utterances
    labels = {speaker: order[i % count] for i, speaker in enumerate(order)}
    merged: list[tuple[str, str]] = []
    for speaker, text in utterances:
        label = labels[speaker]
        if merged and merged[-1][0] == label:
            merged[-1] = (label, merged[-1][1] + " " + text)
        else:
            merged.append((label, text))
    return tuple(merged)


def _speaker_count(params: Mapping[str, Any]) -> int | None:
    expected = params.get("speakers_expected")
    options = params.get("speaker_options") or {}
    return expected if expected is not None else options.get("max_speakers_expected")


def finish_transcript(
    transcript: dict[str, Any], params: Mapping[str, Any], audio: Audio
) -> None:
    """Complete `transcript` in place: its text, words and utterances, or its error."""
    error = audio.error or _language_error(params)
    if error is not None or not audio.utterances:
        transcript.update(status="error", error=error or "Audio file has no speech")
        return
    labelled = bool(params.get("speaker_labels"))
    utterances = audio.utterances
    if labelled:
        utterances = fold_speakers(utterances, _speaker_count(params))
    spoken = spoken_fields(utterances)
    if not labelled:
        spoken["utterances"] = None
        spoken["words"] = [{**word, "speaker": None} for word in spoken["words"]]
    transcript.update(spoken, status="completed")
    transcript["speech_model_used"] = params["speech_models"][0]
    if params.get("language_detection") and "language_code" not in params:
        transcript["language_code"] = "en"
        transcript["language_confidence"] = DETECTED_LANGUAGE_CONFIDENCE


@dataclass
class TranscriptionJob:
    """One transcript on its way from `queued` to `completed` or `error`."""

    params: Mapping[str, Any]
    audio: Audio
    queue_delay: float
    transcription_delay: float
    started: float = field(default_factory=time.monotonic)

    def advance(self, transcript: dict[str, Any], *, force: bool = False) -> bool:
        """Bring `transcript` to its status now; `True` once the job is done.

        Args:
            transcript: The job's Transcript object (updated in place).
            force: Finish now, whatever the delays.
        """
        elapsed = time.monotonic() - self.started
        if not force and elapsed < self.queue_delay:
            return False
        if not force and elapsed < self.queue_delay + self.transcription_delay:
            transcript["status"] = "processing"
            return False
        finish_transcript(transcript, self.params, self.audio)
        return True


def start_transcription(
    params: Mapping[str, Any],
    audio: Audio,
    *,
    queue_delay: float,
    transcription_delay: float,
) -> tuple[dict[str, Any], TranscriptionJob]:
    """A new transcript (`queued`, or `processing` without a queue delay) and its job."""
    status: TranscriptStatus = "queued" if queue_delay > 0 else "processing"
    transcript = new_transcript(str(uuid.uuid4()), params, status)
    return transcript, TranscriptionJob(params, audio, queue_delay, transcription_delay)


def check_utterances(utterances: Sequence[Any]) -> Utterances:
    """`utterances` as `(speaker, text)` string pairs, or a `ValueError` naming them."""
    pairs = tuple(tuple(u) for u in utterances)
    if not pairs or not all(
        len(p) == 2 and all(isinstance(s, str) and s.strip() for s in p) for p in pairs
    ):
        msg = (
            "`utterances` must be a non-empty sequence of (speaker, text) string "
            f"pairs, got {utterances!r}"
        )
        raise ValueError(msg)
    return tuple((str(p[0]), str(p[1])) for p in pairs)
