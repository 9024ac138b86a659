"""Speech Understanding (`POST /v1/understanding`): typed tasks, checks, parsed results.

Three tasks run server-side on a stored transcript: speaker identification (map
the labels `A`, `B`, ... to names or roles), translation, and custom formatting.
Several go in one request. The service does not store the results on the
transcript, so callers who need them again should keep them (wire notes, section 9).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from aai_gateway._exceptions import APIResponseValidationError

SpeakerType = Literal["name", "role"]
MAX_KNOWN_VALUE = 35
_DONE = frozenset({"success", "completed"})


@dataclass(frozen=True, slots=True)
class SpeakerIdentification:
    """Map speaker labels to people: by a list of names/roles, or by described speakers.

    Give exactly one of `known_values` (each at most 35 characters) and `speakers`
    (mappings with `name` or `role`, and optionally `description` and more keys).
    """

    speaker_type: SpeakerType = "name"
    known_values: Sequence[str] | None = None
    speakers: Sequence[Mapping[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class Translation:
    """Translate the transcript into `target_languages` (language codes such as `es`)."""

    target_languages: Sequence[str]
    formal: bool | None = None
    match_original_utterance: bool | None = None


@dataclass(frozen=True, slots=True)
class CustomFormatting:
    """Reformat dates, phone numbers and e-mail addresses by pattern."""

    date: str | None = None
    phone_number: str | None = None
    email: str | None = None


def _as(kind: type[Any], value: object, name: str) -> Any:
    """A task given as its type or as a plain mapping with the same keys."""
    if value is None or isinstance(value, kind):
        return value
    if isinstance(value, Mapping):
        try:
            return kind(**value)
        except TypeError as exc:
            msg = f"`{name}` has an unknown key: {exc}"
            raise ValueError(msg) from exc
    msg = f"`{name}` must be a {kind.__name__} or a mapping with its keys, got {type(value).__name__}"
    raise TypeError(msg)


def _speaker_task(task: SpeakerIdentification) -> dict[str, Any]:
    if task.speaker_type not in ("name", "role"):
        msg = f"`speaker_identification.speaker_type` must be 'name' or 'role', got {task.speaker_type!r}"
        raise ValueError(msg)
    if (task.known_values is None) == (task.speakers is None):
        msg = "`speaker_identification` needs exactly one of `known_values` and `speakers`"
        raise ValueError(msg)
    wire: dict[str, Any] = {"speaker_type": task.speaker_type}
    if task.known_values is not None:
        values = list(task.known_values)
        if not values or not all(isinstance(v, str) and v.strip() for v in values):
            msg = "`speaker_identification.known_values` must be a non-empty list of names or roles"
            raise ValueError(msg)
        long = [v for v in values if len(v) > MAX_KNOWN_VALUE]
        if long:
            msg = f"`speaker_identification.known_values` entries may be at most {MAX_KNOWN_VALUE} characters: {long[0]!r}"
            raise ValueError(msg)
        wire["known_values"] = values
        return wire
    speakers = [dict(s) for s in task.speakers or ()]
    key = task.speaker_type
    if not speakers or not all(
        isinstance(s.get(key), str) and s[key] for s in speakers
    ):
        msg = f"`speaker_identification.speakers` must each have a `{key}` when speaker_type is {key!r}"
        raise ValueError(msg)
    wire["speakers"] = speakers
    return wire


def _translation_task(task: Translation) -> dict[str, Any]:
    languages = list(task.target_languages)
    if (
        not languages
        or not all(isinstance(x, str) and x for x in languages)
        or isinstance(task.target_languages, str)
    ):
        msg = "`translation.target_languages` must be a non-empty list of language codes such as ['es']"
        raise ValueError(msg)
    wire: dict[str, Any] = {"target_languages": languages}
    for name in ("formal", "match_original_utterance"):
        if getattr(task, name) is not None:
            wire[name] = getattr(task, name)
    return wire


def build_understanding_request(
    transcript_id: str | None,
    *,
    speaker_identification: SpeakerIdentification | Mapping[str, Any] | None = None,
    translation: Translation | Mapping[str, Any] | None = None,
    custom_formatting: CustomFormatting | Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The `/v1/understanding` body, checked before it is sent.

    Raises:
        ValueError: no task, or a task the service would refuse (named).
        TypeError: a task of the wrong type.
    """
    tasks: dict[str, Any] = {}
    speaker = _as(
        SpeakerIdentification, speaker_identification, "speaker_identification"
    )
    if speaker is not None:
        tasks["speaker_identification"] = _speaker_task(speaker)
    translate = _as(Translation, translation, "translation")
    if translate is not None:
        tasks["translation"] = _translation_task(translate)
    formatting = _as(CustomFormatting, custom_formatting, "custom_formatting")
    if formatting is not None:
        tasks["custom_formatting"] = {
            k: getattr(formatting, k)
            for k in ("date", "phone_number", "email")
            if getattr(formatting, k)
        }
    if not tasks:
        msg = "give at least one task: `speaker_identification`, `translation` or `custom_formatting`"
        raise ValueError(msg)
    body: dict[str, Any] = {"speech_understanding": {"request": tasks}}
    if transcript_id is not None:
        body = {"transcript_id": transcript_id, **body}
    return body


@dataclass(frozen=True, slots=True)
class UnderstoodUtterance:
    """One utterance as the service returned it: `speaker` may be a name already."""

    text: str
    speaker: str | None
    start_ms: int | None
    end_ms: int | None
    translated_texts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UnderstandingResult:
    """What the tasks produced.

    Attributes:
        statuses: Each task's status (`success`; the docs say `completed`).
        speaker_mapping: Label to name or role (`{"A": "Dana"}`).
        translated_texts: The whole text per language.
        utterances: Per-utterance results, with translations when asked for.
        formatted_text: The text after custom formatting.
        formatting_mapping: What custom formatting replaced.
    """

    statuses: Mapping[str, str]
    speaker_mapping: Mapping[str, str] = field(default_factory=dict)
    translated_texts: Mapping[str, str] = field(default_factory=dict)
    utterances: tuple[UnderstoodUtterance, ...] = ()
    formatted_text: str | None = None
    formatting_mapping: Mapping[str, str] = field(default_factory=dict)
    request_id: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


def _strings(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def _utterance(item: Mapping[str, Any]) -> UnderstoodUtterance:
    start, end, text = item.get("start"), item.get("end"), item.get("text")
    return UnderstoodUtterance(
        text=text if isinstance(text, str) else "",
        speaker=item.get("speaker") if isinstance(item.get("speaker"), str) else None,
        start_ms=int(start) if isinstance(start, int | float) else None,
        end_ms=int(end) if isinstance(end, int | float) else None,
        translated_texts=_strings(item.get("translated_texts")),
    )


def parse_understanding(body: object) -> UnderstandingResult:
    """Read a `/v1/understanding` answer.

    Raises:
        APIResponseValidationError: the body has no task results, or a task did
            not succeed (the task and its status are named).
    """
    data = body if isinstance(body, Mapping) else {}
    understanding = data.get("speech_understanding")
    response = (
        understanding.get("response") if isinstance(understanding, Mapping) else None
    )
    request_id = (
        data.get("request_id") if isinstance(data.get("request_id"), str) else None
    )
    if not isinstance(response, Mapping) or not response:
        msg = "the understanding answer has no `speech_understanding.response`"
        raise APIResponseValidationError(msg, body=body, request_id=request_id)
    statuses = {
        name: str(task.get("status"))
        for name, task in response.items()
        if isinstance(task, Mapping)
    }
    failed = {name: status for name, status in statuses.items() if status not in _DONE}
    if failed:
        name, status = next(iter(failed.items()))
        msg = f"the understanding task {name!r} ended with status {status!r}" + (
            f" (request_id: {request_id})" if request_id else ""
        )
        raise APIResponseValidationError(msg, body=body, request_id=request_id)
    speakers = response.get("speaker_identification")
    formatting = response.get("custom_formatting")
    formatting = formatting if isinstance(formatting, Mapping) else {}
    items = data.get("utterances")
    return UnderstandingResult(
        statuses=statuses,
        speaker_mapping=_strings(speakers.get("mapping"))
        if isinstance(speakers, Mapping)
        else {},
        translated_texts=_strings(data.get("translated_texts")),
        utterances=tuple(_utterance(u) for u in items if isinstance(u, Mapping))
        if isinstance(items, list)
        else (),
        formatted_text=formatting.get("formatted_text")
        if isinstance(formatting.get("formatted_text"), str)
        else None,
        formatting_mapping=_strings(formatting.get("mapping")),
        request_id=request_id,
        raw=data,
    )


def speaker_mapping_text(
    transcript_id: str, speaker_type: str, result: UnderstandingResult
) -> str:
    """A speaker mapping as JSON an agent can read: labels to names, and labels left unmatched.

    Both adapters' speaker-identification tools answer with this text.
    """
    # A label the service could not match maps to itself (`"C": "C"`).
    found = result.speaker_mapping
    mapping = {label: who for label, who in found.items() if who != label}
    return json.dumps(
        {
            "transcript_id": transcript_id,
            "speaker_type": speaker_type,
            "mapping": mapping,
            "unidentified": [label for label in found if label not in mapping],
        },
        ensure_ascii=False,
    )
