"""The emulator's transcript store and the Transcript objects it serves (spec section 12).

A transcript is built from `(speaker, text)` utterances, deterministically:
words get millisecond timestamps from their length (and a fixed pause between
utterances), a confidence from a checksum of the word, and sentences split after
words ending in `.`, `?` or `!`. Each utterance is one paragraph.
"""

from __future__ import annotations

import math
import threading
import uuid
import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, NamedTuple, Protocol

TranscriptStatus = Literal["queued", "processing", "completed", "error"]
DELETED_AUDIO_URL = "http://deleted_by_user"
DELETED_TEXT = "Deleted by user."
DOWNLOAD_ERROR = (
    "Download error, unable to download {url}. Please make sure the file exists and is "
    "accessible from the internet."
)
SPEECH_MODEL = "universal-3-pro"
_SENTENCE_END = (".", "?", "!", '."', '?"', '!"')
# Words of one utterance are at most ~100 ms apart, utterances at least 650 ms.
_PARAGRAPH_PAUSE = 500


def _confidence(word: str) -> float:
    return round(0.86 + (zlib.crc32(word.encode()) % 1400) / 10_000, 5)


def build_words(utterances: Sequence[tuple[str, str]]) -> list[list[dict[str, Any]]]:
    """Timed words for each utterance (times in milliseconds)."""
    cursor = 320
    result = []
    for speaker, text in utterances:
        words = []
        for word in text.split():
            duration = min(900, 140 + 55 * sum(c.isalnum() for c in word))
            item = {"text": word, "start": cursor, "end": cursor + duration}
            item.update(confidence=_confidence(word), speaker=speaker)
            words.append(item)
            cursor += duration + 40 + zlib.crc32(word.encode()) % 60
        result.append(words)
        cursor += 650
    return result


def _span(words: Sequence[Mapping[str, Any]], speaker: str | None) -> dict[str, Any]:
    """A text span (utterance, sentence, paragraph) over `words`."""
    average = sum(w["confidence"] for w in words) / len(words)
    span = {"text": " ".join(w["text"] for w in words), "start": words[0]["start"]}
    span.update(end=words[-1]["end"], confidence=round(average, 5), words=list(words))
    if speaker is not None:
        span["speaker"] = speaker
    return span


def split_sentences(
    words: Sequence[Mapping[str, Any]],
) -> list[list[Mapping[str, Any]]]:
    """`words` cut after each word that ends a sentence."""
    sentences: list[list[Mapping[str, Any]]] = [[]]
    for word in words:
        sentences[-1].append(word)
        if str(word["text"]).endswith(_SENTENCE_END):
            sentences.append([])
    return [s for s in sentences if s]


# Unset keys the vendor schema requires or types as nullable; the other unset ones
# (`prompt`, `redact_pii_sub`, `translated_texts`, ...) are left out, as it types them
# non-null (tests/testing/test_schemathesis.py checks every key against it).
_NULL_FIELDS = [
    "speech_model",
    "webhook_url",
    "webhook_status_code",
    "webhook_auth_header_name",
    "audio_start_from",
    "audio_end_at",
    "summary",
    "summary_type",
    "language_confidence_threshold",
    "language_confidence",
    "auto_highlights_result",
    "chapters",
    "entities",
    "sentiment_analysis_results",
    "content_safety_labels",
    "iab_categories_result",
    "speakers_expected",
    "redact_pii_audio_quality",
    "redact_pii_policies",
    "custom_spelling",
    "summary_model",
    "temperature",
    "multichannel",
    "remove_audio_tags",
]
_FALSE_FIELDS = [
    "auto_highlights",
    "redact_pii",
    "summarization",
    "webhook_auth",
    "redact_pii_audio",
    "filter_profanity",
    "content_safety",
    "iab_categories",
    "auto_chapters",
    "entity_detection",
    "sentiment_analysis",
    "disfluencies",
    "throttled",
    "speed_boost",
    "custom_topics",
    "language_detection",
]


def _legacy_fields() -> dict[str, Any]:
    """The required-but-legacy keys (null or false) and a few live extras."""
    fields: dict[str, Any] = dict.fromkeys(_NULL_FIELDS)
    fields.update(dict.fromkeys(_FALSE_FIELDS, False))
    fields.update(
        language_model="assemblyai_default", acoustic_model="assemblyai_default"
    )
    fields.update(topics=[], keyterms_prompt=[], project_id=482_113, token_id=771_204)
    return fields


def build_transcript(
    transcript_id: str,
    utterances: Sequence[tuple[str, str]],
    *,
    status: TranscriptStatus = "completed",
    audio_url: str = "https://assembly.ai/meeting.mp3",
) -> dict[str, Any]:
    """A full Transcript object, as `GET /v2/transcript/{id}` returns it."""
    transcript: dict[str, Any] = {"id": transcript_id, "status": status}
    transcript["audio_url"] = audio_url
    transcript.update(_legacy_fields(), language_code="en_us", speaker_labels=True)
    transcript.update(punctuate=True, format_text=True, speech_model_used=SPEECH_MODEL)
    transcript.update(
        speech_models=[SPEECH_MODEL], text=None, words=None, utterances=None
    )
    transcript.update(confidence=None, audio_duration=None, error=None)
    if status == "error":
        transcript["error"] = DOWNLOAD_ERROR.format(url=audio_url)
    if status == "completed" and utterances:
        transcript.update(spoken_fields(utterances))
    return transcript


def spoken_fields(utterances: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """`text`, `words`, `utterances`, `confidence` and `audio_duration`."""
    timed = build_words(utterances)
    pairs = zip(utterances, timed, strict=True)
    spans = [_span(words, speaker) for (speaker, _), words in pairs if words]
    words = [w for group in timed for w in group]
    if not words:
        return {}
    confidence = round(sum(w["confidence"] for w in words) / len(words), 5)
    return {
        "text": " ".join(s["text"] for s in spans),
        "words": words,
        "utterances": spans,
        "confidence": confidence,
        "audio_duration": math.ceil((words[-1]["end"] + 500) / 1000),
    }


def _now() -> str:
    return (
        datetime.now(timezone.utc)
        .replace(tzinfo=None)
        .isoformat(timespec="microseconds")
    )


def sentences_of(transcript: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The transcript's sentences (with `speaker`, `null` without speaker labels)."""
    utterances = transcript.get("utterances")
    if utterances is None:
        words = transcript.get("words") or []
        return [{**_span(s, None), "speaker": None} for s in split_sentences(words)]
    result = []
    for utterance in utterances:
        for words in split_sentences(utterance["words"]):
            result.append(_span(words, utterance["speaker"]))
    return result


def _split_paragraphs(
    words: Sequence[Mapping[str, Any]],
) -> list[list[Mapping[str, Any]]]:
    """`words` cut at every pause of at least `_PARAGRAPH_PAUSE` ms."""
    paragraphs: list[list[Mapping[str, Any]]] = []
    for word in words:
        if not paragraphs or word["start"] - paragraphs[-1][-1]["end"] >= (
            _PARAGRAPH_PAUSE
        ):
            paragraphs.append([])
        paragraphs[-1].append(word)
    return paragraphs


def paragraphs_of(transcript: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The transcript's paragraphs (no `speaker`, spec 12.4).

    One per utterance; without utterances (no speaker labels), the words are cut
    at the pauses between the turns of the script.
    """
    utterances = transcript.get("utterances")
    if utterances is None:
        groups = _split_paragraphs(transcript.get("words") or [])
    else:
        groups = [u["words"] for u in utterances if u["words"]]
    return [_span(words, None) for words in groups]


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# `DELETE /v2/transcript/{id}` as the vendor's example answers it: the content is
# gone and the options read `null`; keys the example sets to `null` where the
# schema types them as non-null are left out instead.
_DELETED_NULLS = _names(
    """
    words utterances confidence punctuate format_text speaker_labels
    speakers_expected filter_profanity content_safety content_safety_labels
    iab_categories iab_categories_result custom_spelling throttled custom_topics
    speech_threshold speech_model remove_audio_tags redact_pii_audio
    redact_pii_audio_quality redact_pii_policies audio_start_from audio_end_at
    speed_boost language_confidence_threshold language_confidence
    webhook_auth_header_name webhook_status_code auto_highlights_result entities
    sentiment_analysis_results summary chapters
    """
)
_DELETED_DROPPED = _names(
    """
    language_code topics redact_pii_sub prompt keyterms_prompt translated_texts
    speech_understanding
    """
)


def blank_transcript(transcript: dict[str, Any]) -> None:
    """Blank a transcript in place, as `DELETE /v2/transcript/{id}` does."""
    transcript.update(dict.fromkeys(_DELETED_NULLS))
    for key in _DELETED_DROPPED:
        transcript.pop(key, None)
    transcript.update(text=DELETED_TEXT, audio_url=DELETED_AUDIO_URL)
    if transcript.get("webhook_url") is not None:
        transcript["webhook_url"] = DELETED_AUDIO_URL


class PendingJob(Protocol):
    """A transcription that moves its transcript along (see `_transcription`)."""

    def advance(self, transcript: dict[str, Any], *, force: bool = False) -> bool:
        """Update `transcript` to its status now; `True` once the job is done."""
        ...


class Listed(NamedTuple):
    """A stored transcript with its creation and (known) completion times."""

    transcript: dict[str, Any]
    created: str
    completed: str | None


def _after(stamp: str) -> str | None:
    try:
        later = datetime.fromisoformat(stamp) + timedelta(microseconds=1)
    except ValueError:
        return None
    return later.isoformat(timespec="microseconds")


class TranscriptStore:
    """Transcripts by id, safe to use from the server thread and the test thread.

    Transcripts created through `POST /v2/transcript` carry a job that moves them
    along whenever they are read (`get`, `newest_first`, `advance`).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.transcripts: dict[str, dict[str, Any]] = {}
        self._created: dict[str, str] = {}
        self._completed: dict[str, str] = {}
        self._jobs: dict[str, PendingJob] = {}
        self._deleted: set[str] = set()

    def add(self, transcript: dict[str, Any], created: str | None = None) -> str:
        """Store (or replace) a transcript object; returns its id.

        Args:
            transcript: The Transcript object (it needs an `id`).
            created: Its creation time, ISO 8601 without a zone (default: now).
        """
        ident = str(transcript["id"])
        with self._lock:
            self.transcripts[ident] = transcript
            self._created[ident] = created or _now()
            self._jobs.pop(ident, None)
            self._completed.pop(ident, None)
            self._deleted.discard(ident)
        return ident

    def add_job(self, transcript: dict[str, Any], job: PendingJob) -> str:
        """Store a new transcript and the job that completes it; returns its id.

        Its creation time is now, or just after the newest transcript's, so the
        listing shows transcripts in the order they were created.
        """
        ident = str(transcript["id"])
        with self._lock:
            stamp = _now()
            newest = max(self._created.values(), default="")
            if stamp <= newest:
                stamp = _after(newest) or stamp
            self.transcripts[ident] = transcript
            self._created[ident] = stamp
            self._jobs[ident] = job
        return ident

    def _advance(self, transcript_id: str, *, force: bool = False) -> None:
        """Move a job along (the lock is held)."""
        job = self._jobs.get(transcript_id)
        transcript = self.transcripts.get(transcript_id)
        if job is None or transcript is None:
            return
        if job.advance(transcript, force=force):
            del self._jobs[transcript_id]
            self._completed[transcript_id] = _now()

    def advance(self, transcript_id: str | None = None, *, force: bool = False) -> None:
        """Move one job (or every job) to its status now, or finish it (`force`)."""
        with self._lock:
            for ident in [transcript_id] if transcript_id else list(self._jobs):
                self._advance(ident, force=force)

    def clear(self) -> None:
        """Remove every transcript."""
        with self._lock:
            self.transcripts.clear()
            self._created.clear()
            self._completed.clear()
            self._jobs.clear()
            self._deleted.clear()

    def created(self, transcript_id: str) -> str:
        """When the transcript was created (ISO 8601, microseconds, no zone)."""
        with self._lock:
            return self._created.get(transcript_id, "2026-01-01T00:00:00.000000")

    def add_utterances(
        self,
        utterances: Iterable[tuple[str, str]],
        *,
        transcript_id: str | None = None,
        status: TranscriptStatus = "completed",
        audio_url: str = "https://assembly.ai/custom.mp3",
        created: str | None = None,
    ) -> str:
        """Build a transcript from `(speaker, text)` pairs and store it."""
        ident = transcript_id or str(uuid.uuid4())
        items = list(utterances)
        built = build_transcript(ident, items, status=status, audio_url=audio_url)
        return self.add(built, created)

    def get(self, transcript_id: str) -> dict[str, Any] | None:
        """A copy of the transcript as it is now (its job moved along), or `None`."""
        with self._lock:
            self._advance(transcript_id)
            transcript = self.transcripts.get(transcript_id)
            return None if transcript is None else dict(transcript)

    def delete(self, transcript_id: str) -> dict[str, Any] | None:
        """Delete the way `/v2` does (`blank_transcript`), keeping the record."""
        with self._lock:
            transcript = self.transcripts.get(transcript_id)
            if transcript is None:
                return None
            self._jobs.pop(transcript_id, None)
            blank_transcript(transcript)
            self._deleted.add(transcript_id)
            return dict(transcript)

    def is_deleted(self, transcript_id: str) -> bool:
        """Whether the transcript was deleted through `DELETE /v2/transcript/{id}`."""
        with self._lock:
            return transcript_id in self._deleted

    def newest_first(self) -> list[Listed]:
        """Every transcript with its times, newest first (ties by id)."""
        with self._lock:
            for ident in list(self._jobs):
                self._advance(ident)
            items = [
                Listed(t, self._created.get(i, ""), self._completed.get(i))
                for i, t in self.transcripts.items()
            ]
        return sorted(
            items,
            key=lambda item: (item.created, str(item.transcript["id"])),
            reverse=True,
        )
