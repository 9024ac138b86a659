"""Transcript tag rules: the gateway injects a transcript only at an exact tag.

The gateway replaces the first exact `{{ transcript }}` in the first message that
has one (wire notes, section 3.4). Prompt templates often mangle the tag (an
f-string template renders `{{ transcript }}` as `{ transcript }`), and then the
gateway silently ignores `transcript_id`. These rules catch that before sending.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from aai_gateway._config import TRANSCRIPT_TAG

TagPlacement = Literal["strict", "auto"]
"""`strict`: a request with `transcript_id` must carry the exact tag.
`auto`: when no message has a tag, one is added to the first user message."""

_NEAR_MISS = re.compile(r"\{{1,3}\s*transcript\s*\}{1,3}", re.IGNORECASE)


def _texts(message: Mapping[str, Any]) -> list[str]:
    content = message.get("content")
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        return [
            p["text"]
            for p in content
            if isinstance(p, Mapping) and isinstance(p.get("text"), str)
        ]
    return []


def _all_texts(request: Mapping[str, Any]) -> list[tuple[str, str]]:
    if isinstance(request.get("prompt"), str):
        return [("prompt", request["prompt"])]
    found: list[tuple[str, str]] = []
    for position, message in enumerate(request.get("messages") or []):
        if isinstance(message, Mapping):
            found.extend((f"messages[{position}]", text) for text in _texts(message))
    return found


def has_transcript_tag(request: Mapping[str, Any]) -> bool:
    """Whether any message (or the prompt) carries the exact tag."""
    return any(TRANSCRIPT_TAG in text for _, text in _all_texts(request))


def _near_misses(request: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [
        (where, match.group(0))
        for where, text in _all_texts(request)
        for match in _NEAR_MISS.finditer(text)
        if match.group(0) != TRANSCRIPT_TAG
    ]


def apply_tag_placement(
    request: Mapping[str, Any], placement: TagPlacement = "strict"
) -> Mapping[str, Any]:
    """Check (and with `auto`, add) the transcript tag of a request with `transcript_id`.

    Returns the request unchanged, or a copy with the tag added. The input is
    never mutated.

    Raises:
        ValueError: `transcript_id` is set, no message has the exact tag, and
            `placement` is `strict`. The message names any near miss found.
    """
    if request.get("transcript_id") is None or has_transcript_tag(request):
        return request
    misses = _near_misses(request)
    if misses:
        where, text = misses[0]
        msg = (
            f"`transcript_id` is set but no message has the exact tag {TRANSCRIPT_TAG!r}; "
            f"{where} has {text!r} instead, which the gateway ignores. A LangChain "
            f"f-string prompt template turns '{{{{ transcript }}}}' into '{{ transcript }}': "
            f"write '{{{{{{{{ transcript }}}}}}}}' in the template, or pass the tag as a "
            f"variable value (TRANSCRIPT_TAG)"
        )
        raise ValueError(msg)
    if placement == "auto":
        return _add_tag(request)
    msg = (
        f"`transcript_id` is set but no message contains {TRANSCRIPT_TAG!r}, so the gateway "
        "would ignore the transcript. Put the tag where the transcript should go, or set "
        "transcript placement to 'auto' to add it to the first user message"
    )
    raise ValueError(msg)


def _add_tag(request: Mapping[str, Any]) -> dict[str, Any]:
    copy = dict(request)
    preface = f"Transcript:\n{TRANSCRIPT_TAG}\n\n"
    if isinstance(copy.get("prompt"), str):
        copy["prompt"] = preface + copy["prompt"]
        return copy
    messages = [dict(m) for m in copy.get("messages") or []]
    target = next((m for m in messages if m.get("role") == "user"), None)
    if target is None:
        messages.insert(0, {"role": "user", "content": preface.rstrip()})
    elif isinstance(target.get("content"), list):
        target["content"] = [{"type": "text", "text": preface}, *target["content"]]
    else:
        target["content"] = preface + (target.get("content") or "")
    copy["messages"] = messages
    return copy
