"""Pure mappings between LlamaIndex types and the gateway's wire and parsed types.

Nothing here does I/O or mutates its input. Every LlamaIndex role and content
block is either mapped or refused with an error naming it (design.md section 3):
images, audio, video, documents and citation blocks raise before anything is sent.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from llama_index.core.base.llms.types import (
    CachePoint,
    ChatMessage,
    ChatResponse,
    CompletionResponse,
    ContentBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from llama_index.core.llms.utils import parse_partial_json
from llama_index.core.tools import BaseTool, ToolSelection
from pydantic import BaseModel

from aai_gateway import ChatCompletion, ChatCompletionChunk, Message, ToolCall, Usage
from aai_gateway.adapters import ChunkAccumulator, Prototype
from aai_gateway.types import parse_tool_arguments

__all__ = [
    "StreamState",
    "amessages_checked",
    "build_response_format",
    "build_response_kwargs",
    "from_gateway_completion",
    "messages_checked",
    "parse_structured",
    "to_completion_response",
    "to_gateway_messages",
    "to_gateway_tools",
    "tool_selections",
    "trim_to_one_tool_call",
]

ModelT = TypeVar("ModelT", bound=BaseModel)

_ROLES: Mapping[MessageRole, str] = {
    MessageRole.SYSTEM: "system",
    MessageRole.DEVELOPER: "system",
    MessageRole.USER: "user",
    MessageRole.ASSISTANT: "assistant",
    MessageRole.CHATBOT: "assistant",
    MessageRole.MODEL: "assistant",
    MessageRole.TOOL: "tool",
    MessageRole.FUNCTION: "tool",
}

_UNSUPPORTED_HINT = (
    "the AssemblyAI LLM Gateway takes only text. Transcribe audio with AssemblyAI "
    "and pass the transcript (or its `transcript_id`), or describe the content in text"
)


# -- messages out ---------------------------------------------------------------------


def check_chat_messages(messages: object) -> None:
    """Refuse anything but a sequence of `ChatMessage`, naming the argument.

    Run before LlamaIndex's instrumentation sees the call, whose own check would
    answer with a pydantic error about an event the caller never made.

    Raises:
        TypeError: `messages` is not a sequence of `ChatMessage`.
    """
    if not isinstance(messages, Sequence) or isinstance(messages, (str, bytes)):
        msg = f"`messages` must be a list of ChatMessage, got {type(messages).__name__}"
        raise TypeError(msg)
    for position, message in enumerate(messages):
        if not isinstance(message, ChatMessage):
            msg = (
                f"`messages[{position}]` must be a ChatMessage, got "
                f"{type(message).__name__} {message!r:.60}"
            )
            raise TypeError(msg)


_Method = TypeVar("_Method", bound=Callable[..., Any])


def messages_checked(method: _Method) -> _Method:
    """Check `messages` before LlamaIndex's instrumentation wraps the call."""

    @functools.wraps(method)
    def checked(self: Any, messages: Any, *args: Any, **kwargs: Any) -> Any:
        check_chat_messages(messages)
        return method(self, messages, *args, **kwargs)

    return cast("_Method", checked)


def amessages_checked(method: _Method) -> _Method:
    """`messages_checked` for the coroutine endpoints."""

    @functools.wraps(method)
    async def checked(self: Any, messages: Any, *args: Any, **kwargs: Any) -> Any:
        check_chat_messages(messages)
        return await method(self, messages, *args, **kwargs)

    return cast("_Method", checked)


def to_gateway_messages(messages: Sequence[ChatMessage]) -> list[Message]:
    """Map LlamaIndex chat messages onto the four roles the gateway takes.

    SYSTEM and DEVELOPER become `system`; ASSISTANT, CHATBOT and MODEL become
    `assistant`; TOOL and FUNCTION become `tool` (they need
    `additional_kwargs["tool_call_id"]`). Text blocks are joined with a newline,
    the way `ChatMessage.content` joins them. Thinking blocks stay out of the
    request; a `CachePoint` becomes the message's `cache_control`.

    Raises:
        ValueError: a role, block or tool result the gateway cannot take; the
            message names the position and the block type.
    """
    return [_to_gateway_message(m, i) for i, m in enumerate(messages)]


def _to_gateway_message(message: ChatMessage, position: int) -> Message:
    where = f"messages[{position}]"
    role = _ROLES.get(MessageRole(message.role))
    if role is None:  # pragma: no cover - every MessageRole is in the table
        msg = f"{where} has role {message.role!r}, which the gateway cannot take"
        raise ValueError(msg)
    texts, calls, blocks_cache = _read_blocks(message.blocks, where, role)
    cache = _message_cache(message, where, blocks_cache)
    text = "\n".join(texts)
    wire: Message = {"role": role, "content": text}  # type: ignore[typeddict-item]
    if role == "assistant":
        calls = calls or _legacy_tool_calls(message.additional_kwargs, where)
        if calls:
            wire["tool_calls"] = calls  # type: ignore[typeddict-item]
            wire["content"] = text or None
    if role == "tool":
        wire["tool_call_id"] = _tool_call_id(message, where)
    if cache is not None:
        wire["cache_control"] = cache
    return wire


def _read_blocks(
    blocks: Sequence[ContentBlock], where: str, role: str
) -> tuple[list[str], list[dict[str, Any]], dict[str, Any] | None]:
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    cache: tuple[int, dict[str, Any]] | None = None
    for number, block in enumerate(blocks):
        if isinstance(block, ThinkingBlock):
            continue  # reasoning is the model's own; it is not replayed as content
        if isinstance(block, CachePoint):
            cache = (number, block.cache_control.model_dump(exclude_none=True))
            continue
        _refuse_content_after(cache, where)
        if isinstance(block, TextBlock):
            texts.append(block.text)
        elif isinstance(block, ToolCallBlock) and role == "assistant":
            calls.append(_wire_tool_call(block, len(calls)))
        else:
            kind = getattr(block, "block_type", type(block).__name__)
            msg = (
                f"{where}.blocks[{number}] is a {kind!r} block in a {role!r} message; "
                f"{_UNSUPPORTED_HINT}"
            )
            raise ValueError(msg)
    return texts, calls, None if cache is None else cache[1]


def _refuse_content_after(cache: tuple[int, object] | None, where: str) -> None:
    """A `CachePoint` must end its message: the gateway marks whole messages."""
    if cache is None:
        return
    msg = (
        f"{where}.blocks[{cache[0]}] is a CachePoint followed by more content; the "
        "AssemblyAI LLM Gateway takes `cache_control` per message (it marks the end "
        "of a message): end the message with the CachePoint, or split the message "
        "in two after it"
    )
    raise ValueError(msg)


def _message_cache(
    message: ChatMessage, where: str, from_blocks: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The CachePoint's mark and `additional_kwargs['cache_control']`, as one.

    Raises:
        ValueError: a mark that is not `{"type": "ephemeral", ...}`, or two
            different marks for the message.
    """
    value = message.additional_kwargs.get("cache_control")
    if value is None:
        return from_blocks
    if not isinstance(value, Mapping) or value.get("type") != "ephemeral":
        msg = (
            f"{where}.additional_kwargs['cache_control'] is {value!r}; the gateway "
            'takes {"type": "ephemeral"}, optionally with "ttl": "5m" or "1h"'
        )
        raise ValueError(msg)
    if from_blocks is not None and from_blocks != dict(value):
        msg = (
            f"{where} has a CachePoint ({from_blocks!r}) and a different "
            f"`additional_kwargs['cache_control']` ({dict(value)!r}); keep one"
        )
        raise ValueError(msg)
    return dict(value)


def _arguments_json(arguments: object) -> str:
    if isinstance(arguments, str):
        return arguments or "{}"
    return json.dumps(arguments or {}, ensure_ascii=False)


def _wire_tool_call(block: ToolCallBlock, position: int) -> dict[str, Any]:
    return {
        "id": block.tool_call_id or f"call_{position}",
        "type": "function",
        "function": {
            "name": block.tool_name,
            "arguments": _arguments_json(block.tool_kwargs),
        },
    }


def _legacy_tool_calls(
    additional_kwargs: Mapping[str, Any], where: str
) -> list[dict[str, Any]]:
    """Tool calls stored the pre-ToolCallBlock way (plain dicts or SDK objects)."""
    calls = []
    for number, item in enumerate(additional_kwargs.get("tool_calls") or []):
        function = _get(item, "function")
        name = _get(function, "name")
        if not isinstance(name, str) or not name:
            msg = f"{where}.additional_kwargs['tool_calls'][{number}] has no function name"
            raise ValueError(msg)
        call_id = _get(item, "id")
        calls.append(
            {
                "id": call_id if isinstance(call_id, str) else f"call_{number}",
                "type": "function",
                "function": {
                    "name": name,
                    "arguments": _arguments_json(_get(function, "arguments")),
                },
            }
        )
    return calls


def _get(item: object, key: str) -> Any:
    if isinstance(item, Mapping):
        return item.get(key)
    return getattr(item, key, None)


def _tool_call_id(message: ChatMessage, where: str) -> str:
    call_id = message.additional_kwargs.get("tool_call_id")
    if not isinstance(call_id, str) or not call_id:
        msg = (
            f"{where} is a {MessageRole(message.role).value!r} message without "
            "`additional_kwargs['tool_call_id']`; the gateway needs the id of the call "
            "it answers"
        )
        raise ValueError(msg)
    return call_id


# -- tools ------------------------------------------------------------------------------


def to_gateway_tools(
    tools: Sequence[BaseTool | Mapping[str, Any]], *, strict: bool | None = None
) -> list[dict[str, Any]]:
    """LlamaIndex tools as gateway function specs (descriptions are never cut)."""
    specs = []
    for tool in tools:
        spec = (
            dict(tool)
            if isinstance(tool, Mapping)
            else tool.metadata.to_openai_tool(skip_length_check=True)
        )
        if strict is not None:
            spec = {**spec, "function": {**spec["function"], "strict": strict}}
        specs.append(spec)
    return specs


# -- responses in ---------------------------------------------------------------------


def _tool_kwargs(arguments: str) -> dict[str, Any] | str:
    """Arguments as a dict once they parse, else the (partial) JSON text."""
    try:
        return parse_tool_arguments(arguments)
    except ValueError:
        return arguments


def _assistant_message(
    text: str, calls: Sequence[ToolCall], thinking: str | None
) -> ChatMessage:
    blocks: list[ContentBlock] = []
    if thinking:
        blocks.append(ThinkingBlock(content=thinking))
    if text or not calls:
        blocks.append(TextBlock(text=text))
    blocks.extend(
        ToolCallBlock(
            tool_call_id=c.id, tool_name=c.name, tool_kwargs=_tool_kwargs(c.arguments)
        )
        for c in calls
    )
    kwargs: dict[str, Any] = {}
    if calls:
        kwargs["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            }
            for c in calls
        ]
    return ChatMessage(
        role=MessageRole.ASSISTANT, blocks=blocks, additional_kwargs=kwargs
    )


def usage_fields(usage: Usage | None) -> dict[str, int]:
    """Token counts in both namings, so every LlamaIndex counter finds them."""
    if usage is None:
        return {}
    fields = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
    }
    extras = {
        "cache_read_tokens": usage.cache_read_tokens,
        "cache_creation_tokens": usage.cache_creation_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
    }
    fields.update({k: v for k, v in extras.items() if v is not None})
    return fields


def build_response_kwargs(
    completion: ChatCompletion | ChatCompletionChunk,
) -> dict[str, Any]:
    """`ChatResponse.additional_kwargs` for a whole answer or a final chunk."""
    fields: dict[str, Any] = dict(usage_fields(completion.usage))
    extra = {
        "model": completion.model,
        "finish_reason": completion.finish_reason,
        "raw_finish_reason": completion.raw_finish_reason,
        "request_id": completion.request_id,
    }
    fields.update({k: v for k, v in extra.items() if v is not None})
    if completion.inlined_transcripts:
        fields["inlined_transcripts"] = list(completion.inlined_transcripts)
    return fields


def _raw(raw: Mapping[str, Any], usage: Usage | None) -> dict[str, Any]:
    """The body as a plain dict; `usage` is the gateway's own object, with both names.

    `TokenCountingHandler` reads `raw["usage"]` (`prompt_tokens` or
    `input_tokens`), so it counts the provider's usage exactly, streams included.
    """
    body = dict(raw)
    if usage is not None:
        body["usage"] = {**usage.raw, **usage_fields(usage)}
    return body


def from_gateway_completion(completion: ChatCompletion) -> ChatResponse:
    """A whole gateway answer as a LlamaIndex `ChatResponse`."""
    return ChatResponse(
        message=_assistant_message(
            completion.content or "", completion.tool_calls, completion.thinking
        ),
        raw=_raw(completion.raw, completion.usage),
        additional_kwargs=build_response_kwargs(completion),
    )


class StreamState:
    """Turns stream chunks into cumulative `ChatResponse`s.

    Every response carries the whole text so far (one `TextBlock`) and every tool
    call so far (a `ToolCallBlock` each, arguments possibly partial, plus
    `additional_kwargs["tool_calls"]`), because agents keep only the last chunk.
    """

    def __init__(self) -> None:
        self._acc = ChunkAccumulator()
        self._thinking = ""
        self._has_calls = False

    def add(self, chunk: ChatCompletionChunk) -> ChatResponse:
        """Take one chunk; return the cumulative response after it."""
        self._acc.add(chunk)
        if chunk.thinking:
            self._thinking += chunk.thinking
        if chunk.tool_calls:
            self._has_calls = True
        if chunk.final or self._has_calls or self._thinking:
            return self._full_response(chunk)
        # Most chunks of most streams carry text only. Skipping the tool-call
        # tuple, block list and kwargs for them cut this method from ~9.4 to
        # ~7 us a chunk in memory; the responses are the same (tested).
        return _text_response(self._acc.content, chunk)

    def _full_response(self, chunk: ChatCompletionChunk) -> ChatResponse:
        kwargs: dict[str, Any] = {}
        if chunk.thinking:
            kwargs["thinking_delta"] = chunk.thinking
        if chunk.final:
            kwargs.update(build_response_kwargs(chunk))
            calls: Sequence[ToolCall] = self._acc.completion().tool_calls
        else:
            calls = self._acc.tool_calls
        return ChatResponse(
            message=_assistant_message(self._acc.content, calls, self._thinking),
            delta=chunk.content,
            raw=_raw(chunk.raw, chunk.usage),
            additional_kwargs=kwargs,
        )


def _built_text_response(text: str, delta: str) -> ChatResponse:
    """A text-only response as the constructors build it (the prototypes' model)."""
    message = ChatMessage(
        role=MessageRole.ASSISTANT,
        blocks=[TextBlock(text=text)],
        additional_kwargs={},
    )
    return ChatResponse(message=message, delta=delta, raw={}, additional_kwargs={})


_TEXT_RESPONSE = Prototype(_built_text_response("", ""))
_TEXT_MESSAGE = Prototype(_built_text_response("", "").message)
_TEXT_BLOCK = Prototype(TextBlock(text=""))


def _text_response(text: str, chunk: ChatCompletionChunk) -> ChatResponse:
    """What `_full_response` builds when there are no tool calls or thinking yet.

    Copies of prototypes (`aai_gateway._speedups`): validating three pydantic
    models per token was most of this function's cost.
    """
    block = _TEXT_BLOCK.copy({"text": text})
    message = _TEXT_MESSAGE.copy({"blocks": [block]})
    return _TEXT_RESPONSE.copy(
        {
            "message": message,
            "delta": chunk.content,
            "raw": _raw(chunk.raw, chunk.usage),
        }
    )


def to_completion_response(response: ChatResponse) -> CompletionResponse:
    """A chat response as a completion response (usage kept in `additional_kwargs`)."""
    return CompletionResponse(
        text=response.message.content or "",
        delta=response.delta,
        raw=response.raw,
        additional_kwargs={
            **response.message.additional_kwargs,
            **response.additional_kwargs,
        },
    )


# -- structured output ------------------------------------------------------------------


def build_response_format(output_cls: type[BaseModel]) -> dict[str, Any]:
    """A json_schema `response_format` for a Pydantic class."""
    return {
        "type": "json_schema",
        "json_schema": {
            "name": output_cls.__name__,
            "schema": output_cls.model_json_schema(),
        },
    }


def parse_structured(output_cls: type[ModelT], response: ChatResponse) -> ModelT:
    """The JSON answer to a json_schema request, as `output_cls`.

    Raises:
        ValueError: the answer is not valid JSON for `output_cls` (a pydantic
            `ValidationError`, which names the fields).
    """
    return output_cls.model_validate_json(response.message.content or "")


# -- tool calls back out of a response ----------------------------------------------------


def _selection(call_id: object, name: object, arguments: object) -> ToolSelection:
    kwargs: object = arguments
    if isinstance(arguments, str):
        try:
            kwargs = parse_partial_json(arguments) if arguments.strip() else {}
        except ValueError:
            kwargs = {}
    return ToolSelection(
        tool_id=call_id if isinstance(call_id, str) and call_id else str(name),
        tool_name=str(name),
        tool_kwargs=kwargs if isinstance(kwargs, dict) else {},
    )


def tool_selections(
    response: ChatResponse, *, error_on_no_tool_call: bool
) -> list[ToolSelection]:
    """The tool calls of a response, from its blocks or (older) `additional_kwargs`.

    Partial JSON (mid-stream) is repaired or read as `{}`; never an error.

    Raises:
        ValueError: there are no tool calls and `error_on_no_tool_call` is set.
    """
    message = response.message
    found = [
        _selection(b.tool_call_id, b.tool_name, b.tool_kwargs)
        for b in message.blocks
        if isinstance(b, ToolCallBlock)
    ]
    if not found:
        found = [
            _selection(_get(c, "id"), _get(fn, "name"), _get(fn, "arguments"))
            for c in message.additional_kwargs.get("tool_calls") or []
            if (fn := _get(c, "function")) is not None
        ]
    if not found and error_on_no_tool_call:
        msg = f"expected at least one tool call, but the model answered with text: {message.content!r:.200}"
        raise ValueError(msg)
    return found


def trim_to_one_tool_call(response: ChatResponse) -> ChatResponse:
    """A copy of `response` keeping only its first tool call (parallel calls off)."""
    message = response.message
    blocks = [b for b in message.blocks if isinstance(b, ToolCallBlock)]
    if len(blocks) <= 1 and len(message.additional_kwargs.get("tool_calls") or []) <= 1:
        return response
    first = blocks[0] if blocks else None
    kept = [b for b in message.blocks if not isinstance(b, ToolCallBlock) or b is first]
    kwargs = dict(message.additional_kwargs)
    if kwargs.get("tool_calls"):
        kwargs["tool_calls"] = list(kwargs["tool_calls"])[:1]
    new_message = message.model_copy(
        update={"blocks": kept, "additional_kwargs": kwargs}
    )
    return response.model_copy(update={"message": new_message})
