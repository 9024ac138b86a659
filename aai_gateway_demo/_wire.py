"""What the demo sent on the wire, and what the same requests would cost inline."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from aai_gateway import TRANSCRIPT_TAG


@dataclass(frozen=True)
class SentRequest:
    """One chat request as it left the process, and the bytes that came back.

    Attributes:
        step: The demo step that sent it.
        body: The request body.
        received: The response body as it arrived (filled while it is read).
    """

    step: str
    body: bytes
    received: bytearray = field(default_factory=bytearray)

    @property
    def json(self) -> Any:
        """The body, parsed."""
        return json.loads(self.body)

    @property
    def transcript_id(self) -> str | None:
        """The transcript the gateway was asked to inject, if any."""
        value = self.json.get("transcript_id")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Call:
    """Any request the demo sent (chat, upload, transcript API), in order.

    Attributes:
        step: The demo step that sent it.
        method: The HTTP method.
        path: The URL path.
        size: The bytes of its body.
    """

    step: str
    method: str
    path: str
    size: int


def inline_size(body: Any, text: str) -> int:
    """The size of `body` with the transcript's `text` in place of the tag.

    That is what the request would weigh without the gateway's injection: the
    same JSON, compact, the first tag replaced and `transcript_id` dropped.
    """
    inlined = dict(body)
    inlined.pop("transcript_id", None)
    messages = [dict(m) for m in inlined.get("messages", [])]
    for message in messages:
        content = message.get("content")
        if isinstance(content, str) and TRANSCRIPT_TAG in content:
            message["content"] = content.replace(TRANSCRIPT_TAG, text, 1)
            break
    inlined["messages"] = messages
    return len(json.dumps(inlined, ensure_ascii=False, separators=(",", ":")).encode())


class _Tee(httpx.SyncByteStream):
    """A response stream that keeps a copy of what the caller reads."""

    def __init__(self, inner: httpx.SyncByteStream, sink: bytearray) -> None:
        self._inner = inner
        self._sink = sink

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            self._sink.extend(chunk)
            yield chunk

    def close(self) -> None:
        self._inner.close()


@dataclass
class WireLog:
    """Records every request an `httpx` client sends, tagged with the current step.

    Chat requests are kept whole (`requests`, with what came back); every request
    is listed in `calls`.
    """

    step: str = ""
    requests: list[SentRequest] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _clients: list[httpx.Client] = field(default_factory=list)
    _open: dict[int, SentRequest] = field(default_factory=dict)

    def _record(self, request: httpx.Request) -> None:
        body = request.read()
        call = Call(self.step, request.method, request.url.path, len(body))
        with self._lock:
            self.calls.append(call)
            if call.path.endswith("/chat/completions"):
                sent = SentRequest(self.step, body)
                self.requests.append(sent)
                self._open[id(request)] = sent

    def _received(self, response: httpx.Response) -> None:
        with self._lock:
            sent = self._open.pop(id(response.request), None)
        if sent is not None and isinstance(response.stream, httpx.SyncByteStream):
            response.stream = _Tee(response.stream, sent.received)

    def http_client(self) -> httpx.Client:
        """A client that records what it sends (give it to the models and loaders)."""
        client = httpx.Client(
            timeout=httpx.Timeout(120.0, connect=5.0),
            event_hooks={"request": [self._record], "response": [self._received]},
        )
        self._clients.append(client)
        return client

    def close(self) -> None:
        """Close every client handed out."""
        for client in self._clients:
            client.close()
        self._clients.clear()

    def of_step(self, step: str) -> list[SentRequest]:
        """The chat requests sent during `step`."""
        with self._lock:
            return [r for r in self.requests if r.step == step]

    def calls_of(self, step: str) -> list[Call]:
        """Every request sent during `step`, in order."""
        with self._lock:
            return [c for c in self.calls if c.step == step]
