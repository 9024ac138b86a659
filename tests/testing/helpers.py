"""Small helpers shared by the emulator's tests."""

from __future__ import annotations

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
