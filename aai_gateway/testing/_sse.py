"""Write chunks as server-sent events, with the stream faults applied (spec section 5).

Each event is `data: <json>` and a blank line; the stream ends with
`data: [DONE]`. Events are counted from 1 in the order they are sent, `[DONE]`
included, so `Fault(drop_after_events=2)` sends two events and then cuts the
connection. A malformed stream replaces the second event's data with broken
JSON; an in-band error event is
`data: {"error": {"code": 500, "message": "upstream provider error"}, "request_id": ...}`
and ends the stream (without `[DONE]`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from starlette.responses import StreamingResponse

from aai_gateway.testing._faults import Fault
from aai_gateway.testing._responses import dump_json, new_request_id

SSE_TYPE = "text/event-stream; charset=utf-8"
_NO_FAULT = Fault()


class ConnectionDropError(Exception):
    """Raised inside a stream to make the server cut the connection mid-body."""


def event_lines(chunks: Sequence[Mapping[str, Any]], fault: Fault) -> list[bytes]:
    """The `data:` payloads to send, `[DONE]` included unless the fault drops it."""
    lines = [b"data: " + dump_json(chunk) for chunk in chunks]
    if fault.malformed and lines:
        lines[min(1, len(lines) - 1)] = (
            b'data: {"id":"chatcmpl-broken","choices":[{"delta":'
        )
    if not fault.no_done:
        lines.append(b"data: [DONE]")
    return lines


def _error_event() -> bytes:
    error = {"error": {"code": 500, "message": "upstream provider error"}}
    return b"data: " + dump_json({**error, "request_id": new_request_id()})


async def _events(
    lines: Sequence[bytes], fault: Fault, delay: float
) -> AsyncIterator[bytes]:
    newline = b"\r\n" if fault.crlf else b"\n"
    if delay > 0:
        await asyncio.sleep(delay)
    for sent, line in enumerate(lines):
        if fault.error_event_after == sent:
            yield _error_event() + newline + newline
            return
        if fault.drop_after_events == sent:
            raise ConnectionDropError
        if fault.stall_after_events == sent:
            await asyncio.sleep(fault.stall_seconds)
        prefix = (
            b": keep-alive" + newline + newline if fault.keepalive_comments else b""
        )
        yield prefix + line + newline + newline
    if fault.drop_after_events is not None and fault.drop_after_events >= len(lines):
        raise ConnectionDropError


def stream_response(
    chunks: Sequence[Mapping[str, Any]],
    headers: Mapping[str, str],
    fault: Fault | None,
    delay: float,
) -> StreamingResponse:
    """A streaming response that sends `chunks` as SSE, faults applied.

    Args:
        chunks: The chunk objects, in order.
        headers: Extra headers (rate-limit headers, the fault's headers).
        fault: The fault for this request, if any.
        delay: Seconds to wait before the first event.
    """
    fault = fault or _NO_FAULT
    lines = event_lines(chunks, fault)
    response = StreamingResponse(
        _events(lines, fault, delay),
        headers={"cache-control": "no-cache", **headers, **fault.headers},
        media_type="text/event-stream",
    )
    response.headers["content-type"] = fault.content_type or SSE_TYPE
    return response
