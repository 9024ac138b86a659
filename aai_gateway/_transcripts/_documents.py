"""Transcripts as documents: the content modes and the documents of one transcript.

Pure code: a completed `Transcript` (and the segments or subtitles its mode
needs) becomes framework-neutral `TranscriptDocument`s with stable ids. In
`reference` mode the text is a `transcript_ref`, which the chat clients turn into
the gateway's `{{ transcript }}` tag. `_loader` fetches; this module only builds.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from aai_gateway._exceptions import TranscriptNotReadyError
from aai_gateway._transcripts._references import transcript_ref
from aai_gateway._transcripts._rest_types import Transcript, TranscriptSegment

ContentMode = Literal[
    "reference", "text", "sentences", "paragraphs", "utterances", "srt", "vtt"
]
CONTENT_MODES: tuple[str, ...] = get_args(ContentMode)

logger = logging.getLogger("aai_gateway")


@dataclass(frozen=True, slots=True)
class TranscriptDocument:
    """One piece of a transcript, ready to become a framework document.

    Attributes:
        id: Stable: `{transcript_id}:{mode}:{index}`, so re-loading updates an index.
        text: The content (a `transcript_ref` in `reference` mode).
        metadata: Small and flat (strings and numbers only).
    """

    id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


def _clock(ms: int) -> str:
    seconds = ms // 1000
    hours, rest = divmod(seconds, 3600)
    return (
        f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
        if hours
        else f"{rest // 60:02d}:{rest % 60:02d}"
    )


def _source(transcript_id: str, audio_url: str | None, start_ms: int | None) -> str:
    # A media-fragment URL opens the recording at the moment the text was said.
    if audio_url and audio_url.startswith("http") and start_ms is not None:
        return f"{audio_url}#t={start_ms / 1000:.2f}"
    suffix = f"?t={_clock(start_ms)}" if start_ms is not None else ""
    return f"assemblyai:transcript/{transcript_id}{suffix}"


def _document(
    transcript: Transcript,
    mode: str,
    index: int,
    text: str,
    segment: TranscriptSegment | None = None,
) -> TranscriptDocument:
    start = segment.start_ms if segment else None
    values: dict[str, Any] = {
        "transcript_id": transcript.id,
        "mode": mode,
        "index": index,
        "start_ms": start,
        "end_ms": segment.end_ms if segment else None,
        "timestamp": _clock(start) if start is not None else None,
        "speaker": segment.speaker if segment else None,
        "confidence": segment.confidence if segment else transcript.confidence,
        "audio_url": transcript.audio_url,
        "language_code": transcript.language_code,
        "source": _source(transcript.id, transcript.audio_url, start),
    }
    metadata = {k: v for k, v in values.items() if v is not None}
    return TranscriptDocument(
        id=f"{transcript.id}:{mode}:{index}", text=text, metadata=metadata
    )


def reference_document(transcript_id: str) -> TranscriptDocument:
    """The one `reference`-mode document of a transcript; no request is made."""
    ref = transcript_ref(transcript_id)
    metadata = {
        "transcript_id": transcript_id,
        "mode": "reference",
        "index": 0,
        "source": _source(transcript_id, None, None),
    }
    return TranscriptDocument(
        id=f"{transcript_id}:reference:0", text=ref, metadata=metadata
    )


def build_documents(
    transcript: Transcript,
    mode: ContentMode,
    content: Sequence[TranscriptSegment] | str | None = None,
) -> list[TranscriptDocument]:
    """The documents of one completed transcript in a content mode.

    `content` is what the mode needs beyond the transcript itself: the sentences
    or paragraphs, or the subtitle text.

    Raises:
        ValueError: `utterances` mode for a transcript without speaker labels.
    """
    if mode == "text":
        return [_document(transcript, mode, 0, transcript.text or "")]
    if mode in ("srt", "vtt"):
        return [
            _document(transcript, mode, 0, content if isinstance(content, str) else "")
        ]
    if mode == "utterances":
        if transcript.utterances is None:
            msg = (
                f"transcript {transcript.id!r} has no speaker labels, so it has no utterances; "
                "transcribe with speaker_labels=True, or load it in 'sentences' mode"
            )
            raise ValueError(msg)
        segments: Sequence[TranscriptSegment] = transcript.utterances
    else:
        segments = (
            content
            if isinstance(content, Sequence) and not isinstance(content, str)
            else ()
        )
    return [_document(transcript, mode, n, s.text, s) for n, s in enumerate(segments)]


def check_mode(mode: object) -> ContentMode:
    """A content mode, checked.

    Raises:
        ValueError: an unknown mode, naming the ones there are.
    """
    if mode not in CONTENT_MODES:
        msg = f"`mode` must be one of {', '.join(CONTENT_MODES)}; got {mode!r}"
        raise ValueError(msg)
    return mode  # type: ignore[return-value]


def check_ready(transcript: Transcript, skip_incomplete: bool) -> bool:
    """Whether to use a transcript; raise (or warn and skip) when it is not completed."""
    if transcript.status == "completed":
        return True
    if not skip_incomplete:
        raise TranscriptNotReadyError(
            transcript.id, transcript.status, transcript.error
        )
    logger.warning("skipping transcript %s: it is %s", transcript.id, transcript.status)
    return False
