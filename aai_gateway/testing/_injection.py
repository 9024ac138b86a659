"""`transcript_id` injection (spec section 3.4).

Exactly the first `{{ transcript }}` in the first message that contains one is
replaced by the transcript's text; every other tag is left alone, and near-misses
such as `{{transcript}}` are not tags. A `prompt` counts as the first user
message, and a text part of a content array counts like string content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

TRANSCRIPT_TAG = "{{ transcript }}"
"""The exact tag the gateway replaces (one space inside each brace pair)."""


def inject_transcript(
    messages: Sequence[Mapping[str, Any]], text: str
) -> list[dict[str, Any]]:
    """A copy of `messages` with the first tag replaced by `text` (inputs untouched)."""
    result = [dict(m) for m in messages]
    for message in result:
        content = message.get("content")
        if isinstance(content, str) and TRANSCRIPT_TAG in content:
            message["content"] = content.replace(TRANSCRIPT_TAG, text, 1)
            return result
        if isinstance(content, list) and _inject_parts(message, content, text):
            return result
    return result


def _inject_parts(message: dict[str, Any], parts: list[Any], text: str) -> bool:
    for index, part in enumerate(parts):
        value = part.get("text") if isinstance(part, dict) else None
        if isinstance(value, str) and TRANSCRIPT_TAG in value:
            new_parts = list(parts)
            new_parts[index] = {**part, "text": value.replace(TRANSCRIPT_TAG, text, 1)}
            message["content"] = new_parts
            return True
    return False
