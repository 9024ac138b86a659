"""From streamed chat-completion chunks to normalised deltas, and back to a whole answer.

`StreamAssembler` reads the gateway's chunk payloads (after SSE decoding) and
yields `ChatCompletionChunk`s in which content and tool-call fragments arrive as
they come, while `finish_reason`, `usage` and `model`, which providers put on
different chunks (the last content chunk, a final `choices: []` chunk, or every
chunk), are held back and delivered once, on the final chunk.

`ChunkAccumulator` joins deltas into a `ChatCompletion`: text in order, tool-call
argument fragments by `index`.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import httpx

from aai_gateway._http.sse import EventParser
from aai_gateway._types import (
    ChatCompletion,
    ChatCompletionChunk,
    FinishReason,
    RateLimit,
    ToolCall,
    ToolCallDelta,
    Usage,
    normalize_finish_reason,
    parse_usage,
)

DONE = "[DONE]"
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _fragment(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def parse_tool_call_deltas(items: object) -> tuple[ToolCallDelta, ...]:
    """Read `delta.tool_calls` fragments; a missing `index` means list position."""
    if not isinstance(items, Sequence) or isinstance(items, str):
        return ()
    deltas = []
    for position, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        function = item.get("function")
        function = function if isinstance(function, Mapping) else {}
        index = item.get("index")
        name = function.get("name")
        call_id = item.get("id")
        deltas.append(
            ToolCallDelta(
                index=index if isinstance(index, int) else position,
                id=call_id if isinstance(call_id, str) and call_id else None,
                name=name if isinstance(name, str) and name else None,
                arguments=_fragment(function.get("arguments")),
            )
        )
    return tuple(deltas)


class StreamAssembler:
    """Turns chunk payloads into deltas plus one final chunk.

    Args:
        request_id: The request id from the response headers, if any.
        rate_limit: The rate-limit headers of the response.
    """

    __slots__ = (
        "_text",
        "delivered",
        "done",
        "last_raw",
        "model",
        "rate_limit",
        "raw_finish_reason",
        "request_id",
        "saw_tool_calls",
        "usage",
    )

    def __init__(
        self, request_id: str | None = None, rate_limit: RateLimit | None = None
    ) -> None:
        self.request_id = request_id
        self.rate_limit = rate_limit
        self.raw_finish_reason: str | None = None
        self.usage: Usage | None = None
        self.model: str | None = None
        self.saw_tool_calls = False
        self.last_raw: Mapping[str, Any] = {}
        # How many deltas this assembler has handed out.
        self.delivered = 0
        # Whether the `[DONE]` event arrived.
        self.done = False
        self._text = TextBuffer()

    @property
    def complete(self) -> bool:
        """Whether the answer is whole: `[DONE]` arrived or a choice said why it ended."""
        return self.done or self.raw_finish_reason is not None

    @property
    def partial_content(self) -> str:
        """The text handed out so far."""
        return self._text.value()

    def feed(self, payload: Mapping[str, Any]) -> ChatCompletionChunk | None:
        """Take one chunk; return the delta it carries, or `None` if it carries none."""
        self.last_raw = payload
        model = payload.get("model")
        if model and model != self.model and isinstance(model, str):
            self.model = model
        usage = payload.get("usage")
        if usage:
            # Cumulative when sent on every chunk: the last one is the total.
            self.usage = parse_usage(usage) or self.usage
        choices = payload.get("choices")
        if not isinstance(choices, list):
            return None
        return self._delta(choices, payload)

    def _delta(
        self, choices: list[Any], payload: Mapping[str, Any]
    ) -> ChatCompletionChunk | None:
        # The hot path of every stream: one pass, no per-chunk lists for plain text.
        text = thinking = ""
        calls: list[ToolCallDelta] = []
        for choice in choices:
            # A mapping (a dict, checked first: the hot path of every chunk).
            if type(choice) is not dict and not isinstance(choice, Mapping):
                continue
            delta = choice.get("delta")
            if type(delta) is not dict and not isinstance(delta, Mapping):
                delta = _EMPTY
            piece, thought = delta.get("content"), delta.get("thinking")
            if piece and isinstance(piece, str):
                text += piece
            if thought and isinstance(thought, str):
                thinking += thought
            fragments = delta.get("tool_calls") or choice.get("tool_calls")
            if fragments:
                calls.extend(parse_tool_call_deltas(fragments))
            reason = choice.get("finish_reason")
            if reason and self.raw_finish_reason is None and isinstance(reason, str):
                self.raw_finish_reason = reason
        if not (text or calls or thinking):
            return None
        self.saw_tool_calls = self.saw_tool_calls or bool(calls)
        if text:
            self._text.add(text)
        self.delivered += 1
        return ChatCompletionChunk(
            text, tuple(calls) if calls else (), thinking or None, raw=payload
        )

    @property
    def finish_reason(self) -> FinishReason | None:
        """The normalised finish reason seen so far."""
        return normalize_finish_reason(
            self.raw_finish_reason, has_tool_calls=self.saw_tool_calls
        )

    def finish(self) -> ChatCompletionChunk:
        """The final chunk: finish reason, usage, model, request id."""
        return ChatCompletionChunk(
            final=True,
            finish_reason=self.finish_reason,
            raw_finish_reason=self.raw_finish_reason,
            usage=self.usage,
            model=self.model,
            request_id=self.request_id,
            rate_limit=self.rate_limit,
            raw=self.last_raw,
        )


class StreamEndedError(httpx.RemoteProtocolError):
    """A body ended before the answer was whole (an internal signal, never raised out).

    It is a transport error, so the shells retry it like any other dropped
    connection while nothing has been delivered.
    """


class ReadTimeoutError(httpx.ReadTimeout):
    """A read clock ran out (an internal signal, turned into the package's errors).

    Attributes:
        final: The overall deadline passed, so a retry would be pointless.
    """

    def __init__(self, message: str, *, request: httpx.Request, final: bool) -> None:
        super().__init__(message, request=request)
        self.final = final


class ReadClock:
    """When the next read must have finished: an idle bound and an overall deadline.

    `idle` bounds the time since the last event (comments and bytes of an
    unfinished event do not count); `total` bounds everything since the clock
    started. Either may be `None`.

    Args:
        idle: Seconds allowed between events.
        total: Seconds allowed in all.
        idle_name: The option that set `idle`, for messages.
        total_name: The option that set `total`, for messages.
        final_total: Whether `total` spans the whole call, retries included (so
            passing it is never retried), rather than each attempt.
        now: The clock (monotonic seconds).
    """

    def __init__(
        self,
        *,
        idle: float | None = None,
        total: float | None = None,
        idle_name: str = "stream_chunk_timeout",
        total_name: str = "stream_deadline",
        final_total: bool = True,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._now = now
        self.final_total = final_total
        self.idle, self.total = idle, total
        self.idle_name, self.total_name = idle_name, total_name
        self._start = self._last = now()
        self._deadline = self._next_deadline()

    def _next_deadline(self) -> float:
        # Kept precomputed: `check` runs on every read and `event` on every chunk.
        self._total_end = math.inf if self.total is None else self._start + self.total
        idle_end = math.inf if self.idle is None else self._last + self.idle
        return min(idle_end, self._total_end)

    def attempt(self) -> None:
        """A new attempt: the idle bound starts again, the total one too unless it spans the call."""
        now = self._now()
        self._last = now
        if not self.final_total:
            self._start = now
        self._deadline = self._next_deadline()

    def event(self) -> None:
        """An event arrived: the idle bound starts again."""
        if self.idle is not None:
            now = self._last = self._now()
            self._deadline = min(now + self.idle, self._total_end)

    def remaining(self) -> float | None:
        """Seconds the next read may take (`None`: unbounded; may be <= 0)."""
        if self._deadline == math.inf:
            return None
        return self._deadline - self._now()

    def check(self, request: httpx.Request) -> None:
        """Raise `ReadTimeoutError` when a bound has passed."""
        if self._deadline != math.inf and self._now() >= self._deadline:
            raise self.expired(request)

    def expired(self, request: httpx.Request) -> ReadTimeoutError:
        """The error for the bound that passed (the nearer one)."""
        inf = float("inf")
        idle_end = inf if self.idle is None else self._last + self.idle
        total_end = inf if self.total is None else self._start + self.total
        if total_end <= idle_end:
            msg = f"the answer took longer than `{self.total_name}` ({self.total} s)"
            return ReadTimeoutError(msg, request=request, final=self.final_total)
        msg = f"no event arrived within `{self.idle_name}` ({self.idle} s)"
        return ReadTimeoutError(msg, request=request, final=False)


@dataclass(slots=True)
class StreamRun:
    """What one streamed attempt reads with, and what it has read.

    Attributes:
        sse: Whether the response is an event stream; if not, its `body` is
            kept whole (one JSON answer, or an error).
        deferred: An error found after good events of the same read, raised
            once those are delivered.
    """

    parser: EventParser
    assembler: StreamAssembler
    clock: ReadClock
    request: httpx.Request
    response: httpx.Response
    sse: bool = True
    body: list[bytes] = field(default_factory=list)
    deferred: Exception | None = None


def looks_cut_short(error: ValueError) -> bool:
    """Whether JSON failed to decode only because its text stopped early.

    A prefix of valid JSON fails at its very end, or at a string that never
    closes; garbage fails somewhere else.
    """
    if not isinstance(error, json.JSONDecodeError):
        return False
    rest = error.doc[error.pos :].strip()
    return not rest or (rest[0] == '"' and _JSON_STRING.match(rest) is None)


class _PartialCall:
    __slots__ = ("arguments", "id", "index", "name")

    def __init__(self, index: int) -> None:
        self.index = index
        self.id: str | None = None
        self.name: str | None = None
        self.arguments: list[str] = []


class TextBuffer:
    """Streamed text kept at about its own size, in linear time.

    A list of every delta keeps a `str` object per chunk, about ten times the
    text's size for one-word deltas (`python -m benchmarks --only memory`), and
    `io.StringIO` does the same before Python 3.12. Pieces are joined into blocks
    of `BLOCK` deltas, and into one string when read.
    """

    BLOCK = 256

    __slots__ = ("_blocks", "_pieces")

    def __init__(self) -> None:
        self._blocks: list[str] = []
        self._pieces: list[str] = []

    def add(self, text: str) -> None:
        """Append one piece."""
        pieces = self._pieces
        pieces.append(text)
        if len(pieces) >= self.BLOCK:
            self._blocks.append("".join(pieces))
            pieces.clear()

    def value(self) -> str:
        """Everything added so far (joined once; later reads reuse the result)."""
        if self._pieces:
            self._blocks.append("".join(self._pieces))
            self._pieces.clear()
        if len(self._blocks) > 1:
            self._blocks[:] = ["".join(self._blocks)]
        return self._blocks[0] if self._blocks else ""


class ChunkAccumulator:
    """Joins stream deltas into a whole answer.

    Example:
        ```python
        acc = ChunkAccumulator()
        for chunk in client.stream_chat(request):
            acc.add(chunk)
        answer = acc.completion()
        ```
    """

    def __init__(self) -> None:
        self._text = TextBuffer()
        self._thinking: list[str] = []
        self._calls: dict[int, _PartialCall] = {}
        self._slots: dict[int, int] = {}
        self._final: ChatCompletionChunk | None = None

    def add(self, chunk: ChatCompletionChunk) -> None:
        """Add one chunk (deltas append; the final chunk sets the end state)."""
        if chunk.content:
            self._text.add(chunk.content)
        if chunk.thinking:
            self._thinking.append(chunk.thinking)
        for delta in chunk.tool_calls:
            call = self._call_for(delta)
            call.id = call.id or delta.id
            call.name = call.name or delta.name
            if delta.arguments:
                call.arguments.append(delta.arguments)
        if chunk.final:
            self._final = chunk

    def _call_for(self, delta: ToolCallDelta) -> _PartialCall:
        # Some upstreams reuse index 0 for every parallel call: a new id at a
        # known index starts a new call instead of merging into the old one.
        slot = self._slots.get(delta.index)
        call = self._calls.get(slot) if slot is not None else None
        if call is None or (delta.id and call.id and delta.id != call.id):
            fresh = call is None and delta.index not in self._calls
            slot = delta.index if fresh else max(self._calls) + 1
            call = self._calls[slot] = _PartialCall(slot)
            self._slots[delta.index] = slot
        return call

    @property
    def content(self) -> str:
        """The text so far."""
        return self._text.value()

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        """The tool calls so far, in index order; arguments may still be partial."""
        return tuple(
            ToolCall(
                id=call.id or f"call_{call.index}",
                name=call.name or "",
                arguments="".join(call.arguments),
                index=call.index,
            )
            for call in sorted(self._calls.values(), key=lambda c: c.index)
        )

    def completion(self) -> ChatCompletion:
        """The whole answer as if it had come in one response."""
        final = self._final or ChatCompletionChunk(final=True)
        calls = tuple(
            ToolCall(c.id, c.name, c.arguments or "{}", c.index)
            for c in self.tool_calls
        )
        text = self.content
        return ChatCompletion(
            content=text if text or not calls else None,
            tool_calls=calls,
            finish_reason=final.finish_reason,
            raw_finish_reason=final.raw_finish_reason,
            usage=final.usage,
            model=final.model,
            request_id=final.request_id,
            thinking="".join(self._thinking) or None,
            rate_limit=final.rate_limit,
            raw=final.raw,
        )


def completion_as_chunk(completion: ChatCompletion) -> ChatCompletionChunk:
    """A whole answer as one final chunk, for models that cannot stream."""
    return ChatCompletionChunk(
        content=completion.content or "",
        tool_calls=tuple(
            ToolCallDelta(index=c.index, id=c.id, name=c.name, arguments=c.arguments)
            for c in completion.tool_calls
        ),
        thinking=completion.thinking,
        final=True,
        finish_reason=completion.finish_reason,
        raw_finish_reason=completion.raw_finish_reason,
        usage=completion.usage,
        model=completion.model,
        request_id=completion.request_id,
        rate_limit=completion.rate_limit,
        raw=completion.raw,
    )
