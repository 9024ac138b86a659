"""Small helpers shared by the emulator's tests."""

from __future__ import annotations

import ssl
from functools import lru_cache
from typing import Any

import httpx

API_KEY = "test-key"
AUTH = {"Authorization": API_KEY}
MAGIC_TOOL = {
    "type": "function",
    "function": {
        "name": "magic_function",
        "description": "Applies a magic function to an input.",
        "parameters": {
            "type": "object",
            "properties": {"input": {"type": "integer"}},
            "required": ["input"],
        },
    },
}


@lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    # Building a context loads the CA store (~50 ms); the emulator is plain HTTP,
    # so one shared context keeps client creation cheap.
    return ssl.create_default_context()


def make_client(
    base_url: str = "", headers: dict[str, str] | None = None, **kwargs: Any
) -> httpx.Client:
    """An httpx client that reuses one SSL context (fast to create)."""
    kwargs.setdefault("timeout", 10)
    return httpx.Client(
        base_url=base_url, headers=headers, verify=_ssl_context(), **kwargs
    )


def request(method: str, url: str, **kwargs: Any) -> httpx.Response:
    """A one-off request (like `httpx.request`) without the SSL-context cost."""
    with make_client() as client:
        return client.request(method, url, **kwargs)


def chat(client: httpx.Client, **body: Any) -> httpx.Response:
    """POST a chat completion with `body` as JSON."""
    return client.post("/chat/completions", json=body)


def sse_events(response: httpx.Response) -> list[str]:
    """The `data:` payloads of a buffered SSE response, in order."""
    return [
        line[len("data: ") :]
        for line in response.text.replace("\r\n", "\n").split("\n")
        if line.startswith("data: ")
    ]
