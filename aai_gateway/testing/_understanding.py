"""`POST /v1/understanding` and `/v1/understanding/validate` (spec section 9).

The tasks run on a stored transcript, deterministically: `translation` prefixes
each text with `[<language>] `; `speaker_identification` maps speaker labels, in
order of first appearance, to `known_values` (or `speakers[].name`/`role`);
`custom_formatting` returns the text unchanged with an empty mapping;
`summarization` joins the first sentence of the first three utterances (as
`- ` bullets with `summary_type: "bullets"`); `action_items` lists the sentences
that contain "I'll". Every task reports `status: "success"`. Results are not
saved to the transcript. `/validate` answers an empty 200 for a valid request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aai_gateway.testing._transcripts import sentences_of

TASKS = (
    "translation",
    "speaker_identification",
    "custom_formatting",
    "summarization",
    "action_items",
)
Result = dict[str, Any]


def validate_understanding(body: Any, *, require_transcript: bool) -> list[str]:
    """Every reason `body` is not a valid understanding request."""
    if not isinstance(body, dict):
        return ["request body must be a JSON object"]
    errors = []
    transcript_id = body.get("transcript_id")
    if transcript_id is None and require_transcript:
        errors.append("transcript_id is required")
    elif transcript_id is not None and not isinstance(transcript_id, str):
        errors.append("transcript_id must be a string")
    understanding = body.get("speech_understanding")
    request = understanding.get("request") if isinstance(understanding, dict) else None
    if not isinstance(request, dict):
        return [*errors, "speech_understanding.request is required"]
    unknown = [name for name in request if name not in TASKS]
    errors += [
        f"speech_understanding.request.{name} is not supported" for name in unknown
    ]
    if not any(name in request for name in TASKS):
        errors.append(
            "speech_understanding.request needs at least one of " + ", ".join(TASKS)
        )
    errors += _check_option_types(request)
    errors += _check_translation(request.get("translation"))
    errors += _check_speakers(request.get("speaker_identification"))
    return errors


# The typed options of each task (vendor file; spec 9 for the later ones).
_OPTION_TYPES: dict[str, dict[str, type]] = {
    "translation": {
        "formal": bool,
        "match_original_utterance": bool,
        "force_translation": bool,
    },
    "custom_formatting": {
        "date": str,
        "phone_number": str,
        "email": str,
        "format_utterances": bool,
    },
    "summarization": {"summary_type": str, "effort": str},
    "action_items": {"include_decisions": bool, "effort": str},
}
_TYPE_NAMES = {bool: "a boolean", str: "a string"}


def _check_option_types(request: Mapping[str, Any]) -> list[str]:
    """Each task's options are an object, and its known options have their types."""
    errors = []
    for task in TASKS:
        options = request.get(task)
        if task not in request or options is None:
            continue
        if not isinstance(options, dict):
            errors.append(f"speech_understanding.request.{task} must be an object")
            continue
        for name, kind in _OPTION_TYPES.get(task, {}).items():
            if name in options and not isinstance(options[name], kind):
                errors.append(f"{task}.{name} must be {_TYPE_NAMES[kind]}")
    return errors


def _check_translation(options: Any) -> list[str]:
    if options is None:
        return []
    languages = options.get("target_languages") if isinstance(options, dict) else None
    if (
        not isinstance(languages, list)
        or not languages
        or not all(isinstance(x, str) for x in languages)
    ):
        return [
            "translation.target_languages must be a non-empty array of language codes"
        ]
    return []


def _check_speakers(options: Any) -> list[str]:
    if options is None:
        return []
    if not isinstance(options, dict) or options.get("speaker_type") not in (
        "name",
        "role",
    ):
        return ["speaker_identification.speaker_type must be name or role"]
    malformed = _malformed_speakers(options)
    if malformed:
        return [malformed]
    names = speaker_names(options)
    if not names:
        return ["speaker_identification needs known_values or speakers"]
    if any(len(name) > 35 for name in names):
        return [
            "speaker_identification.known_values entries must be at most 35 characters"
        ]
    return []


def _malformed_speakers(options: Mapping[str, Any]) -> str | None:
    """Why `known_values` or `speakers` has the wrong shape, if it does."""
    known = options.get("known_values")
    if known is not None and not (
        isinstance(known, list) and all(isinstance(v, str) for v in known)
    ):
        return "speaker_identification.known_values must be an array of strings"
    speakers = options.get("speakers")
    if speakers is not None and not (
        isinstance(speakers, list)
        and all(isinstance(s, dict) and _speaker_name(s) for s in speakers)
    ):
        return (
            "speaker_identification.speakers must be an array of objects "
            "with a string name or role"
        )
    return None


def _speaker_name(speaker: Mapping[str, Any]) -> str | None:
    for key in ("name", "role"):
        value = speaker.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def speaker_names(options: Mapping[str, Any]) -> list[str]:
    """The names (or roles) speakers are identified as."""
    known = options.get("known_values")
    if isinstance(known, list):
        return [str(value) for value in known]
    speakers = options.get("speakers")
    if not isinstance(speakers, list):
        return []
    names = (_speaker_name(s) for s in speakers if isinstance(s, dict))
    return [name for name in names if name]


def run_understanding(
    request: Mapping[str, Any], transcript: Mapping[str, Any]
) -> Result:
    """The response body (without `request_id`) for `request` on `transcript`."""
    response: Result = {}
    result: Result = {
        "speech_understanding": {"request": dict(request), "response": response}
    }
    utterances = [dict(u) for u in transcript.get("utterances") or []]
    for name in TASKS:
        if name in request:
            response[name] = _RUNNERS[name](
                request[name], transcript, utterances, result
            )
    if "translation" in request or "speaker_identification" in request:
        result["utterances"] = utterances
    return result


def _translate(
    options: Any,
    transcript: Mapping[str, Any],
    utterances: list[Result],
    result: Result,
) -> Result:
    languages = list(options["target_languages"])
    text = str(transcript.get("text") or "")
    result["translated_texts"] = {lang: f"[{lang}] {text}" for lang in languages}
    for utterance in utterances:
        utterance["translated_texts"] = {
            lang: f"[{lang}] {utterance['text']}" for lang in languages
        }
    return {"status": "success"}


def _identify(
    options: Any,
    transcript: Mapping[str, Any],
    utterances: list[Result],
    result: Result,
) -> Result:
    names = speaker_names(options)
    labels = list(dict.fromkeys(str(u["speaker"]) for u in utterances))
    mapping = {
        label: names[i] if i < len(names) else label for i, label in enumerate(labels)
    }
    for utterance in utterances:
        utterance["speaker"] = mapping[str(utterance["speaker"])]
        utterance["words"] = [
            {**w, "speaker": utterance["speaker"]} for w in utterance.get("words", [])
        ]
    return {"status": "success", "mapping": mapping}


def _format(
    options: Any,
    transcript: Mapping[str, Any],
    utterances: list[Result],
    result: Result,
) -> Result:
    return {
        "status": "success",
        "mapping": {},
        "formatted_text": transcript.get("text") or "",
    }


def _summarise(
    options: Any,
    transcript: Mapping[str, Any],
    utterances: list[Result],
    result: Result,
) -> Result:
    firsts = []
    for utterance in (transcript.get("utterances") or [])[:3]:
        sentences = sentences_of({"utterances": [utterance]})
        firsts.append(sentences[0]["text"] if sentences else utterance["text"])
    bullets = isinstance(options, dict) and options.get("summary_type") == "bullets"
    summary = "\n".join(f"- {s}" for s in firsts) if bullets else " ".join(firsts)
    return {"status": "success", "summary": summary}


def _action_items(
    options: Any,
    transcript: Mapping[str, Any],
    utterances: list[Result],
    result: Result,
) -> Result:
    items = [s["text"] for s in sentences_of(transcript) if "I'll" in s["text"]]
    return {"status": "success", "action_items": items}


_RUNNERS: dict[
    str, Callable[[Any, Mapping[str, Any], list[Result], Result], Result]
] = {
    "translation": _translate,
    "speaker_identification": _identify,
    "custom_formatting": _format,
    "summarization": _summarise,
    "action_items": _action_items,
}
