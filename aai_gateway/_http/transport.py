"""Which connection pool the async client runs on: httpx's own, or aiohttp's.

`httpx.AsyncClient`'s pool is slow at high concurrency (encode/httpx#3215: about
ten times slower than aiohttp for 400 calls with 100 in flight, measured in
`docs/performance.md`). When the `httpx-aiohttp` package is installed
(`pip install "aai-gateway[aiohttp]"`), the async client sends through its
`AiohttpTransport` instead; every request, response and error is still httpx's,
so nothing above this module changes. `AAI_GATEWAY_ASYNC_TRANSPORT=httpx` (or
`aiohttp`) overrides the automatic choice.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, Literal

import httpx

from aai_gateway._config import DEFAULT_LIMITS, shared_ssl_context
from aai_gateway._speedups import use_lazy_cookies

__all__ = [
    "ASYNC_TRANSPORT_ENV",
    "build_async_http_client",
    "build_http_client",
    "chosen_async_transport",
]

ASYNC_TRANSPORT_ENV = "AAI_GATEWAY_ASYNC_TRANSPORT"
"""`auto` (default), `aiohttp` or `httpx`: the async client's connection pool."""

AsyncTransport = Literal["aiohttp", "httpx"]


def chosen_async_transport() -> AsyncTransport:
    """The pool the next async client gets, from the environment and what is installed.

    Raises:
        ValueError: the environment variable names no known transport, or asks
            for `aiohttp` when `httpx-aiohttp` is not installed.
    """
    wanted = os.environ.get(ASYNC_TRANSPORT_ENV, "auto").strip().lower() or "auto"
    if wanted not in ("auto", "aiohttp", "httpx"):
        msg = f"{ASYNC_TRANSPORT_ENV} must be 'auto', 'aiohttp' or 'httpx', got {wanted!r}"
        raise ValueError(msg)
    installed = importlib.util.find_spec("httpx_aiohttp") is not None
    if wanted == "aiohttp" and not installed:
        msg = (
            f"{ASYNC_TRANSPORT_ENV}=aiohttp needs the httpx-aiohttp package: "
            'pip install "aai-gateway[aiohttp]"'
        )
        raise ValueError(msg)
    if wanted == "httpx" or not installed:
        return "httpx"
    return "aiohttp"


def build_http_client(options: dict[str, Any]) -> httpx.Client:
    """The sync client's own `httpx.Client` with `options` (timeout, limits, verify)."""
    return use_lazy_cookies(httpx.Client(**options))


def build_async_http_client(options: dict[str, Any]) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` with `options` (timeout, limits, verify) on the chosen pool."""
    if chosen_async_transport() == "httpx":
        return use_lazy_cookies(httpx.AsyncClient(**options))
    # httpx ignores a client's `limits` once a transport is given: set them here.
    # The shared context keeps certificate loading to once per process.
    transport = _guarded_aiohttp_transport()(
        verify=shared_ssl_context(), limits=options.get("limits", DEFAULT_LIMITS)
    )
    client = httpx.AsyncClient(transport=transport, timeout=options.get("timeout"))
    return use_lazy_cookies(client)


def _from_aiohttp(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] == "aiohttp"


@contextmanager
def _as_protocol_errors(request: httpx.Request) -> Iterator[None]:
    """Re-raise what httpx-aiohttp lets through unmapped as `httpx.RemoteProtocolError`.

    httpx-aiohttp maps aiohttp's connection errors to httpx's, but a response
    aiohttp cannot parse (a malformed status line, an oversized header, a broken
    chunk) escapes as `aiohttp.ClientResponseError` or one of aiohttp's parser
    errors: a malformed response, as a bad proxy sends, so a transport fault.
    """
    try:
        yield
    except httpx.HTTPError:
        raise
    except Exception as exc:
        if not _from_aiohttp(exc):
            raise
        msg = f"malformed response ({type(exc).__name__}: {exc})"
        raise httpx.RemoteProtocolError(msg, request=request) from exc


class _GuardedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, request: httpx.Request) -> None:
        self._inner = inner
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_protocol_errors(self._request):
            async for chunk in self._inner:
                yield chunk

    async def aclose(self) -> None:
        with _as_protocol_errors(self._request):
            await self._inner.aclose()


@cache
def _guarded_aiohttp_transport() -> Callable[..., httpx.AsyncBaseTransport]:
    """`AiohttpTransport` whose every failure is an `httpx` error (imported on first use)."""
    from httpx_aiohttp import AiohttpTransport

    class GuardedAiohttpTransport(AiohttpTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            with _as_protocol_errors(request):
                response: httpx.Response = await super().handle_async_request(request)
            if isinstance(response.stream, httpx.AsyncByteStream):
                response.stream = _GuardedStream(response.stream, request)
            return response

    return GuardedAiohttpTransport
