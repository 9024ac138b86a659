"""The emulator's request log: every request, as received, for tests to inspect."""

from __future__ import annotations

import collections
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True)
class RecordedRequest:
    """One request the emulator received.

    Example:
        ```python
        last = emu.requests[-1]
        assert last.headers["authorization"] == "test-key"
        assert last.json["model"] == "claude-sonnet-4-6"
        ```

    Attributes:
        method: The HTTP method, e.g. `"POST"`.
        path: The URL path, e.g. `"/v1/chat/completions"`.
        query: The raw query string (without `?`), `""` when there is none.
        headers: The headers, names in lower case (a repeated header keeps its
            last value).
        body: The raw body bytes.
        json: The body parsed as JSON, or `None` when it is empty or not JSON.
        received_at: `time.monotonic()` when the body had been read.
    """

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    json: Any
    received_at: float


DEFAULT_RECORD_LIMIT = 10_000
"""How many requests the emulator keeps by default (the oldest go first)."""


class RequestLog:
    """A thread-safe log of the most recent requests.

    Args:
        limit: Keep at most this many (the oldest are dropped first), so a
            long-running emulator does not grow without bound; `None` keeps all.
    """

    def __init__(self, limit: int | None = DEFAULT_RECORD_LIMIT) -> None:
        if limit is not None and (isinstance(limit, bool) or limit < 1):
            msg = f"record_limit must be a positive int or None, got {limit!r}"
            raise ValueError(msg)
        self._lock = threading.Lock()
        self._requests: collections.deque[RecordedRequest] = collections.deque(
            maxlen=limit
        )

    def append(self, request: RecordedRequest) -> None:
        """Record one request."""
        with self._lock:
            self._requests.append(request)

    def snapshot(self) -> list[RecordedRequest]:
        """A copy of the log, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear(self) -> None:
        """Forget every recorded request."""
        with self._lock:
            self._requests.clear()


def _parse(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # the route answers such a body with a 400
        return None


def _record(scope: Scope, body: bytes) -> RecordedRequest:
    headers = {
        k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
    }
    return RecordedRequest(
        method=scope["method"],
        path=scope["path"],
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=body,
        json=_parse(body),
        received_at=time.monotonic(),
    )


class RecordingMiddleware:
    """ASGI middleware that reads each HTTP request's body, logs it, then replays it."""

    def __init__(self, app: ASGIApp, log: RequestLog) -> None:
        self._app = app
        self._log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        self._log.append(_record(scope, body))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self._app(scope, replay, send)
