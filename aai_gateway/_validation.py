"""Checks run on a request before it is sent, so bad input never costs a round trip.

Every error names the argument and says what to do instead. `normalise_request`
first rewrites the few fields callers spell another way into what the vendor schema
documents, so nothing [UNCONFIRMED] (gateway-spec.md section 16) goes on the wire.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from aai_gateway._tools import (
    bound_tool_names,
    check_tool_choice,
    complete_tool_parameters,
    resolve_tool_choice,
)
from aai_gateway._transcripts._references import check_transcript_id

_ROLES = frozenset({"system", "user", "assistant", "tool"})
# Fields `normalise_request` rewrites; a request without any of them is left alone.
_NORMALISED = ("max_completion_tokens", "tools", "tool_choice")

# Fields the gateway takes that are not model parameters, so never gated per model.
GATEWAY_FIELDS = frozenset(
    {
        "model",
        "messages",
        "prompt",
        "transcript_id",
        "fallbacks",
        "fallback_config",
        "post_processing_steps",
        "model_region",
        "reasoning",
        "stream_options",
        "cache_control",
        "prompt_cache_key",
        "prompt_cache_retention",
        "zero_data_retention",
    }
)


def _fail(message: str, kind: type[Exception] = ValueError) -> NoReturn:
    raise kind(message)


_NOT_IN_NAMES = frozenset(" \t:")


def check_headers(argument: str) -> Callable[[object], None]:
    """A check of `argument`, a mapping of HTTP header names to values.

    Names must be ASCII with no spaces or colons, values ASCII text with no line
    breaks: HTTP carries nothing else, and a line break in a value would start a
    header of the caller's making. Messages name the header, never its value (it
    may be a token).
    """

    def check(headers: object) -> None:
        if not isinstance(headers, Mapping):
            _fail(
                f"`{argument}` must be a mapping of header names to values", TypeError
            )
        for name, value in headers.items():
            if not isinstance(name, str) or not isinstance(value, str):
                msg = (
                    f"`{argument}`: header names and values must be strings ({name!r})"
                )
                _fail(msg, TypeError)
            if not name or not name.isascii() or not name.isprintable():
                _fail(f"`{argument}`: {name!r} is not a header name (ASCII, printable)")
            if _NOT_IN_NAMES.intersection(name):
                _fail(f"`{argument}`: header name {name!r} has a space or a colon")
            if not value.isascii() or "\r" in value or "\n" in value or "\0" in value:
                msg = (
                    f"`{argument}`: the value of {name!r} must be ASCII text without "
                    "line breaks (percent-encode other text)"
                )
                _fail(msg)

    return check


def normalise_request(request: Mapping[str, Any]) -> Mapping[str, Any]:
    """The request in the spellings the vendor schema documents (never mutated).

    - `max_completion_tokens` (OpenAI's newer name, [UNCONFIRMED] on the gateway)
      is sent as `max_tokens`.
    - A tool without `parameters` gets the empty-object schema.
    - `tool_choice` goes through `resolve_tool_choice` (no `"required"`).

    Raises:
        ValueError: `max_tokens` and `max_completion_tokens` disagree, or
            `tool_choice` is not a value `resolve_tool_choice` takes.
    """
    if not any(key in request for key in _NORMALISED):
        return request
    out = dict(request)
    alias = out.pop("max_completion_tokens", None)
    if alias is not None:
        if out.get("max_tokens") not in (None, alias):
            _fail(
                f"`max_tokens` ({out['max_tokens']!r}) and `max_completion_tokens` "
                f"({alias!r}) disagree; set one (it is sent as `max_tokens`)"
            )
        out["max_tokens"] = alias
    if out.get("tools") is not None:
        out["tools"] = complete_tool_parameters(out["tools"])
    if out.get("tool_choice") is not None:
        names = bound_tool_names(out.get("tools"))
        out["tool_choice"] = resolve_tool_choice(out["tool_choice"], names)
    return out


def validate_chat_request(request: Mapping[str, Any]) -> None:
    """Reject a request the gateway would refuse, before it is sent.

    Raises:
        TypeError: a field has the wrong type.
        ValueError: a field has a value the gateway refuses.
    """
    check_request_type(request)
    model = request.get("model")
    if not isinstance(model, str) or not model.strip():
        _fail(
            f"`model` must be a non-empty model id such as 'claude-sonnet-4-6', got {model!r}"
        )
    _validate_prompt_or_messages(request)
    _validate_numbers(request)
    _validate_gateway_fields(request)
    _validate_tools(request)


def _validate_prompt_or_messages(request: Mapping[str, Any]) -> None:
    has_messages = request.get("messages") is not None
    has_prompt = request.get("prompt") is not None
    if has_messages and has_prompt:
        _fail("set either `messages` or `prompt`, not both")
    if has_prompt:
        if not isinstance(request["prompt"], str) or not request["prompt"]:
            _fail("`prompt` must be a non-empty string")
        return
    messages = request.get("messages")
    if not isinstance(messages, list) or not messages:
        _fail("`messages` must be a non-empty list of messages (or pass `prompt`)")
    for position, message in enumerate(messages):
        validate_message(message, position)


def validate_message(message: object, position: int) -> None:
    """Check one wire message: its role, its content parts, tool fields."""
    where = f"`messages[{position}]`"
    if not isinstance(message, Mapping):
        _fail(f"{where} must be a mapping with `role` and `content`", TypeError)
    role = message.get("role")
    if role not in _ROLES:
        _fail(f"{where} has role {role!r}; the gateway takes {sorted(_ROLES)}")
    _validate_content(message.get("content"), role, where)
    if role == "tool" and not isinstance(message.get("tool_call_id"), str):
        _fail(f"{where} is a tool result without a `tool_call_id` string")
    calls = message.get("tool_calls")
    if calls is not None:
        _validate_tool_calls(calls, role, where)


def _validate_content(content: object, role: object, where: str) -> None:
    # The contract: user/system take a string or text parts; assistant a string or
    # null (when it called tools); tool a string.
    if isinstance(content, list):
        if role in ("assistant", "tool"):
            _fail(
                f"{where}.content must be a string for a {role!r} message, not a list of parts",
                TypeError,
            )
        for number, part in enumerate(content):
            _validate_part(part, f"{where}.content[{number}]")
    elif content is None:
        if role != "assistant":
            _fail(
                f"{where} ({role}) needs `content`: a string"
                + ("" if role == "tool" else " or a list of text parts")
            )
    elif not isinstance(content, str):
        _fail(
            f"{where}.content must be a string, a list of text parts, or None",
            TypeError,
        )


def _validate_tool_calls(calls: object, role: object, where: str) -> None:
    if role != "assistant":
        _fail(f"{where} has `tool_calls`, which only an assistant message can carry")
    for number, call in enumerate(calls if isinstance(calls, list) else [None]):
        function = call.get("function") if isinstance(call, Mapping) else None
        if not (
            isinstance(call, Mapping)
            and isinstance(call.get("id"), str)
            and isinstance(function, Mapping)
            and isinstance(function.get("name"), str)
            and isinstance(function.get("arguments"), str)
        ):
            _fail(
                f"{where}.tool_calls[{number}] must be {{'id': str, 'type': 'function', "
                "'function': {'name': str, 'arguments': JSON string}}"
            )


def _validate_part(part: object, where: str) -> None:
    kind = part.get("type") if isinstance(part, Mapping) else None
    if kind == "text" and isinstance(part, Mapping):
        text = part.get("text")
        if not isinstance(text, str):
            missing = "has no `text`" if "text" not in part else f"has `text` {text!r}"
            _fail(
                f"{where} is a text part that {missing}: give it a string, "
                "{'type': 'text', 'text': '...'}",
                TypeError,
            )
        return
    _fail(
        f"{where} is a {kind or type(part).__name__!s} part; the gateway takes only text "
        "parts ({'type': 'text', 'text': ...}). Send images, audio, PDFs and video "
        "through AssemblyAI transcription instead, or describe them in text"
    )


def check_request_type(request: object, argument: str = "request") -> None:
    """Refuse a request that is not a mapping, before anything reads it.

    Raises:
        TypeError: `request` is not a mapping (`None`, a list, a string, ...).
    """
    if not isinstance(request, Mapping):
        msg = (
            f"`{argument}` must be a mapping such as "
            "{'model': 'claude-sonnet-4-6', 'messages': [...]}, "
            f"got {type(request).__name__}"
        )
        raise TypeError(msg)


_RANGES: Mapping[str, tuple[float, float]] = {
    "temperature": (0, 2),
    # Sampling passthroughs, [UNCONFIRMED] on the gateway (gateway-spec.md 3.1):
    # OpenAI's ranges.
    "top_p": (0, 1),
    "frequency_penalty": (-2, 2),
    "presence_penalty": (-2, 2),
}


def _validate_numbers(request: Mapping[str, Any]) -> None:
    for name, (low, high) in _RANGES.items():
        value = request.get(name)
        if value is None or _non_finite(value):
            continue  # NaN and infinities: refused by the JSON check, in every field
        if isinstance(value, bool) or not isinstance(value, int | float):
            _fail(
                f"`{name}` must be a number from {low:g} to {high:g}, got {value!r}",
                TypeError,
            )
        if not low <= value <= high:
            _fail(f"`{name}` must be from {low:g} to {high:g}, got {value!r}")
    seed = request.get("seed")
    if seed is not None and not _non_finite(seed) and not _whole(seed):
        _fail(f"`seed` must be a whole number, got {seed!r}", TypeError)
    max_tokens = request.get("max_tokens")
    if max_tokens is not None:
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int):
            _fail(
                f"`max_tokens` must be a whole number of at least 1, got {max_tokens!r}",
                TypeError,
            )
        elif max_tokens < 1:
            _fail(f"`max_tokens` must be at least 1, got {max_tokens}")


def _non_finite(value: object) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validate_gateway_fields(request: Mapping[str, Any]) -> None:
    transcript_id = request.get("transcript_id")
    if transcript_id is not None:
        if not isinstance(transcript_id, str):
            _fail(
                f"`transcript_id` must be a transcript id string, got {transcript_id!r}",
                TypeError,
            )
        check_transcript_id(transcript_id)
    region = request.get("model_region")
    if region is not None and region != "global":
        _fail(
            f"`model_region` can only be 'global' (omit it for in-region processing), got {region!r}"
        )
    config = request.get("fallback_config")
    if config is not None:
        depth = config.get("depth") if isinstance(config, Mapping) else None
        if not isinstance(config, Mapping) or (
            depth is not None and (not isinstance(depth, int) or not 1 <= depth <= 2)
        ):
            _fail(f"`fallback_config.depth` must be 1 or 2, got {config!r}")
    fallbacks = request.get("fallbacks", [])
    if not isinstance(fallbacks, list) or not all(
        isinstance(f, Mapping) and isinstance(f.get("model"), str) for f in fallbacks
    ):
        _fail("`fallbacks` must be a list of objects, each with a `model` id")


def _validate_tools(request: Mapping[str, Any]) -> None:
    # Forms `normalise_request` completes pass here too: a tool without
    # `parameters`, and every `tool_choice` that `resolve_tool_choice` takes.
    tools = request.get("tools")
    if tools is not None:
        for number, tool in enumerate(tools if isinstance(tools, list) else [None]):
            function = tool.get("function") if isinstance(tool, Mapping) else None
            parameters = (
                function.get("parameters") if isinstance(function, Mapping) else None
            )
            if (
                not isinstance(function, Mapping)
                or not isinstance(function.get("name"), str)
                or not isinstance(parameters, Mapping | None)
            ):
                _fail(
                    f"`tools[{number}]` must be {{'type': 'function', 'function': {{'name', 'parameters'}}}}"
                )
    choice = request.get("tool_choice")
    if choice is not None:
        check_tool_choice(choice, bound_tool_names(tools))


def check_capabilities(
    request: Mapping[str, Any], supports: Callable[[str], bool | None]
) -> None:
    """Refuse parameters the model is known not to take, naming each one.

    `supports` answers for one parameter: `True`, `False`, or `None` (unknown,
    which lets the request through).

    Raises:
        ValueError: one or more parameters are known to be unsupported.
    """
    refused = [
        name
        for name in request
        if name not in GATEWAY_FIELDS and name != "stream" and supports(name) is False
    ]
    if refused:
        names = ", ".join(f"`{name}`" for name in refused)
        _fail(
            f"model {request.get('model')!r} does not take {names} (per the model catalogue); "
            "remove it, or pick a model that supports it"
        )
