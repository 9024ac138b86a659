"""What the demo sent on the wire, and what the same requests would cost inline."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx

from aai_gateway import TRANSCRIPT_TAG


@dataclass(frozen=True)
class SentRequest:
    """One chat request as it left the process."""

    step: str
    body: bytes

    @property
    def json(self) -> Any:
        """The body, parsed."""
        return json.loads(self.body)

    @property
    def transcript_id(self) -> str | None:
        """The transcript the gateway was asked to inject, if any."""
        value = self.json.get("transcript_id")
        return value if isinstance(value, str) else None


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


@dataclass
class WireLog:
    """Records every chat request an `httpx` client sends, tagged with the current step."""

    step: str = ""
    requests: list[SentRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _clients: list[httpx.Client] = field(default_factory=list)

    def _record(self, request: httpx.Request) -> None:
        if request.url.path.endswith("/chat/completions"):
            with self._lock:
                self.requests.append(SentRequest(self.step, request.read()))

    def http_client(self) -> httpx.Client:
        """A client that records what it sends (give it to the models)."""
        client = httpx.Client(
            timeout=httpx.Timeout(120.0, connect=5.0),
            event_hooks={"request": [self._record]},
        )
        self._clients.append(client)
        return client

    def close(self) -> None:
        """Close every client handed out."""
        for client in self._clients:
            client.close()
        self._clients.clear()

    def of_step(self, step: str) -> list[SentRequest]:
        """The requests sent during `step`."""
        with self._lock:
            return [r for r in self.requests if r.step == step]
