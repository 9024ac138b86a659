"""The transcript REST API (`/v2/transcript`): parsed shapes and request building.

Only reading is covered: a transcript, the list with its filters, sentences,
paragraphs and subtitles. Shapes follow the wire notes, section 12.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from aai_gateway._config import Region, resolve_transcript_base_url
from aai_gateway._transcripts._references import check_transcript_id

TranscriptStatus = Literal["queued", "processing", "completed", "error"]
SubtitleFormat = Literal["srt", "vtt"]
SegmentKind = Literal["sentences", "paragraphs"]


@dataclass(frozen=True, slots=True)
class TranscriptSegment:
    """A stretch of a transcript: an utterance, a sentence or a paragraph.

    Times are milliseconds from the start of the audio. `speaker` is the label
    (`A`, `B`, ...) where the API gives one (paragraphs carry none).
    """

    text: str
    start_ms: int | None = None
    end_ms: int | None = None
    confidence: float | None = None
    speaker: str | None = None
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class Transcript:
    """One transcript. `text` and `utterances` are `None` until it is completed.

    `utterances` is `None` when the transcript was made without speaker labels.
    """

    id: str
    status: str
    text: str | None = None
    error: str | None = None
    audio_url: str | None = None
    language_code: str | None = None
    audio_duration: float | None = None
    confidence: float | None = None
    utterances: tuple[TranscriptSegment, ...] | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class TranscriptListing:
    """One row of the transcript list."""

    id: str
    status: str
    created: str | None = None
    completed: str | None = None
    audio_url: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class TranscriptPage:
    """One page of the list, newest first; `older_before_id` continues it."""

    transcripts: tuple[TranscriptListing, ...]
    older_before_id: str | None = None


def resolve_rest_base_url(base_url: str | None, region: Region | None) -> str:
    """The REST API root: `base_url`, else `ASSEMBLYAI_BASE_URL`, else the region's.

    The rule and its variable live beside the gateway's, in `_config`.

    Raises:
        ValueError: a bad `region`, or a URL that is not http(s) (named).
    """
    return resolve_transcript_base_url(base_url, region)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _num(value: object) -> float | None:
    return (
        float(value)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else None
    )


def _ms(value: object) -> int | None:
    number = _num(value)
    return None if number is None else int(number)


def parse_segment(item: Mapping[str, Any]) -> TranscriptSegment:
    """One utterance, sentence or paragraph."""
    return TranscriptSegment(
        text=_str(item.get("text")) or "",
        start_ms=_ms(item.get("start")),
        end_ms=_ms(item.get("end")),
        confidence=_num(item.get("confidence")),
        speaker=_str(item.get("speaker")),
        channel=_str(item.get("channel")),
    )


def _segments(items: object) -> tuple[TranscriptSegment, ...] | None:
    if not isinstance(items, Sequence) or isinstance(items, str):
        return None
    return tuple(parse_segment(i) for i in items if isinstance(i, Mapping))


def parse_transcript(body: object) -> Transcript:
    """A `GET /v2/transcript/{id}` body.

    Raises:
        ValueError: the body is not a transcript object.
    """
    if not isinstance(body, Mapping) or not isinstance(body.get("id"), str):
        msg = "the transcript response has no `id`"
        raise ValueError(msg)
    return Transcript(
        id=body["id"],
        status=_str(body.get("status")) or "unknown",
        text=_str(body.get("text")),
        error=_str(body.get("error")),
        audio_url=_str(body.get("audio_url")),
        language_code=_str(body.get("language_code")),
        audio_duration=_num(body.get("audio_duration")),
        confidence=_num(body.get("confidence")),
        utterances=_segments(body.get("utterances")),
        raw=body,
    )


def parse_segments(body: object, kind: SegmentKind) -> tuple[TranscriptSegment, ...]:
    """The `sentences` or `paragraphs` list of their endpoints' bodies.

    Raises:
        ValueError: the list is missing.
    """
    items = _segments(body.get(kind)) if isinstance(body, Mapping) else None
    if items is None:
        msg = f"the {kind} response has no `{kind}` list"
        raise ValueError(msg)
    return items


def _before_id(url: object) -> str | None:
    # The page links point at the API's own host; only the cursor is taken from
    # them, so the key is never sent to a host named in a response.
    if not isinstance(url, str):
        return None
    values = parse_qs(urlsplit(url).query).get("before_id")
    return values[0] if values else None


def parse_transcript_page(body: object) -> TranscriptPage:
    """A `GET /v2/transcript` body.

    Raises:
        ValueError: the body has no `transcripts` list.
    """
    items = body.get("transcripts") if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        msg = "the transcript list has no `transcripts`"
        raise ValueError(msg)
    listings = tuple(
        TranscriptListing(
            id=item["id"],
            status=_str(item.get("status")) or "unknown",
            created=_str(item.get("created")),
            completed=_str(item.get("completed")),
            audio_url=_str(item.get("audio_url")),
            error=_str(item.get("error")),
        )
        for item in items
        if isinstance(item, Mapping) and isinstance(item.get("id"), str)
    )
    details = body.get("page_details") if isinstance(body, Mapping) else None
    older = (
        _before_id(details.get("prev_url")) if isinstance(details, Mapping) else None
    )
    return TranscriptPage(transcripts=listings, older_before_id=older)


def build_list_params(
    *,
    limit: int | None = None,
    status: TranscriptStatus | None = None,
    created_on: str | None = None,
    before_id: str | None = None,
    after_id: str | None = None,
) -> dict[str, str]:
    """Query parameters of the list endpoint, checked.

    Raises:
        ValueError: `limit` outside 1..200, an unknown `status`, or a malformed
            `before_id` / `after_id`.
    """
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 200
    ):
        msg = f"`limit` must be a whole number from 1 to 200, got {limit!r}"
        raise ValueError(msg)
    if status is not None and status not in (
        "queued",
        "processing",
        "completed",
        "error",
    ):
        msg = f"`status` must be queued, processing, completed or error, got {status!r}"
        raise ValueError(msg)
    for name, value in (("before_id", before_id), ("after_id", after_id)):
        if value is not None:
            check_transcript_id(value, name)
    params = {
        "limit": limit,
        "status": status,
        "created_on": created_on,
        "before_id": before_id,
        "after_id": after_id,
    }
    return {k: str(v) for k, v in params.items() if v is not None}


def subtitle_params(
    subtitle_format: str, chars_per_caption: int | None
) -> dict[str, str]:
    """Query parameters of the subtitle endpoints, checked.

    Raises:
        ValueError: an unknown format or a caption length below 1.
    """
    if subtitle_format not in ("srt", "vtt"):
        msg = f"`subtitle_format` must be 'srt' or 'vtt', got {subtitle_format!r}"
        raise ValueError(msg)
    if chars_per_caption is None:
        return {}
    if (
        isinstance(chars_per_caption, bool)
        or not isinstance(chars_per_caption, int)
        or chars_per_caption < 1
    ):
        msg = f"`chars_per_caption` must be a whole number of at least 1, got {chars_per_caption!r}"
        raise ValueError(msg)
    return {"chars_per_caption": str(chars_per_caption)}


class TranscriptPager:
    """Walks the list endpoint from newest to oldest, up to `max_results` rows."""

    def __init__(self, filters: Mapping[str, Any], max_results: int | None) -> None:
        if max_results is not None and (
            isinstance(max_results, bool)
            or not isinstance(max_results, int)
            or max_results < 0
        ):
            msg = f"`max_results` must be a whole number of 0 or more, got {max_results!r}"
            raise ValueError(msg)
        build_list_params(**filters)
        self.filters = dict(filters)
        self.remaining = max_results
        self.more = max_results != 0

    def take(self, page: TranscriptPage) -> tuple[TranscriptListing, ...]:
        """The rows of `page` still wanted; moves the cursor to the next (older) page."""
        rows = page.transcripts
        if self.remaining is not None:
            rows = rows[: self.remaining]
            self.remaining -= len(rows)
        self.more = (
            bool(page.older_before_id)
            and bool(page.transcripts)
            and self.remaining != 0
        )
        self.filters["before_id"] = page.older_before_id
        return rows
