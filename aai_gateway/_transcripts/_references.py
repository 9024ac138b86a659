"""Transcript tags and references: the gateway injects a transcript only at an exact tag.

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


# -- transcript references -----------------------------------------------------------

TRANSCRIPT_ID_MAX_LENGTH = 128
# ASCII letters, digits, `-` and `_`: every id the API hands out (uuids and the older
# forms), and nothing a URL would treat as structure (`.`, `..`, `/`, `\\`, `%`,
# `?`, `#`) or that httpx would refuse (spaces, control characters).
_TRANSCRIPT_ID = re.compile(rf"[A-Za-z0-9_-]{{1,{TRANSCRIPT_ID_MAX_LENGTH}}}")


def check_transcript_id(transcript_id: object, argument: str = "transcript_id") -> str:
    """The one rule for a transcript id, applied before any request that carries one.

    Args:
        transcript_id: The value to check.
        argument: The argument's name, for the error message.

    Raises:
        ValueError: anything but 1 to 128 ASCII letters, digits, `-` and `_`.
    """
    if not isinstance(transcript_id, str) or not _TRANSCRIPT_ID.fullmatch(
        transcript_id
    ):
        msg = (
            f"`{argument}` must be a transcript id (1 to {TRANSCRIPT_ID_MAX_LENGTH} "
            f"ASCII letters, digits, '-' and '_', such as '5d8e2c1a-4b7f-...'), "
            f"got {transcript_id!r}"
        )
        raise ValueError(msg)
    return transcript_id


_REF_PREFIX = "[[assemblyai-transcript:"
_REF = re.compile(r"\[\[assemblyai-transcript:([A-Za-z0-9_-]+)\]\]")
_LATER_MENTION = "(the meeting transcript given above)"


def transcript_ref(transcript_id: str) -> str:
    """A short text that stands for one transcript anywhere a prompt can carry text.

    It has no braces, so f-string, mustache, jinja2 and LlamaIndex templates pass
    it through as a value; document formatting, retrievers and agent scratchpads
    keep it too. Before a request is sent, the first reference becomes the exact
    `{{ transcript }}` tag and sets `transcript_id`, and the gateway injects the
    text: the transcript itself is never downloaded.

    Example:
        ```python
        prompt = f"Who owns the follow-ups in {transcript_ref(meeting_id)}?"
        ```

    Raises:
        ValueError: `transcript_id` is not a plain id.
    """
    check_transcript_id(transcript_id)
    return f"{_REF_PREFIX}{transcript_id}]]"


def find_transcript_refs(request: Mapping[str, Any]) -> list[str]:
    """The distinct transcript ids referenced in a request, in order of appearance."""
    found: dict[str, None] = {}
    for _, text in _all_texts(request):
        if _REF_PREFIX in text:
            found.update((match, None) for match in _REF.findall(text))
    return list(found)


class _Replacer:
    """Turns references into the tag (once), pointers, or inlined text."""

    def __init__(self, first: str, inline: Mapping[str, str]) -> None:
        self.first = first
        self.inline = inline
        self.tagged = False

    def __call__(self, match: re.Match[str]) -> str:
        transcript_id = match.group(1)
        if transcript_id in self.inline:
            return f"\n<transcript id={transcript_id}>\n{self.inline[transcript_id]}\n</transcript>\n"
        if transcript_id == self.first and not self.tagged:
            self.tagged = True
            return TRANSCRIPT_TAG
        return _LATER_MENTION

    def content(self, content: object) -> object:
        if isinstance(content, str):
            return _REF.sub(self, content) if _REF_PREFIX in content else content
        if isinstance(content, list):
            return [
                {**part, "text": self.content(part["text"])}
                if isinstance(part, Mapping) and isinstance(part.get("text"), str)
                else part
                for part in content
            ]
        return content


def resolve_transcript_refs(
    request: Mapping[str, Any], inline_texts: Mapping[str, str] | None = None
) -> Mapping[str, Any]:
    """Replace transcript references with what the gateway understands.

    The first reference becomes the exact tag and sets `transcript_id`; later
    references to the same transcript become a short pointer. References to other
    transcripts are only allowed when their text is given in `inline_texts` (the
    gateway injects one transcript per request). The input is never mutated.

    Raises:
        ValueError: references to several transcripts without their texts; an
            explicit `transcript_id` that disagrees; a reference beside an exact tag.
    """
    ids = find_transcript_refs(request)
    if not ids:
        return request
    _check_refs(request, ids, inline_texts or {})
    replacer = _Replacer(
        ids[0], {k: v for k, v in (inline_texts or {}).items() if k != ids[0]}
    )
    resolved = dict(request)
    if isinstance(request.get("prompt"), str):
        resolved["prompt"] = replacer.content(request["prompt"])
    else:
        resolved["messages"] = [
            {**m, "content": replacer.content(m.get("content"))}
            if isinstance(m, Mapping)
            else m
            for m in request.get("messages") or []
        ]
    resolved["transcript_id"] = ids[0]
    return resolved


def _check_refs(
    request: Mapping[str, Any], ids: list[str], inline: Mapping[str, str]
) -> None:
    explicit = request.get("transcript_id")
    if explicit is not None and explicit != ids[0]:
        msg = (
            f"`transcript_id` is {explicit!r} but the messages reference transcript {ids[0]!r}; "
            "pass one or the other"
        )
        raise ValueError(msg)
    if has_transcript_tag(request):
        msg = f"the messages have both a transcript reference and the literal {TRANSCRIPT_TAG!r} tag; use one"
        raise ValueError(msg)
    missing = [i for i in ids[1:] if i not in inline]
    if missing:
        msg = (
            f"the messages reference {len(ids)} transcripts ({', '.join(ids)}), but the gateway "
            "injects one per request. Ask about each transcript in its own call and combine the "
            "answers (map-reduce), or opt into inlining the other transcripts' text"
        )
        raise ValueError(msg)
