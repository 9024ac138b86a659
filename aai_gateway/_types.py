"""Wire request shapes, parsed response types, and the one place responses are read.

Request shapes are `TypedDict`s (what goes on the wire, as the caller wrote it).
Parsed responses are frozen dataclasses with a `raw` mapping that keeps every key the
gateway sent, including ones this version does not know.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from typing_extensions import Required, TypedDict

from aai_gateway._speedups import set_fields

Role = Literal["system", "user", "assistant", "tool"]
FinishReason = Literal["stop", "length", "tool_calls", "content_filter"]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class TextPart(TypedDict):
    """A text content part, the only part type the gateway takes."""

    type: Literal["text"]
    text: str


class FunctionCallParam(TypedDict):
    """The function half of a tool call: `arguments` is a JSON string."""

    name: str
    arguments: str


class ToolCallParam(TypedDict):
    """A tool call as it is replayed in an assistant message."""

    id: str
    type: Literal["function"]
    function: FunctionCallParam


class Message(TypedDict, total=False):
    """One chat message on the wire.

    Attributes:
        role: `system`, `user`, `assistant` or `tool`.
        content: The text, or a list of text parts; `None` for an assistant
            message that only calls tools. A tool result is one string.
        name: The speaker's name (system, user and assistant messages).
        tool_call_id: On a `tool` message: the call it answers.
        tool_calls: On an `assistant` message: the calls it made, replayed.
        cache_control: Marks the message for prompt caching, e.g.
            `{"type": "ephemeral", "ttl": "1h"}` (the gateway marks whole messages).
    """

    role: Required[Role]
    content: str | list[TextPart] | None
    name: str
    tool_call_id: str
    tool_calls: list[ToolCallParam]
    cache_control: dict[str, Any]


class FunctionDefinition(TypedDict, total=False):
    """A function a model may call."""

    name: Required[str]
    description: str
    parameters: Required[dict[str, Any]]
    strict: bool


class ToolParam(TypedDict):
    """A tool offered to the model; the gateway takes only functions.

    Attributes:
        type: Always `"function"`.
        function: Its `name`, `description`, JSON-schema `parameters` and
            optional `strict`.
    """

    type: Literal["function"]
    function: FunctionDefinition


class NamedToolChoice(TypedDict):
    """Force one named function."""

    type: Literal["function"]
    function: dict[str, str]


# The documented values only (gateway-spec.md section 3.5): `"required"` is
# [UNCONFIRMED]; `resolve_tool_choice` maps what callers write onto these.
ToolChoice = Literal["none", "auto"] | NamedToolChoice


class FallbackConfig(TypedDict, total=False):
    """How the gateway retries and falls back on an upstream failure."""

    retry: bool
    depth: int


class ChatRequest(TypedDict, total=False):
    """A `POST /v1/chat/completions` body. Only the keys a caller sets are sent.

    Attributes:
        model: The gateway model id, e.g. `claude-sonnet-4-6`.
        messages: The conversation (or give `prompt`).
        prompt: Instead of `messages`: one text, sent as the first user message.
        max_tokens: The output cap (the gateway's default is 1000).
        temperature: 0 to 2.
        top_p: Nucleus sampling, 0 to 1, for models that take it.
        seed: Ask for repeatable sampling, for models that take it.
        frequency_penalty: -2 to 2, for models that take it.
        presence_penalty: -2 to 2, for models that take it.
        stop: Sequences that end the answer.
        tools: Functions the model may call.
        tool_choice: `"none"`, `"auto"` or one named function.
        response_format: A `json_schema` format, for models that take it.
        stream: Answer as server-sent events (`stream_chat` sets it).
        stream_options: E.g. `{"include_usage": True}`.
        transcript_id: An AssemblyAI transcript the gateway injects at the first
            exact `{{ transcript }}` tag.
        fallbacks: Models (and overrides) the gateway tries when the model fails.
        fallback_config: `{"depth": 1 or 2, "retry": bool}`.
        post_processing_steps: E.g. `[{"type": "json-repair"}]`.
        model_region: `"global"` routes to the model's global deployment.
        reasoning: E.g. `{"effort": "low"}`.
    """

    model: Required[str]
    messages: list[Message]
    prompt: str
    max_tokens: int
    temperature: float
    top_p: float
    seed: int
    frequency_penalty: float
    presence_penalty: float
    stop: list[str]
    tools: list[ToolParam]
    tool_choice: ToolChoice
    response_format: dict[str, Any]
    stream: bool
    stream_options: dict[str, Any]
    transcript_id: str
    fallbacks: list[dict[str, Any]]
    fallback_config: FallbackConfig
    post_processing_steps: list[dict[str, Any]]
    model_region: Literal["global"]
    reasoning: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A complete tool call. `arguments` is the JSON text the model produced.

    Attributes:
        id: The call's id; a tool result answers it with `tool_call_id`.
        name: The function called.
        arguments: The arguments as JSON text (`parsed_arguments()` reads them).
        index: Its position among the answer's tool calls.
    """

    id: str
    name: str
    arguments: str
    index: int = 0

    def parsed_arguments(self) -> dict[str, Any]:
        """The arguments as a dict (`{}` for empty text).

        Raises:
            ValueError: the text is not a JSON object.
        """
        return parse_tool_arguments(self.arguments)


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A fragment of a streamed tool call; fragments with one `index` join up.

    Attributes:
        index: Which tool call of the answer the fragment belongs to.
        id: The call's id, on the fragment that first carries it.
        name: The function's name, on the fragment that first carries it.
        arguments: The next piece of the arguments' JSON text.
    """

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts, whichever naming the gateway used.

    A detail count is `None` when the gateway did not report it and a number
    (`0` included) when it did, the same rule for cache reads and writes.

    Attributes:
        input_tokens: Prompt tokens, cached ones included (the OpenAI convention
            the gateway follows: `prompt_tokens_details` are parts of it).
        output_tokens: Answer tokens, reasoning included.
        total_tokens: Input plus output.
        cache_read_tokens: Prompt tokens read from the prompt cache.
        cache_creation_tokens: Prompt tokens written to the cache, any TTL.
        cache_creation_1h_tokens: The part of `cache_creation_tokens` written
            with the one-hour TTL (priced apart; gateway-spec section 3.11).
        reasoning_tokens: The part of `output_tokens` the model spent reasoning.
        raw: The usage object as the gateway sent it.
    """

    input_tokens: int
    output_tokens: int
    total_tokens: int
    cache_read_tokens: int | None = None
    cache_creation_tokens: int | None = None
    reasoning_tokens: int | None = None
    cache_creation_1h_tokens: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The `x-ratelimit-*` headers of a response.

    Attributes:
        limit: Requests allowed in the window (`x-ratelimit-limit`).
        remaining: Requests left in it (`x-ratelimit-remaining`).
        reset_seconds: Seconds until it resets (`x-ratelimit-reset`).
        model: The model the limit applies to (`x-ratelimit-model`).
        service: The service it applies to (`x-ratelimit-service`).
    """

    limit: int | None = None
    remaining: int | None = None
    reset_seconds: float | None = None
    model: str | None = None
    service: str | None = None


@dataclass(frozen=True, slots=True)
class ChatCompletion:
    """A whole answer, normalised from any of the shapes the gateway sends.

    Attributes:
        content: The text (`None` when the model only called tools).
        tool_calls: Every tool call, from whichever place in the body it sat.
        finish_reason: One of stop/length/tool_calls/content_filter, or `None`.
        raw_finish_reason: The provider's own value (`end_turn`, `tool_use`, ...).
        usage: The token counts, when the gateway sent them.
        model: The model that answered (a fallback model may answer).
        request_id: Quote it to AssemblyAI support.
        response_time_ns: The gateway's own time for the request.
        thinking: The model's reasoning text, when it returned any.
        rate_limit: The response's rate-limit headers, when sent.
        inlined_transcripts: Referenced transcripts whose text was sent inline
            (the first one always goes by reference).
        raw: The whole body as sent.
    """

    content: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: FinishReason | None = None
    raw_finish_reason: str | None = None
    usage: Usage | None = None
    model: str | None = None
    request_id: str | None = None
    response_time_ns: int | None = None
    thinking: str | None = None
    rate_limit: RateLimit | None = None
    inlined_transcripts: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, init=False)
class ChatCompletionChunk:
    """One step of a stream.

    Content and tool-call fragments arrive on any chunk. `finish_reason`, `usage`
    and `model` arrive once, on the last chunk, which has `final=True`.

    Attributes:
        content: The new text (`""` when the chunk carries none).
        tool_calls: Tool-call fragments; those with one `index` join up.
        thinking: New reasoning text, when the model streams its thinking.
        final: `True` on the last chunk only.
        finish_reason: On the last chunk: stop/length/tool_calls/content_filter.
        raw_finish_reason: On the last chunk: the provider's own value.
        usage: On the last chunk: the token counts, when the gateway sent them.
        model: On the last chunk: the model that answered.
        request_id: On the last chunk: quote it to AssemblyAI support.
        rate_limit: On the last chunk: the response's rate-limit headers.
        inlined_transcripts: On the last chunk: referenced transcripts whose text
            was sent inline.
        raw: The event's payload as sent (the last event's, on the last chunk).
    """

    content: str = ""
    tool_calls: tuple[ToolCallDelta, ...] = ()
    thinking: str | None = None
    final: bool = False
    finish_reason: FinishReason | None = None
    raw_finish_reason: str | None = None
    usage: Usage | None = None
    model: str | None = None
    request_id: str | None = None
    rate_limit: RateLimit | None = None
    inlined_transcripts: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __init__(
        self,
        content: str = "",
        tool_calls: tuple[ToolCallDelta, ...] = (),
        thinking: str | None = None,
        final: bool = False,
        finish_reason: FinishReason | None = None,
        raw_finish_reason: str | None = None,
        usage: Usage | None = None,
        model: str | None = None,
        request_id: str | None = None,
        rate_limit: RateLimit | None = None,
        inlined_transcripts: tuple[str, ...] = (),
        raw: Mapping[str, Any] | None = None,
    ) -> None:
        # One chunk per streamed token: `set_fields` (aai_gateway._speedups).
        set_fields(
            self,
            {
                "content": content,
                "tool_calls": tool_calls,
                "thinking": thinking,
                "final": final,
                "finish_reason": finish_reason,
                "raw_finish_reason": raw_finish_reason,
                "usage": usage,
                "model": model,
                "request_id": request_id,
                "rate_limit": rate_limit,
                "inlined_transcripts": inlined_transcripts,
                "raw": {} if raw is None else raw,
            },
        )


_FINISH_REASONS: Mapping[str, FinishReason] = {
    "stop": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "eos": "stop",
    "finish_reason_unspecified": "stop",
    "length": "length",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_calls": "tool_calls",
    "tool_use": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
    "safety": "content_filter",
    "recitation": "content_filter",
    "refusal": "content_filter",
    "blocklist": "content_filter",
    "prohibited_content": "content_filter",
    "spii": "content_filter",
}


def normalize_finish_reason(
    raw: object, *, has_tool_calls: bool = False
) -> FinishReason | None:
    """Map a provider's finish reason onto the four the frameworks know.

    Gemini says `STOP` even when it called tools, so tool calls turn a plain stop
    into `tool_calls`. An unknown value maps to `None`; the raw value is kept apart.
    """
    reason = _FINISH_REASONS.get(raw.lower()) if isinstance(raw, str) else None
    if has_tool_calls and reason in (None, "stop"):
        return "tool_calls"
    return reason


def parse_tool_arguments(text: str) -> dict[str, Any]:
    """Decode tool-call arguments; empty text means no arguments.

    Raises:
        ValueError: the text is not a JSON object.
    """
    if not text.strip():
        return {}
    value = json.loads(text)
    if not isinstance(value, dict):
        msg = f"tool arguments must be a JSON object, got {type(value).__name__}"
        raise ValueError(msg)
    return value


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _first_int(mapping: Mapping[str, Any], *keys: str) -> int | None:
    for key in keys:
        value = _int(mapping.get(key))
        if value is not None:
            return value
    return None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else _EMPTY


def _either_int(
    first: Mapping[str, Any], first_key: str, second: Mapping[str, Any], key: str
) -> int | None:
    """`first[first_key]`, else `second[key]`: a reported `0` counts as reported."""
    value = _int(first.get(first_key))
    return value if value is not None else _int(second.get(key))


def _cache_creation_tokens(
    prompt_details: Mapping[str, Any], usage: Mapping[str, Any]
) -> tuple[int | None, int | None]:
    """Cache writes in all, and the one-hour part of them (`None`: not reported)."""
    creation = _mapping(prompt_details.get("cache_creation"))
    parts = [_int(v) for v in creation.values()]
    counted = [p for p in parts if p is not None]
    if counted:
        return sum(counted), _int(creation.get("ephemeral_1h_input_tokens"))
    total = _either_int(
        prompt_details, "cache_write_tokens", usage, "cache_creation_input_tokens"
    )
    return total, None


def parse_usage(value: object) -> Usage | None:
    """Read usage in either naming (`input_tokens` or `prompt_tokens`), with details.

    Cache reads and writes follow one rule: a count the gateway sent is kept,
    `0` included; one it did not send is `None`.
    """
    usage = _mapping(value)
    input_tokens = _first_int(usage, "input_tokens", "prompt_tokens")
    output_tokens = _first_int(usage, "output_tokens", "completion_tokens")
    if input_tokens is None and output_tokens is None:
        return None
    input_tokens = input_tokens or 0
    output_tokens = output_tokens or 0
    total = _first_int(usage, "total_tokens")
    prompt_details = _mapping(usage.get("prompt_tokens_details"))
    completion_details = _mapping(usage.get("completion_tokens_details"))
    creation, creation_1h = _cache_creation_tokens(prompt_details, usage)
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=total if total is not None else input_tokens + output_tokens,
        cache_read_tokens=_either_int(
            prompt_details, "cached_tokens", usage, "cache_read_input_tokens"
        ),
        cache_creation_tokens=creation,
        reasoning_tokens=_first_int(completion_details, "reasoning_tokens"),
        cache_creation_1h_tokens=creation_1h,
        raw=usage,
    )


def parse_rate_limit(headers: Mapping[str, str]) -> RateLimit | None:
    """Read the `x-ratelimit-*` headers, if any were sent."""
    if "x-ratelimit-limit" not in headers and "x-ratelimit-remaining" not in headers:
        return None

    def number(name: str) -> float | None:
        try:
            return float(headers[name])
        except (KeyError, ValueError):
            return None

    limit, remaining = number("x-ratelimit-limit"), number("x-ratelimit-remaining")
    return RateLimit(
        limit=None if limit is None else int(limit),
        remaining=None if remaining is None else int(remaining),
        reset_seconds=number("x-ratelimit-reset"),
        model=headers.get("x-ratelimit-model"),
        service=headers.get("x-ratelimit-service"),
    )


def _arguments_text(value: object) -> str:
    if value is None or value == "":
        return "{}"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _parse_tool_calls(items: object, start: int, prefix: str) -> list[ToolCall]:
    calls: list[ToolCall] = []
    if not isinstance(items, Sequence) or isinstance(items, str):
        return calls
    for position, item in enumerate(items):
        call = _mapping(item)
        function = _mapping(call.get("function"))
        name = function.get("name", call.get("name"))
        if not isinstance(name, str) or not name:
            continue
        call_id = call.get("id")
        calls.append(
            ToolCall(
                id=call_id
                if isinstance(call_id, str) and call_id
                else f"{prefix}_{position}",
                name=name,
                arguments=_arguments_text(
                    function.get("arguments", call.get("arguments"))
                ),
                index=start + len(calls),
            )
        )
    return calls


def _collect_choices(
    choices: Iterable[object],
) -> tuple[list[str], list[ToolCall], list[str], object]:
    texts: list[str] = []
    thoughts: list[str] = []
    calls: list[ToolCall] = []
    raw_reason: object = None
    for number, item in enumerate(choices):
        choice = _mapping(item)
        message = _mapping(choice.get("message"))
        if isinstance(message.get("content"), str):
            texts.append(message["content"])
        if isinstance(message.get("thinking"), str):
            thoughts.append(message["thinking"])
        # Current place first, then the pre-March-2026 place beside `message`.
        for where in (message.get("tool_calls"), choice.get("tool_calls")):
            calls.extend(_parse_tool_calls(where, len(calls), f"call_{number}"))
        if raw_reason is None:
            raw_reason = choice.get("finish_reason")
    return texts, calls, thoughts, raw_reason


def parse_chat_completion(
    body: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> ChatCompletion:
    """Normalise a non-streaming `/chat/completions` body.

    Tool calls are taken from `choices[i].message.tool_calls` (current), from
    `choices[i].tool_calls` (older docs), and from every choice when the model
    split text and calls across choices.

    Raises:
        ValueError: the body has no `choices` list.
    """
    choices = body.get("choices")
    if not isinstance(choices, list):
        msg = "the response has no `choices` list"
        raise ValueError(msg)
    texts, calls, thoughts, raw_reason = _collect_choices(choices)
    has_text = any(texts)
    return ChatCompletion(
        content="".join(texts) if has_text or not calls else None,
        tool_calls=tuple(calls),
        finish_reason=normalize_finish_reason(raw_reason, has_tool_calls=bool(calls)),
        raw_finish_reason=raw_reason if isinstance(raw_reason, str) else None,
        usage=parse_usage(body.get("usage")),
        model=body.get("model") if isinstance(body.get("model"), str) else None,
        request_id=_request_id(body, headers or {}),
        response_time_ns=_int(body.get("response_time")),
        thinking="".join(thoughts) or None,
        rate_limit=parse_rate_limit(headers or {}),
        raw=body,
    )


def _request_id(body: Mapping[str, Any], headers: Mapping[str, str]) -> str | None:
    value = body.get("request_id")
    if isinstance(value, str) and value:
        return value
    return headers.get("x-request-id") or headers.get("request-id")


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """What an error body said, whichever of the three envelopes it used."""

    message: str | None
    errors: tuple[str, ...] = ()
    request_id: str | None = None
    code: object = None


def parse_error_body(body: object) -> ErrorBody:
    """Read an error body.

    The gateway uses three envelopes: flat `{code, message, request_id,
    metadata.errors}`; the auth one `{error: "...", status, request_id}`; and the
    older nested `{error: {code, message}}`. The transcript API sends `{error}`.
    """
    data = _mapping(body)
    nested = _mapping(data.get("error"))
    message: object = data.get("message")
    if not isinstance(message, str):
        message = (
            data.get("error")
            if isinstance(data.get("error"), str)
            else nested.get("message")
        )
    metadata = _mapping(data.get("metadata") or nested.get("metadata"))
    errors = metadata.get("errors")
    listed = tuple(str(e) for e in errors) if isinstance(errors, list) else ()
    request_id = data.get("request_id") or nested.get("request_id")
    return ErrorBody(
        message=message if isinstance(message, str) else None,
        errors=listed,
        request_id=request_id if isinstance(request_id, str) else None,
        code=data.get("code", nested.get("code")),
    )


def decode_json(content: bytes | str) -> object:
    """Decode a JSON body or event; raises `ValueError` when it is not JSON."""
    return json.loads(content)


def is_stream_error_payload(payload: Mapping[str, Any]) -> bool:
    """Whether a streamed event is an error report rather than a chunk."""
    if payload.get("error") not in (None, ""):
        return True
    return "choices" not in payload and "message" in payload and "code" in payload
