"""Content blocks the gateway has no block for: prompt-cache marks and Anthropic tools.

ChatAnthropic users write `cache_control` on content blocks and in a message's
`additional_kwargs`, and their stored histories hold `tool_use` blocks in AI
messages and `tool_result` blocks in human messages. The gateway takes
`cache_control` per message only (gateway-spec sections 3.2 and 3.11: it marks
the end of the message) and tools as `tool_calls` and `tool` messages, so:

- a block's `cache_control` becomes its message's when the block is the
  message's last (the same cache point); on an earlier block it cannot be
  expressed and raises, naming the message and the block. In a tool result the
  whole result is one unit, so any of its parts' marks is the result's (as
  ChatAnthropic hoists it);
- a `tool_result` block becomes a `tool` message of its own (its mark with it);
- a `tool_use` block becomes a tool call (a matching `tool_calls` entry wins,
  as in ChatAnthropic).

Every function is pure; a malformed block raises a `ValueError` naming it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aai_gateway import Message

__all__ = [
    "MEDIA_BLOCKS",
    "TOOL_RESULT",
    "TOOL_USE",
    "block_cache",
    "check_cache_control",
    "json_text",
    "media_error",
    "merge_cache",
    "split_tool_results",
    "tool_part",
    "tool_result_message",
    "tool_use_call",
]

TOOL_RESULT = "tool_result"
TOOL_USE = "tool_use"
MEDIA_BLOCKS = frozenset(
    {"image", "image_url", "audio", "input_audio", "file", "video", "document"}
)
_CACHE_HINT = (
    "the AssemblyAI LLM Gateway takes `cache_control` per message (it marks the "
    "end of a message): put it on the message's last block or in "
    "`additional_kwargs['cache_control']`, or split the message in two after "
    "this block"
)


def media_error(kind: str, where: str, model: str) -> ValueError:
    """The error for an image, audio, PDF or video part."""
    return ValueError(
        f"{where} has a {kind!r} content part, but model {model!r} on the AssemblyAI "
        "LLM Gateway takes text only (no images, audio, PDFs or video); nothing was "
        "sent. Transcribe audio with AssemblyAI and pass `transcript_id`, or describe "
        "the content in text"
    )


def json_text(value: object, where: str) -> str:
    """`value` as JSON text, for a tool result that is data rather than text.

    Raises:
        TypeError: `value` is not JSON data.
    """
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        msg = (
            f"{where} holds {type(value).__name__} data that is not JSON ({exc}); a "
            "tool result goes to the gateway as text: return a string or JSON data"
        )
        raise TypeError(msg) from exc


def tool_part(part: object, where: str, model: str) -> str:
    """One part of a tool result as text: text as is, untyped data as JSON.

    Raises:
        ValueError: a media part, or a typed part that is not text.
    """
    if isinstance(part, str):
        return part
    kind = part.get("type") if isinstance(part, Mapping) else None
    if isinstance(part, Mapping) and kind in ("text", "text-plain"):
        text = part.get("text")
        if isinstance(text, str):
            return text
    if isinstance(part, Mapping) and "type" not in part:
        return json_text(dict(part), where)
    if kind in MEDIA_BLOCKS:
        raise media_error(str(kind), where, model)
    name = kind if isinstance(kind, str) else type(part).__name__
    msg = (
        f"{where} is a {name!r} part of a tool result; the AssemblyAI LLM Gateway "
        f"takes a tool result as one string (model {model!r}): return text or JSON data"
    )
    raise ValueError(msg)


# -- cache_control ------------------------------------------------------------------


def check_cache_control(value: object, where: str) -> dict[str, Any]:
    """A copy of a `cache_control` value, checked against the documented shape.

    Raises:
        ValueError: not an object with `"type": "ephemeral"` (gateway-spec 3.11).
    """
    if not isinstance(value, Mapping) or value.get("type") != "ephemeral":
        msg = (
            f'{where} is {value!r}; the gateway takes {{"type": "ephemeral"}}, '
            'optionally with "ttl": "5m" or "1h"'
        )
        raise ValueError(msg)
    return dict(value)


def block_cache(
    content: Sequence[object], where: str, *, hoist: bool = False
) -> dict[str, Any] | None:
    """The `cache_control` a message's blocks carry, as the message's.

    `tool_result` blocks are skipped (each keeps its own). Without `hoist`, only
    the last block may carry one.

    Raises:
        ValueError: a mark on an earlier block, or a mark of the wrong shape.
    """
    found: dict[str, Any] | None = None
    last = len(content) - 1
    for number, block in enumerate(content):
        if not isinstance(block, Mapping) or block.get("type") == TOOL_RESULT:
            continue
        value = block.get("cache_control")
        if value is None:
            continue
        place = f"{where}.content[{number}]"
        if number != last and not hoist:
            kind = block.get("type")
            msg = (
                f"{place} is a {kind!r} block with `cache_control` that is not the "
                f"message's last block; {_CACHE_HINT}"
            )
            raise ValueError(msg)
        found = merge_cache(found, check_cache_control(value, place), place)
    return found


def merge_cache(
    first: dict[str, Any] | None, second: dict[str, Any] | None, where: str
) -> dict[str, Any] | None:
    """One message's mark from two places; they must agree.

    Raises:
        ValueError: two different marks for the same message.
    """
    if first is None or second is None or first == second:
        return first if first is not None else second
    msg = (
        f"{where} has two different `cache_control` marks for one message "
        f"({first!r} and {second!r}); keep one"
    )
    raise ValueError(msg)


# -- tool_result (human messages) -----------------------------------------------------


def split_tool_results(
    content: Sequence[object], where: str
) -> tuple[list[tuple[int, Mapping[str, Any]]], list[object]]:
    """A human message's `tool_result` blocks (with their positions) and the rest.

    Raises:
        ValueError: a `tool_result` after other content (Anthropic too requires
            tool results first, so each answers the assistant turn before it).
    """
    results: list[tuple[int, Mapping[str, Any]]] = []
    rest: list[object] = []
    for number, block in enumerate(content):
        if isinstance(block, Mapping) and block.get("type") == TOOL_RESULT:
            if rest:
                msg = (
                    f"{where}.content[{number}] is a 'tool_result' block after other "
                    "content; put tool results first (as Anthropic requires), then "
                    "the text"
                )
                raise ValueError(msg)
            results.append((number, block))
        else:
            rest.append(block)
    return results, rest


def _result_text(block: Mapping[str, Any], where: str, model: str) -> str:
    content = block.get("content")
    if content is None or isinstance(content, str):
        return content or ""
    if not isinstance(content, list):
        msg = (
            f"{where} has `content` of type {type(content).__name__}; a 'tool_result' "
            "block takes a string or a list of text blocks"
        )
        raise ValueError(msg)
    return "\n".join(
        tool_part(part, f"{where}.content[{k}]", model)
        for k, part in enumerate(content)
    )


def tool_result_message(block: Mapping[str, Any], where: str, model: str) -> Message:
    """A `tool_result` block as a `tool` message (its `cache_control` kept).

    Raises:
        ValueError: no `tool_use_id` string, or content that is not text.
    """
    call_id = block.get("tool_use_id")
    if not isinstance(call_id, str) or not call_id:
        msg = (
            f"{where} is a 'tool_result' block without a `tool_use_id` string; it "
            "needs the id of the `tool_use` it answers"
        )
        raise ValueError(msg)
    wire: dict[str, Any] = {
        "role": "tool",
        "tool_call_id": call_id,
        "content": _result_text(block, where, model),
    }
    inner = block.get("content")
    parts = inner if isinstance(inner, list) else []
    cache = merge_cache(
        _own_cache(block, where), block_cache(parts, where, hoist=True), where
    )
    if cache is not None:
        wire["cache_control"] = cache
    return wire  # type: ignore[return-value]


def _own_cache(block: Mapping[str, Any], where: str) -> dict[str, Any] | None:
    value = block.get("cache_control")
    return None if value is None else check_cache_control(value, where)


# -- tool_use (AI messages) -------------------------------------------------------------


def _arguments(block: Mapping[str, Any], where: str) -> str:
    arguments = block.get("input")
    partial = block.get("partial_json")
    if not arguments and isinstance(partial, str) and partial.strip():
        return partial  # a streamed block: the JSON text as it arrived
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, Mapping):
        msg = (
            f"{where} is a 'tool_use' block whose `input` is "
            f"{type(arguments).__name__}; it must be an object of arguments"
        )
        raise ValueError(msg)
    return json_text(dict(arguments), f"{where}.input")


def tool_use_call(block: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A `tool_use` block as a wire tool call.

    Raises:
        ValueError: no `id` or `name` string, or `input` that is not an object.
    """
    missing = [k for k in ("id", "name") if not isinstance(block.get(k), str)]
    missing += [k for k in ("id", "name") if k not in missing and not block[k]]
    if missing:
        names = " and ".join(f"`{k}`" for k in missing)
        msg = f"{where} is a 'tool_use' block without {names}; it needs both strings"
        raise ValueError(msg)
    return {
        "id": block["id"],
        "type": "function",
        "function": {"name": block["name"], "arguments": _arguments(block, where)},
    }
