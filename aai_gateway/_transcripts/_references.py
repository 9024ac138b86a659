"""Transcript tags and references: the gateway injects a transcript only at an exact tag.

The gateway replaces the first exact `{{ transcript }}` in the first message that
has one (wire notes, section 3.4). Prompt templates often mangle the tag (an
f-string template renders `{{ transcript }}` as `{ transcript }`), and then the
gateway silently ignores `transcript_id`. These rules catch that before sending.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from aai_gateway._config import TRANSCRIPT_TAG

TagPlacement = Literal["strict", "auto"]
"""`strict`: a request with `transcript_id` must carry the exact tag.
`auto`: when no message has a tag, one is added to the first user message."""

_NEAR_MISS = re.compile(r"\{{1,3}\s*transcript\s*\}{1,3}", re.IGNORECASE)


def _texts(content: object) -> list[str]:
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        return [
            p["text"]
            for p in content
            if isinstance(p, Mapping) and isinstance(p.get("text"), str)
        ]
    return []


def _located_texts(request: Mapping[str, Any]) -> Iterator[tuple[int, str]]:
    """Every text of a request with its place: the message's index, or -1 for `prompt`."""
    if isinstance(request.get("prompt"), str):
        yield _PROMPT, request["prompt"]
        return
    for position, message in enumerate(request.get("messages") or []):
        if isinstance(message, Mapping):
            for text in _texts(message.get("content")):
                yield position, text


def _place_name(position: int) -> str:
    return "prompt" if position == _PROMPT else f"messages[{position}]"


_PROMPT = -1


@dataclass(frozen=True, slots=True)
class TranscriptScan:
    """What one pass over a request's texts found.

    Attributes:
        refs: The distinct transcript ids referenced, in order of appearance.
        ref_at: Where the first reference is (a message index; -1: `prompt`).
        tag_at: Where the first exact tag is (likewise), or `None`.
    """

    refs: tuple[str, ...] = ()
    ref_at: int | None = None
    tag_at: int | None = None


_NOTHING = TranscriptScan()


def scan_transcripts(request: Mapping[str, Any]) -> TranscriptScan:
    """Find references and the exact tag in one pass over the texts."""
    refs: dict[str, None] = {}
    ref_at = tag_at = None
    for position, text in _located_texts(request):
        if _REF_PREFIX in text:
            found = _REF.findall(text)
            if found and ref_at is None:
                ref_at = position
            refs.update(dict.fromkeys(found))
        if tag_at is None and TRANSCRIPT_TAG in text:
            tag_at = position
    if ref_at is None and tag_at is None:
        return _NOTHING
    return TranscriptScan(tuple(refs), ref_at, tag_at)


def has_transcript_tag(request: Mapping[str, Any]) -> bool:
    """Whether any message (or the prompt) carries the exact tag."""
    return scan_transcripts(request).tag_at is not None


def _near_misses(request: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [
        (_place_name(position), match.group(0))
        for position, text in _located_texts(request)
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
    if request.get("transcript_id") is None:
        return request
    if scan_transcripts(request).tag_at is not None:
        return request
    return _add_missing_tag(request, placement)[0]


def _add_missing_tag(
    request: Mapping[str, Any], placement: TagPlacement
) -> tuple[Mapping[str, Any], int]:
    """The request with the tag added (`auto`), and where; or the error explaining why not."""
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
        "`transcript_tag_placement='auto'` to add it to the first user message"
    )
    raise ValueError(msg)


def _add_tag(request: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    copy = dict(request)
    preface = f"Transcript:\n{TRANSCRIPT_TAG}\n\n"
    if isinstance(copy.get("prompt"), str):
        copy["prompt"] = preface + copy["prompt"]
        return copy, _PROMPT
    messages = [dict(m) for m in copy.get("messages") or []]
    at = next((i for i, m in enumerate(messages) if m.get("role") == "user"), None)
    if at is None:
        at = 0
        messages.insert(0, {"role": "user", "content": preface.rstrip()})
    elif isinstance(messages[at].get("content"), list):
        messages[at]["content"] = [
            {"type": "text", "text": preface},
            *messages[at]["content"],
        ]
    else:
        messages[at]["content"] = preface + (messages[at].get("content") or "")
    copy["messages"] = messages
    return copy, at


# -- transcript references -----------------------------------------------------------

TRANSCRIPT_ID_MAX_LENGTH = 128
# ASCII letters, digits, `-` and `_`: every id the API hands out (uuids and the older
# forms), and nothing a URL would treat as structure (`.`, `..`, `/`, `\\`, `%`,
# `?`, `#`) or that httpx would refuse (spaces, control characters).
_ID = rf"[A-Za-z0-9_-]{{1,{TRANSCRIPT_ID_MAX_LENGTH}}}"
_TRANSCRIPT_ID = re.compile(_ID)


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
# A marker holds an id by the same rule, so a resolved reference is a valid id.
_REF = re.compile(rf"\[\[assemblyai-transcript:({_ID})\]\]")
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
    return list(scan_transcripts(request).refs)


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
    scan = scan_transcripts(request)
    if not scan.refs:
        return request
    return _resolve(request, scan, inline_texts or {})


def _resolve(
    request: Mapping[str, Any], scan: TranscriptScan, inline: Mapping[str, str]
) -> dict[str, Any]:
    ids = scan.refs
    _check_refs(request, scan, inline)
    replacer = _Replacer(ids[0], {k: v for k, v in inline.items() if k != ids[0]})
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
    request: Mapping[str, Any], scan: TranscriptScan, inline: Mapping[str, str]
) -> None:
    ids = scan.refs
    explicit = request.get("transcript_id")
    if explicit is not None and explicit != ids[0]:
        msg = (
            f"`transcript_id` is {explicit!r} but the messages reference transcript {ids[0]!r}; "
            "pass one or the other"
        )
        raise ValueError(msg)
    if scan.tag_at is not None:
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


# -- the whole rule, applied once per request -------------------------------------------


def prepare_transcript(
    request: Mapping[str, Any],
    scan: TranscriptScan,
    placement: TagPlacement = "strict",
    inline_texts: Mapping[str, str] | None = None,
) -> Mapping[str, Any]:
    """Every transcript rule of a request, from one `scan_transcripts` of its texts.

    References become the tag (and `transcript_id`), a `transcript_id` without
    the tag is refused or given one (`placement`), and the request is put in the
    form whose injection the gateway documents: it substitutes `{{ transcript }}`
    in a message's string content, while in `prompt` and inside content parts it
    is [UNCONFIRMED] (gateway-spec.md section 3.4). So `prompt` goes as the one
    user message it is documented to become, and the tagged message's text parts
    go joined into one string. The input is never mutated.

    Raises:
        ValueError: as `resolve_transcript_refs` and `apply_tag_placement` do.
    """
    if scan.refs:
        resolved = _resolve(request, scan, inline_texts or {})
        return _injection_form(resolved, scan.ref_at)
    if request.get("transcript_id") is None:
        return request
    if scan.tag_at is not None:
        return _injection_form(request, scan.tag_at)
    return _injection_form(*_add_missing_tag(request, placement))


def _injection_form(request: Mapping[str, Any], tag_at: int | None) -> dict[str, Any]:
    out = dict(request)
    if isinstance(out.get("prompt"), str):
        out["messages"] = [{"role": "user", "content": out.pop("prompt")}]
        return out
    if tag_at is None:
        return out
    messages = out["messages"]
    tagged = messages[tag_at]
    if isinstance(tagged, Mapping) and isinstance(tagged.get("content"), list):
        joined = {**tagged, "content": "\n".join(_texts(tagged["content"]))}
        out["messages"] = [*messages[:tag_at], joined, *messages[tag_at + 1 :]]
    return out
