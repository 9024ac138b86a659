"""The transcript REST API (`/v2`): parsed shapes and request building.

Reading: a transcript, the list with its filters, sentences, paragraphs and
subtitles (the wire notes, section 12). Writing: an upload's answer and the
body of `POST /v2/transcript` (`TranscriptParams`, every field of the vendor's
OpenAPI file, each checked for its type before anything is sent).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn
from urllib.parse import parse_qs, urlsplit

from typing_extensions import TypedDict

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

    Attributes:
        text: What was said.
        start_ms: Where it starts, in milliseconds.
        end_ms: Where it ends, in milliseconds.
        confidence: The API's confidence, 0 to 1.
        speaker: The speaker label, where the API gives one.
        channel: The audio channel, for multichannel transcripts.
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

    Attributes:
        id: The transcript id.
        status: `queued`, `processing`, `completed` or `error`.
        text: The whole text, once completed.
        error: The server's words, when `status` is `error`.
        audio_url: The audio transcribed (an upload URL for an uploaded file).
        language_code: The language, as the API reports it.
        audio_duration: The audio's length, in seconds.
        confidence: The API's confidence over the whole text, 0 to 1.
        utterances: Who said what, when speaker labels were asked for.
        raw: The transcript object as the API sent it.
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
    """One row of the transcript list.

    Attributes:
        id: The transcript id.
        status: `queued`, `processing`, `completed` or `error`.
        created: When it was created (ISO 8601, as the API sends it).
        completed: When it completed, if it has.
        audio_url: The audio it transcribes (`http://deleted_by_user` once deleted).
        error: The server's words, for a failed transcript.
    """

    id: str
    status: str
    created: str | None = None
    completed: str | None = None
    audio_url: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class TranscriptPage:
    """One page of the list, newest first.

    Attributes:
        transcripts: The rows, newest first.
        older_before_id: The `before_id` of the next older page (`None`: the last).
    """

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
    """Walks the list endpoint page by page, up to `max_results` rows.

    Without `after_id` it walks from the newest transcript to the oldest (each
    page's `prev_url`, `before_id`). With `after_id` it walks from there towards
    the newest, each page's newest row anchoring the next (as `next_url` does),
    until a page brings nothing new. Rows are newest first within a page.
    """

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
        self._newer = filters.get("after_id") is not None
        self._seen: set[str] = set()

    def take(self, page: TranscriptPage) -> tuple[TranscriptListing, ...]:
        """The rows of `page` still wanted; moves the cursor to the next page."""
        # A row already given is never given again, so a server that repeats a
        # page cannot keep the walk going.
        rows = tuple(r for r in page.transcripts if r.id not in self._seen)
        if self.remaining is not None:
            rows = rows[: self.remaining]
            self.remaining -= len(rows)
        self._seen.update(r.id for r in rows)
        if self._newer:
            self.more = bool(rows) and self.remaining != 0
            self.filters["after_id"] = page.transcripts[0].id if rows else None
        else:
            self.more = bool(page.older_before_id) and bool(rows)
            self.more = self.more and self.remaining != 0
            self.filters["before_id"] = page.older_before_id
        return rows


def parse_upload(body: object) -> str:
    """A `POST /v2/upload` body: the `upload_url` to transcribe.

    Raises:
        ValueError: the body has no `upload_url` string.
    """
    url = body.get("upload_url") if isinstance(body, Mapping) else None
    if not isinstance(url, str) or not url:
        msg = "the upload response has no `upload_url`"
        raise ValueError(msg)
    return url


DEFAULT_SPEECH_MODELS = ("universal-3-5-pro", "universal-2")
"""Sent when no speech model is named: the API requires `speech_models`, and these
are the ones it picked for a request without them (observed live, 2026-09)."""


class TranscriptParams(TypedDict, total=False):
    """The options of `POST /v2/transcript` beside `audio_url`, as the REST API names them.

    Every field of the vendor's `TranscriptOptionalParams`; the API documents each
    (https://www.assemblyai.com/docs/api-reference/transcripts/submit). Fields
    left out (or `None`) are not sent. `speech_model` is the pre-2026 single-model
    field the API now refuses: it is sent as `speech_models=[speech_model]`; with
    neither, `speech_models` is `DEFAULT_SPEECH_MODELS`.
    """

    audio_end_at: int
    audio_start_from: int
    auto_chapters: bool
    auto_highlights: bool
    content_safety: bool
    content_safety_confidence: int
    custom_spelling: list[dict[str, Any]]
    custom_topics: bool
    disfluencies: bool
    entity_detection: bool
    filter_profanity: bool
    format_text: bool
    iab_categories: bool
    keyterms_prompt: list[str]
    language_code: str | None
    language_codes: list[str] | None
    language_confidence_threshold: float
    language_detection: bool
    language_detection_options: dict[str, Any]
    multichannel: bool
    prompt: str
    punctuate: bool
    redact_pii: bool
    redact_pii_audio: bool
    redact_pii_audio_options: dict[str, Any]
    redact_pii_audio_quality: Literal["mp3", "wav"]
    redact_pii_policies: list[str]
    redact_pii_sub: Literal["entity_name", "hash"] | None
    remove_audio_tags: Literal["all"] | None
    sentiment_analysis: bool
    speaker_labels: bool
    speaker_options: dict[str, Any]
    speakers_expected: int | None
    speech_model: str | None
    speech_models: list[str]
    speech_threshold: float | None
    speech_understanding: dict[str, Any]
    summarization: bool
    summary_model: Literal["informative", "conversational", "catchy"] | None
    summary_type: (
        Literal["bullets", "bullets_verbose", "gist", "headline", "paragraph"] | None
    )
    temperature: float
    topics: list[str]
    webhook_auth_header_name: str | None
    webhook_auth_header_value: str | None
    webhook_url: str


_Check = Callable[[str, object], None]


def _refuse(label: str, wanted: str, value: object, kind: type[Exception]) -> NoReturn:
    # The value is shown only when short and not a secret: a webhook header
    # value must never reach a message.
    shown = "" if "header_value" in label else f", got {value!r}"[:80]
    raise kind(f"`{label}` must be {wanted}{shown}")


def _boolean(label: str, value: object) -> None:
    if not isinstance(value, bool):
        _refuse(label, "True or False", value, TypeError)


def _integer(low: int | None = None, high: int | None = None) -> _Check:
    def check(label: str, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            _refuse(label, "a whole number", value, TypeError)
        if (low is not None and value < low) or (high is not None and value > high):
            wanted = f"at least {low}" if high is None else f"from {low} to {high}"
            _refuse(label, f"a whole number {wanted}", value, ValueError)

    return check


def _fraction(label: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _refuse(label, "a number from 0 to 1", value, TypeError)
    if not (math.isfinite(value) and 0 <= value <= 1):
        _refuse(label, "a number from 0 to 1", value, ValueError)


def _string(label: str, value: object) -> None:
    if not isinstance(value, str):
        _refuse(label, "a string", value, TypeError)


def _url(label: str, value: object) -> None:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        _refuse(label, "an http(s) URL", value, ValueError)


def check_audio_url(audio_url: object) -> str:
    """`audio_url`, if it is an http(s) URL.

    Raises:
        ValueError: it is not (named).
    """
    _url("audio_url", audio_url)
    return str(audio_url)


def _choice(*choices: str) -> _Check:
    def check(label: str, value: object) -> None:
        if value not in choices:
            _refuse(label, " or ".join(map(repr, choices)), value, ValueError)

    return check


def _strings(label: str, value: object) -> None:
    if isinstance(value, str | bytes) or not (
        isinstance(value, Sequence) and all(isinstance(v, str) for v in value)
    ):
        _refuse(label, "a list of strings", value, TypeError)


def _object(label: str, value: object) -> None:
    if not isinstance(value, Mapping):
        _refuse(label, "a mapping (a JSON object)", value, TypeError)


def _objects(label: str, value: object) -> None:
    if isinstance(value, str | bytes | Mapping) or not (
        isinstance(value, Sequence) and all(isinstance(v, Mapping) for v in value)
    ):
        _refuse(label, "a list of mappings (JSON objects)", value, TypeError)


_PARAM_CHECKS: dict[str, _Check] = {
    "audio_end_at": _integer(0),
    "audio_start_from": _integer(0),
    "content_safety_confidence": _integer(25, 100),
    "custom_spelling": _objects,
    "keyterms_prompt": _strings,
    "language_code": _string,
    "language_codes": _strings,
    "language_confidence_threshold": _fraction,
    "language_detection_options": _object,
    "prompt": _string,
    "redact_pii_audio_options": _object,
    "redact_pii_audio_quality": _choice("mp3", "wav"),
    "redact_pii_policies": _strings,
    "redact_pii_sub": _choice("entity_name", "hash"),
    "remove_audio_tags": _choice("all"),
    "speaker_options": _object,
    "speakers_expected": _integer(1),
    "speech_model": _string,
    "speech_models": _strings,
    "speech_threshold": _fraction,
    "speech_understanding": _object,
    "summary_model": _choice("informative", "conversational", "catchy"),
    "summary_type": _choice(
        "bullets", "bullets_verbose", "gist", "headline", "paragraph"
    ),
    "temperature": _fraction,
    "topics": _strings,
    "webhook_auth_header_name": _string,
    "webhook_auth_header_value": _string,
    "webhook_url": _url,
}
_PARAM_CHECKS.update(
    dict.fromkeys(set(TranscriptParams.__annotations__) - set(_PARAM_CHECKS), _boolean)
)


def check_transcript_param(name: str, value: object, label: str | None = None) -> None:
    """Refuse an option `POST /v2/transcript` does not have, or a value of the wrong type.

    `None` is always accepted (it means: not sent).

    Args:
        name: The option's REST name.
        value: Its value.
        label: How the caller's argument is named in the message (default: `name`).

    Raises:
        TypeError: an unknown option (the closest known name suggested), or a
            value of the wrong type.
        ValueError: a value out of range or not among the allowed ones.
    """
    label = label or name
    check = _PARAM_CHECKS.get(name)
    if check is None:
        close = difflib.get_close_matches(name, _PARAM_CHECKS, n=1)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        msg = f"`{label}` is not a transcription option of the REST API{hint}; see TranscriptParams"
        raise TypeError(msg)
    if value is not None:
        check(label, value)
