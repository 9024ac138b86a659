"""Scripted faults: what the emulator does wrong, on purpose, for the next requests.

A `Fault` describes one misbehaviour (an error status, a slow first byte, a stream
that breaks after a few events, ...). The emulator keeps them in a first-in,
first-out queue; each request takes the first fault whose `path` matches it, and
the fault leaves the queue once it has been used `times` times.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

ANY_PATH = "*"
"""The `Fault.path` that matches every request."""


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour, applied to the next matching request(s).

    Fields that are left at their defaults do nothing, so faults combine: a fault
    with `first_byte_delay=0.5` and `drop_after_events=3` waits half a second and
    then breaks the stream after three events.

    Example:
        ```python
        emu.add_fault(Fault(status=503, headers={"retry-after": "1"}))
        emu.add_fault(Fault(drop_after_events=2))
        ```

    Attributes:
        status: Answer with this HTTP status instead of the real answer. The body
            is the gateway's flat error envelope (`{code, message, request_id}`;
            a 401 or 403 uses the auth envelope) unless `body` is given.
        body: The exact body to send (bytes as-is, a mapping as JSON).
        headers: Extra response headers, e.g. `{"retry-after": "1"}`.
        content_type: Override the response's `content-type`.
        malformed: Send a body that is not JSON (JSON answers) or one stream
            event whose data is not JSON (streams).
        first_byte_delay: Seconds to wait before sending the response headers.
        drop_after_events: Streams: send this many events, then cut the
            connection without the terminating chunk.
        stall_after_events: Streams: pause after this many events ...
        stall_seconds: ... for this many seconds.
        error_event_after: Streams: after this many events send an in-band
            `data: {"error": {...}}` event and end the stream.
        no_done: Streams: end without `data: [DONE]`.
        keepalive_comments: Streams: put a `: keep-alive` comment before each event.
        crlf: Streams: end lines with CR LF instead of LF.
        times: How many matching requests the fault applies to.
        path: The request path it matches (`"*"` matches every path).
    """

    status: int | None = None
    body: bytes | Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = None
    malformed: bool = False
    first_byte_delay: float = 0.0
    drop_after_events: int | None = None
    stall_after_events: int | None = None
    stall_seconds: float = 0.0
    error_event_after: int | None = None
    no_done: bool = False
    keepalive_comments: bool = False
    crlf: bool = False
    times: int = 1
    path: str = "/v1/chat/completions"

    def __post_init__(self) -> None:
        if self.times < 1:
            msg = f"`times` must be at least 1, got {self.times!r}"
            raise ValueError(msg)
        if self.status is not None and not 100 <= self.status <= 599:
            msg = f"`status` must be an HTTP status code, got {self.status!r}"
            raise ValueError(msg)

    def matches(self, path: str) -> bool:
        """Whether this fault applies to a request for `path`."""
        return self.path in (ANY_PATH, path)

    @property
    def is_upstream_failure(self) -> bool:
        """A 5xx fault: the kind the gateway's retry and fallbacks can rescue."""
        return self.status is not None and self.status >= 500

    @property
    def changes_stream(self) -> bool:
        """Whether the fault alters how a stream is sent."""
        return (
            self.malformed
            or self.drop_after_events is not None
            or self.stall_after_events is not None
            or self.error_event_after is not None
            or self.no_done
            or self.keepalive_comments
            or self.crlf
        )


class FaultQueue:
    """A thread-safe FIFO of faults; each request takes the first that matches."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Queue `fault` behind the ones already waiting."""
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        """A snapshot of the queue, remaining `times` included."""
        with self._lock:
            return list(self._faults)

    def take(self, path: str, *, upstream_only: bool = False) -> Fault | None:
        """Use the first fault matching `path` once, or return `None`.

        Args:
            path: The request path.
            upstream_only: Only take a 5xx fault, and only if it is the first
                fault matching `path` (a retry inside the gateway must not steal
                a fault meant for the client's next request).
        """
        with self._lock:
            for position, fault in enumerate(self._faults):
                if not fault.matches(path):
                    continue
                if upstream_only and not fault.is_upstream_failure:
                    return None
                if fault.times > 1:
                    self._faults[position] = replace(fault, times=fault.times - 1)
                else:
                    del self._faults[position]
                return fault
        return None
