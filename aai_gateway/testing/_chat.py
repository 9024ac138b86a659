"""Shape the scripted model's answer into gateway JSON bodies and SSE chunks.

JSON bodies follow spec section 4; chunks follow section 5 (OpenAI
`chat.completion.chunk`, usage with the prompt/completion naming only).
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from aai_gateway.testing._catalog_data import ModelSpec
from aai_gateway.testing._model import (
    DEFAULT_MAX_TOKENS,
    Answer,
    count_words,
    split_words,
)
from aai_gateway.testing._responses import new_request_id

ToolCallShape = Literal["message", "choice", "split"]
StreamUsage = Literal["final", "every", "last_content"]
_NOT_ECHOED = frozenset({"prompt", "messages", "post_processing_steps"})


@dataclass(frozen=True)
class Shape:
    """How answers are laid out (the emulator's constructor options)."""

    native_finish_reasons: bool = True
    tool_call_shape: ToolCallShape = "message"
    stream_usage: StreamUsage = "final"
    stream_chunk_words: int = 1
    include_openai_ids: bool = False


def _finish(answer: Answer, model: ModelSpec, shape: Shape) -> str:
    return answer.finish_reason(model.family, native=shape.native_finish_reasons)


def _stop_reason(model: ModelSpec, shape: Shape) -> str:
    plain = Answer("", "stop", 1)
    return plain.finish_reason(model.family, native=shape.native_finish_reasons)


def reported_model(model: ModelSpec) -> str:
    """The `model` an answer reports: the catalogue id of the model that answered.

    JSON bodies and every stream chunk use this one value, so a fallback's answer
    names the fallback model either way (spec sections 3.7, 4.1 and 5).
    """
    return model.id


def preamble(answer: Answer) -> str:
    """The text the `split` shape sends beside its tool calls."""
    return "Calling " + ", ".join(c.name for c in answer.tool_calls) + "."


def build_usage(answer: Answer) -> dict[str, Any]:
    """The non-streaming `usage`, with both naming schemes and detail objects."""
    prompt, completion = answer.input_tokens, answer.output_tokens
    return {
        "input_tokens": prompt,
        "prompt_tokens": prompt,
        "output_tokens": completion,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {
            "cached_tokens": 0,
            "audio_tokens": 0,
            "cache_creation": {
                "ephemeral_5m_input_tokens": 0,
                "ephemeral_1h_input_tokens": 0,
            },
        },
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def build_choices(
    answer: Answer, model: ModelSpec, shape: Shape
) -> list[dict[str, Any]]:
    """`choices` in the configured tool-call shape."""
    message: dict[str, Any] = {"role": "assistant", "content": answer.content}
    choice: dict[str, Any] = {
        "index": 0,
        "message": message,
        "finish_reason": _finish(answer, model, shape),
    }
    calls = [c.to_wire() for c in answer.tool_calls]
    if not calls or shape.tool_call_shape == "message":
        if calls:
            message["tool_calls"] = calls
        return [choice]
    if shape.tool_call_shape == "choice":
        return [{**choice, "tool_calls": calls}]
    text = {"role": "assistant", "content": preamble(answer)}
    first = {"index": 0, "message": text, "finish_reason": _stop_reason(model, shape)}
    return [first, {**choice, "index": 1, "message": {**message, "tool_calls": calls}}]


def build_echo(request: Mapping[str, Any]) -> dict[str, Any]:
    """The `request` echo: the request without prompt, messages and post-processing."""
    echo = {k: v for k, v in request.items() if k not in _NOT_ECHOED}
    echo.setdefault("max_tokens", DEFAULT_MAX_TOKENS)
    return echo


def build_completion(
    answer: Answer,
    request: Mapping[str, Any],
    model: ModelSpec,
    shape: Shape,
    started_ns: int,
) -> dict[str, Any]:
    """The whole non-streaming body (spec section 4.1)."""
    body: dict[str, Any] = {"request_id": new_request_id()}
    if shape.include_openai_ids:
        body.update(
            id=_completion_id(), object="chat.completion", created=int(time.time())
        )
    body.update(
        model=reported_model(model),
        choices=build_choices(answer, model, shape),
        request=build_echo(request),
        usage=build_usage(answer),
        http_status_code=200,
        response_time=max(1, time.perf_counter_ns() - started_ns),
        llm_status_code=200,
    )
    return body


def _completion_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex[:24]


def _arguments_pieces(arguments: str) -> list[str]:
    size = max(4, math.ceil(len(arguments) / 3))
    return [arguments[i : i + size] for i in range(0, len(arguments), size)] or [""]


def _text_pieces(text: str, words_per_piece: int) -> list[str]:
    words = split_words(text)
    step = max(1, words_per_piece)
    return ["".join(words[i : i + step]) for i in range(0, len(words), step)]


def _stream_usage(prompt: int, completion: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def build_chunks(
    answer: Answer, model: ModelSpec, shape: Shape, include_usage: bool
) -> list[dict[str, Any]]:
    """Every chunk of the stream, in order, before `[DONE]` (spec section 5)."""
    base: dict[str, Any] = {"id": _completion_id(), "object": "chat.completion.chunk"}
    base.update(created=int(time.time()), model=reported_model(model))
    chunks: list[dict[str, Any]] = []
    written = 0
    for delta, words in _deltas(answer, shape):
        written += words
        choice = {"index": 0, "delta": delta, "finish_reason": None}
        chunks.append({**base, "choices": [choice]})
        if shape.stream_usage == "every":
            running = min(written, answer.output_tokens)
            chunks[-1]["usage"] = _stream_usage(answer.input_tokens, running)
    finish = {"index": 0, "delta": {}, "finish_reason": _finish(answer, model, shape)}
    chunks.append({**base, "choices": [finish]})
    usage = _stream_usage(answer.input_tokens, answer.output_tokens)
    if shape.stream_usage in ("every", "last_content"):
        chunks[-1]["usage"] = usage
    if include_usage and shape.stream_usage != "last_content":
        chunks.append({**base, "choices": [], "usage": usage})
    return chunks


def _deltas(answer: Answer, shape: Shape) -> list[tuple[dict[str, Any], int]]:
    """Each delta with the words it adds: role, text pieces, tool-call fragments."""
    text = answer.content or ""
    if not text and answer.tool_calls and shape.tool_call_shape == "split":
        text = preamble(answer)
    deltas: list[tuple[dict[str, Any], int]] = [
        ({"role": "assistant", "content": ""}, 0)
    ]
    pieces = _text_pieces(text, shape.stream_chunk_words)
    deltas += [({"content": piece}, count_words(piece)) for piece in pieces]
    return deltas + _tool_call_deltas(answer)


def _tool_call_deltas(answer: Answer) -> list[tuple[dict[str, Any], int]]:
    deltas: list[tuple[dict[str, Any], int]] = []
    for index, call in enumerate(answer.tool_calls):
        head = {"index": index, "id": call.id, "type": "function"}
        head["function"] = {"name": call.name, "arguments": ""}
        deltas.append(({"tool_calls": [head]}, 1))
        for piece in _arguments_pieces(call.arguments):
            fragment = {"index": index, "function": {"arguments": piece}}
            deltas.append(({"tool_calls": [fragment]}, count_words(piece)))
    return deltas
