"""A server that echoes the key back: every copy of its words the package keeps is clean.

The key is taken out where a server's words enter an error (message and `body`),
before any truncation, so the message, `repr`, traceback, pickle, `body` and what
LangChain's callbacks and tracers receive never hold it.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import traceback
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aai_gateway import APIError, AsyncGatewayClient, GatewayClient, RetryPolicy

SECRET = "aai-echoed-secret-8d1f3a9c"
MODEL = "claude-sonnet-4-6"
REQUEST = {"model": MODEL, "messages": [{"role": "user", "content": "Hi"}]}
NO_RETRY = RetryPolicy(max_retries=0)
# The key lands past the 200 characters an event is cut to in a message, so redacting
# after the cut would leave half of it.
PADDING = "x" * 190


def _sse(data: str) -> httpx.Response:
    return httpx.Response(
        200,
        headers={"content-type": "text/event-stream"},
        content=f"data: {data}\n\n".encode(),
    )


ECHOES: dict[str, Callable[[httpx.Request], httpx.Response]] = {
    "401-json-body": lambda r: httpx.Response(
        401,
        json={"error": f"invalid key {r.headers['authorization']}", "status": "error"},
    ),
    "400-flat-envelope": lambda r: httpx.Response(
        400,
        json={
            "code": 400,
            "message": "invalid request body",
            "request_id": "req-1",
            "metadata": {"errors": [f"key {r.headers['authorization']} refused"]},
        },
    ),
    "500-plain-text": lambda r: httpx.Response(
        500, text=f"{PADDING} upstream saw {r.headers['authorization']}"
    ),
    "non-json-event": lambda r: _sse(f"{PADDING} {r.headers['authorization']}"),
    "in-band-error-event": lambda r: _sse(
        json.dumps({"error": {"code": 500, "message": r.headers["authorization"]}})
    ),
    "200-not-json": lambda r: httpx.Response(
        200,
        headers={"content-type": "application/json"},
        content=f"{PADDING}{r.headers['authorization']}".encode(),
    ),
}


def _every_copy(error: BaseException) -> list[str]:
    assert isinstance(error, APIError)
    return [
        str(error),
        repr(error),
        "".join(traceback.format_exception(error)),
        repr(pickle.loads(pickle.dumps(error)).__dict__),
        json.dumps(error.body, default=repr),
    ]


def _raise(mode: str, stream: bool, handler: Any) -> BaseException:
    options: dict[str, Any] = {
        "api_key": SECRET,
        "base_url": "https://gw.test/v1",
        "retry_policy": NO_RETRY,
    }
    transport = httpx.MockTransport(handler)
    try:
        if mode == "sync":
            client = GatewayClient(
                http_client=httpx.Client(transport=transport), **options
            )
            if stream:
                list(client.stream_chat(REQUEST))
            else:
                client.chat(REQUEST)
        else:
            aio = AsyncGatewayClient(
                http_client=httpx.AsyncClient(transport=transport), **options
            )

            async def run() -> None:
                if stream:
                    _ = [c async for c in aio.astream_chat(REQUEST)]
                else:
                    await aio.achat(REQUEST)

            asyncio.run(run())
    except APIError as exc:
        return exc
    raise AssertionError("the call succeeded")


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize("echo", ECHOES)
def test_no_copy_of_an_echoed_key_survives(mode: str, stream: bool, echo: str) -> None:
    error = _raise(mode, stream, ECHOES[echo])
    for copy in _every_copy(error):
        assert SECRET not in copy
        assert SECRET[:12] not in copy  # no half of it either


def test_langchain_callbacks_and_metadata_never_see_an_echoed_key() -> None:
    from langchain_core.callbacks import BaseCallbackHandler

    from langchain_aai_gateway import ChatAssemblyAI

    seen: list[str] = []

    class Recorder(BaseCallbackHandler):
        def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
            seen.append(repr(error))
            seen.append(json.dumps(getattr(error, "body", None), default=repr))
            seen.append(repr(kwargs))

    llm = ChatAssemblyAI(
        model=MODEL,
        api_key=SECRET,
        base_url="https://gw.test/v1",
        max_retries=0,
        http_client=httpx.Client(
            transport=httpx.MockTransport(ECHOES["401-json-body"])
        ),
    )
    with pytest.raises(APIError) as info:
        llm.invoke("Hi", config={"callbacks": [Recorder()]})
    seen.extend(_every_copy(info.value))
    assert seen
    assert all(SECRET not in text for text in seen)
