"""Which connection pool the async client runs on: httpx's own, or aiohttp's.

`httpx.AsyncClient`'s pool is slow at high concurrency (encode/httpx#3215: about
ten times slower than aiohttp for 400 calls with 100 in flight, measured in
`docs/performance.md`). When the `httpx-aiohttp` package is installed
(`pip install "aai-gateway[aiohttp]"`), the async client sends through its
`AiohttpTransport` instead; every request, response and error is still httpx's,
so nothing above this module changes. `AAI_GATEWAY_ASYNC_TRANSPORT=httpx` (or
`aiohttp`) overrides the automatic choice.

The pools built here are remembered with what they were built with, so a chat
request on one is built without httpx's per-call merging (`post_request`), and a
non-streamed answer on an aiohttp pool is fetched straight from aiohttp
(`answer_fetcher`): measured in `docs/performance.md`, "The async client's own cost
per call". That fetch does what httpx's send would (the same session, timeouts,
error mapping, cookie jar, log line, `elapsed` and decoding) without the layers a
whole answer on our own pool does not need: redirects, hooks, auth, a stream read
piece by piece. The aiohttp transport's streamed responses are built the same way,
so any reason phrase goes through and every failure of a body is an httpx error.
"""

from __future__ import annotations

import abc
import importlib.util
import logging
import os
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from functools import cache, lru_cache
from typing import Any, Literal, NamedTuple, TypeVar

import httpx

from aai_gateway._config import DEFAULT_LIMITS, shared_ssl_context
from aai_gateway._http.responses import reads_raw, request_of
from aai_gateway._speedups import use_lazy_cookies

__all__ = [
    "ASYNC_TRANSPORT_ENV",
    "AnswerFetcher",
    "answer_fetcher",
    "build_async_http_client",
    "build_http_client",
    "chosen_async_transport",
    "post_request",
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


AnswerFetcher = Callable[[httpx.Request], Awaitable[tuple[httpx.Response, bytes]]]
"""Sends a request and reads its whole answer: the response (read) and its body."""

_Fetch = Callable[
    [httpx.Request, httpx.Cookies], Awaitable[tuple[httpx.Response, bytes]]
]


class _Own(NamedTuple):
    """What a pool built here was built with."""

    headers: dict[str, str]
    """Its own headers (httpx's defaults), lower-case names."""
    fetch: _Fetch | None
    """Its aiohttp transport's `fetch`, for an aiohttp pool."""


class _FetchingTransport(httpx.AsyncBaseTransport, abc.ABC):
    """An async transport that can also fetch a whole answer in one step."""

    @abc.abstractmethod
    async def fetch(
        self, request: httpx.Request, cookies: httpx.Cookies
    ) -> tuple[httpx.Response, bytes]:
        """Send `request`; its response (read; a cookie it sets kept in `cookies`) and decoded body."""


_OWN: weakref.WeakKeyDictionary[httpx.Client | httpx.AsyncClient, _Own] = (
    weakref.WeakKeyDictionary()
)


_C = TypeVar("_C", httpx.Client, httpx.AsyncClient)
_HTTPX_LOG = logging.getLogger("httpx")


def _remember(client: _C, fetch: _Fetch | None = None) -> _C:
    _OWN[client] = _Own(dict(client.headers), fetch)
    return use_lazy_cookies(client)


def build_http_client(options: dict[str, Any]) -> httpx.Client:
    """The sync client's own `httpx.Client` with `options` (timeout, limits, verify)."""
    return _remember(httpx.Client(**options))


def build_async_http_client(options: dict[str, Any]) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` with `options` (timeout, limits, verify) on the chosen pool."""
    if chosen_async_transport() == "httpx":
        return _remember(httpx.AsyncClient(**options))
    # httpx ignores a client's `limits` once a transport is given: set them here.
    # The shared context keeps certificate loading to once per process.
    transport = _guarded_aiohttp_transport()(
        verify=shared_ssl_context(), limits=options.get("limits", DEFAULT_LIMITS)
    )
    client = httpx.AsyncClient(transport=transport, timeout=options.get("timeout"))
    return _remember(client, transport.fetch)


def post_request(
    http: httpx.Client | httpx.AsyncClient,
    url: httpx.URL,
    *,
    content: bytes,
    headers: Mapping[str, str],
    timeout: httpx.Timeout,
) -> httpx.Request:
    """`http.build_request("POST", ...)`, made directly on a pool built here.

    `build_request` merges the client's headers, cookies, parameters and base URL
    on every call; a pool built here has only httpx's default headers (merged
    below, the request's own winning whatever their case) and no parameters or
    base URL. Once a server has set a cookie in it, httpx builds the request, so
    the cookie goes back as before. A caller's own client always goes through
    httpx, its headers, hooks and auth included.
    """
    own = _OWN.get(http)
    if own is None or http.cookies:
        return http.build_request(
            "POST", url, content=content, headers=headers, timeout=timeout
        )
    merged = own.headers.copy()
    for name, value in headers.items():
        merged[name.lower()] = value
    extensions = {"timeout": timeout.as_dict()}
    return httpx.Request(
        "POST", url, content=content, headers=merged, extensions=extensions
    )


def answer_fetcher(http: httpx.AsyncClient) -> AnswerFetcher | None:
    """How to fetch a whole answer straight from `http`'s aiohttp pool, if it is one built here."""
    own = _OWN.get(http)
    if own is None or own.fetch is None:
        return None
    fetch, jar = own.fetch, http.cookies
    return lambda request: fetch(request, jar)


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
    except httpx.RequestError as exc:
        # httpx-aiohttp's mapped errors name no request: the message's URL needs it.
        if request_of(exc) is None:
            exc.request = request
        raise
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
def _guarded_aiohttp_transport() -> Callable[..., _FetchingTransport]:
    """`AiohttpTransport` whose every failure is an `httpx` error (imported on first use)."""
    from aiohttp import ClientSession
    from httpx_aiohttp import AiohttpTransport
    from httpx_aiohttp.transport import AiohttpResponseStream, map_aiohttp_exceptions

    class GuardedAiohttpTransport(AiohttpTransport, _FetchingTransport):
        def _session(self) -> ClientSession:
            if not isinstance(self.client, ClientSession):
                self.client = self.get_client()
            return self.client

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            """httpx-aiohttp's send; the response built as `fetch` builds it."""
            with _as_protocol_errors(request), map_aiohttp_exceptions():
                sent = self._session().request(**_aiohttp_call(request))
                answer = await sent.__aenter__()
            response = _head(request, answer, log=False)  # httpx's send logs it
            stream = AiohttpResponseStream(answer)
            response.stream = _GuardedStream(stream, request)
            return response

        async def fetch(
            self, request: httpx.Request, cookies: httpx.Cookies
        ) -> tuple[httpx.Response, bytes]:
            """Send `request`; its whole answer, as httpx's send would give it."""
            session = self._session()
            started = time.perf_counter()
            with _as_protocol_errors(request), map_aiohttp_exceptions():
                async with session.request(**_aiohttp_call(request)) as answer:
                    response = _head(request, answer, log=True)
                    if "set-cookie" in response.headers:
                        # Kept as the headers arrive, as httpx does: a body that
                        # then fails does not lose the cookie.
                        cookies.extract_cookies(response)
                    body = await answer.read()
            response.elapsed = timedelta(seconds=time.perf_counter() - started)
            return response, _decoded(response, body)

    return GuardedAiohttpTransport


@lru_cache(maxsize=64)
def _aiohttp_timeout(
    connect: float | None, read: float | None, pool: float | None
) -> Any:
    from aiohttp import ClientTimeout

    return ClientTimeout(sock_connect=connect, sock_read=read, connect=pool)


def _client_timeout(request: httpx.Request) -> Any:
    """The aiohttp timeouts for `request`, as httpx-aiohttp sets them (a few shapes, cached)."""
    times = request.extensions.get("timeout", {})
    return _aiohttp_timeout(times.get("connect"), times.get("read"), times.get("pool"))


def _aiohttp_call(request: httpx.Request) -> dict[str, Any]:
    """The arguments of aiohttp's `request` for `request`, as httpx-aiohttp passes them."""
    data: Any
    try:
        data = request.content or None
    except httpx.RequestNotRead:
        # A streamed upload: aiohttp reads the stream and frames it itself.
        data = request.stream
        request.headers.pop("transfer-encoding", None)
    return {
        "method": request.method,
        "url": str(request.url),
        "headers": {k.decode(): v.decode() for k, v in request.headers.raw},
        "data": data,
        "allow_redirects": False,
        "auto_decompress": False,
        "compress": False,
        "timeout": _client_timeout(request),
    }


def _head(request: httpx.Request, answer: Any, *, log: bool) -> httpx.Response:
    """The httpx response for aiohttp's `answer`, whose body is still to come.

    httpx's send logs one line for each response as its headers arrive; with
    `log`, for an answer that does not pass through it, the same line is written
    here, for those who read httpx's log.
    """
    extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
    if answer.reason:
        # aiohttp keeps undecodable bytes as surrogates: they go back as they came.
        extensions["reason_phrase"] = answer.reason.encode("utf-8", "surrogateescape")
    response = httpx.Response(
        answer.status,
        headers=answer.raw_headers,
        stream=httpx.ByteStream(b""),
        request=request,
        extensions=extensions,
    )
    if log and _HTTPX_LOG.isEnabledFor(logging.INFO):
        _HTTPX_LOG.info(
            'HTTP Request: %s %s "%s %d %s"',
            request.method,
            request.url,
            response.http_version,
            response.status_code,
            response.reason_phrase,
        )
    return response


def _decoded(response: httpx.Response, body: bytes) -> bytes:
    """`body`, now `response`'s, undone of its content-encoding as httpx would."""
    response.stream = httpx.ByteStream(body)
    if response.is_success and reads_raw(response):
        return body  # nothing to decode: not read again
    # A content-encoding is undone, or a `DecodingError` raised, as httpx does.
    return response.read()
