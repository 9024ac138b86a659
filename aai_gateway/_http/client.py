"""`GatewayClient` and `AsyncGatewayClient`: the I/O shells around `_BaseClient`.

Each method here only sends, reads, iterates and sleeps; every decision is made
by the pure base, so the sync and async twins cannot drift apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import time
import weakref
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterator,
    Mapping,
)
from dataclasses import replace
from typing import Any, TypeVar

import httpx

from aai_gateway._catalog import ModelInfo
from aai_gateway._exceptions import APIStatusError
from aai_gateway._http.attempts import Attempts
from aai_gateway._http.base import _BaseClient
from aai_gateway._http.responses import reads_raw
from aai_gateway._http.streaming import ReadClock, completion_as_chunk
from aai_gateway._http.transport import (
    answer_fetcher,
    build_async_http_client,
    build_http_client,
)
from aai_gateway._settings import CORE_RENAMED, rename_options
from aai_gateway._transcripts._references import TranscriptScan
from aai_gateway._transcripts._rest_client import (
    AsyncTranscriptMethods,
    TranscriptMethods,
)
from aai_gateway._types import ChatCompletion, ChatCompletionChunk, ChatRequest

__all__ = ["AsyncChatStream", "AsyncGatewayClient", "ChatStream", "GatewayClient"]

Timeout = float | httpx.Timeout | None
T = TypeVar("T")
Headers = Mapping[str, str] | None


class ChatStream(Iterator[ChatCompletionChunk]):
    """The chunks of one streamed answer; close it (or use `with`) to stop early."""

    def __init__(self, chunks: Iterator[ChatCompletionChunk]) -> None:
        self._chunks = chunks

    def __next__(self) -> ChatCompletionChunk:
        return next(self._chunks)

    def __iter__(self) -> ChatStream:
        return self

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading and release the connection."""
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


class GatewayClient(_BaseClient, TranscriptMethods):
    """A synchronous client for the LLM Gateway.

    Nothing touches the network, the environment's key, or the certificate store
    until the first request.

    Example:
        ```python
        client = GatewayClient()  # key from ASSEMBLYAI_API_KEY
        answer = client.chat({"model": "claude-sonnet-4-6",
                              "messages": [{"role": "user", "content": "Hi"}]})
        print(answer.content, answer.usage)
        ```

    Args:
        api_key: Your AssemblyAI API key (default: `ASSEMBLYAI_API_KEY`).
        base_url: The gateway URL, with or without `/v1` (default:
            `ASSEMBLYAI_LLM_GATEWAY_BASE_URL`, else the region's).
        region: `"us"` (default) or `"eu"`; also picks the "did you mean" hints
            of an unknown model when `base_url` is a proxy or an emulator.
        timeout: Seconds, or an `httpx.Timeout` (default 600 s read, 5 s connect).
        max_retries: Retries after the first attempt (default 2).
        default_headers: Headers sent with every request.
        http_client: Your own `httpx.Client`; it is used as is and never closed here.
        retry_policy: Full control of the backoff curve (overrides `max_retries`).
        transcript_tag_placement: What to do with a `transcript_id` request whose
            messages lack the `{{ transcript }}` tag: `"strict"` (default) refuses
            it, `"auto"` adds the tag to the first user message. Before 0.2 this
            was `tag_placement`, still taken (with a `DeprecationWarning`) in 0.2.
        transcript_base_url: The transcript REST API root (default: the region's).
        inline_transcripts: Let a request reference several transcripts: the first
            goes by reference, the others' text is fetched and sent inline.
        stream_chunk_timeout: The longest wait, in seconds, for a stream's next
            event (default 120; `None` leaves only `timeout`). Comments and the
            bytes of an unfinished event do not reset it.
        stream_deadline: The longest a whole stream may take, in seconds, retries
            included (default `None`: no bound).
        max_event_size: The most characters one server-sent event may hold
            (default 64 Mi); a larger one raises `APIResponseValidationError`.

    `timeout` (its read part) bounds each attempt of a non-streamed answer,
    headers and body together. This sync client checks its clocks each time a
    socket read returns, and a read waits at most the socket's read timeout (for
    a stream the smallest of `timeout`, `stream_chunk_timeout` and
    `stream_deadline`), so a bound can be overshot by one such wait: in the
    worst case a non-streamed answer takes twice `timeout`, a drip-fed event
    twice `stream_chunk_timeout`, and a stream `stream_deadline` plus the
    smaller of the other two. `AsyncGatewayClient` ends each wait exactly.
    """

    def __init__(
        self, *, http_client: httpx.Client | None = None, **options: Any
    ) -> None:
        options = rename_options(options, type(self).__name__, renamed=CORE_RENAMED)
        super().__init__(**options)
        self._user_client = http_client
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._finalizer: weakref.finalize[Any, Any] | None = None

    def _http(self) -> httpx.Client:
        if self._user_client is not None:
            return self._user_client
        client = self._client
        if client is None:
            # Threads share one client: only one of them may build its pool.
            with self._lock:
                if self._client is None:
                    self._client = build_http_client(self._http_options())
                    # A client dropped without close() still closes its sockets.
                    self._finalizer = weakref.finalize(self, self._client.close)
                client = self._client
        return client

    def close(self) -> None:
        """Close the connection pool this client built (a passed-in client stays open)."""
        if self._client is not None:
            if self._finalizer is not None:
                self._finalizer.detach()
            self._client.close()
            self._client = None

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(
        self, request: httpx.Request, attempts: Attempts, *, stream: bool = True
    ) -> httpx.Response:
        """One attempt's 2xx response (unread when `stream`); an error status is refused."""
        response = self._http().send(request, stream=stream)
        if not response.is_success:
            try:
                response.read()
            finally:
                response.close()
            attempts.refuse(response)
        return response

    def _send(
        self, request: httpx.Request, transcript_id: str | None = None
    ) -> httpx.Response:
        """Send with retries; return the 2xx response, read."""
        attempts = Attempts(self, transcript_id)
        while True:
            with attempts:
                return self._open(request, attempts, stream=False)
            time.sleep(attempts.delay)

    def _fetch(
        self, request: httpx.Request, transcript_id: str | None
    ) -> ChatCompletion:
        """Send with retries and read one whole answer within the read `timeout`."""
        attempts = Attempts(self, transcript_id, self._answer_clock(request))
        while True:
            with attempts:
                response = self._open(request, attempts)
                content = _read_all(response, attempts.clock)
                return self._parse_completion(response, content)
            time.sleep(attempts.delay)

    def chat(
        self,
        request: ChatRequest | Mapping[str, Any],
        *,
        timeout: Timeout = None,
        extra_headers: Headers = None,
    ) -> ChatCompletion:
        """Send one chat request and return the whole answer.

        Raises:
            ValueError: the request is invalid (nothing was sent).
            APIError: the request failed; see the subclasses.
        """
        request, scan = self._plan(request, extra_headers)
        texts = self._inline_texts(scan)
        request = self._prepare(request, scan, texts)
        built = self._build(self._http(), request, timeout, extra_headers, stream=False)
        return _inlined(self._fetch(built, request.get("transcript_id")), texts)

    def stream_chat(
        self,
        request: ChatRequest | Mapping[str, Any],
        *,
        timeout: Timeout = None,
        extra_headers: Headers = None,
    ) -> ChatStream:
        """Stream one chat answer as chunks.

        The request is checked now and sent when iteration starts. A model that
        cannot stream is asked once without streaming, and its answer comes as a
        single chunk. The last chunk has `final=True` and carries the usage.
        """
        request, scan = self._plan(request, extra_headers)
        texts = self._inline_texts(scan)
        request = self._prepare(request, scan, texts)
        chunks = self._iter_stream(request, timeout, extra_headers)
        return ChatStream(_report_inlined(chunks, texts) if texts else chunks)

    def _inline_texts(self, scan: TranscriptScan) -> dict[str, str]:
        """The texts of the transcripts to inline (fetched now), by id."""
        return {i: self.get_transcript(i).text or "" for i in self._inline_ids(scan)}

    def _iter_stream(
        self, request: Mapping[str, Any], timeout: Timeout, extra_headers: Headers
    ) -> Iterator[ChatCompletionChunk]:
        if self._stream_natively(request["model"]):
            try:
                yield from self._iter_sse(request, timeout, extra_headers)
                return
            except APIStatusError as error:
                if not self._is_stream_refusal(error, request["model"]):
                    raise
        built = self._build(self._http(), request, timeout, extra_headers, stream=False)
        yield completion_as_chunk(self._fetch(built, request.get("transcript_id")))

    def _iter_sse(
        self, request: Mapping[str, Any], timeout: Timeout, extra_headers: Headers
    ) -> Iterator[ChatCompletionChunk]:
        built = self._build(self._http(), request, timeout, extra_headers, stream=True)
        attempts = Attempts(self, request.get("transcript_id"), self._stream_clock())
        while True:
            with attempts:
                response = self._open(built, attempts)
                try:
                    yield from self._read_events(response, attempts)
                finally:
                    response.close()
                return
            time.sleep(attempts.delay)

    def _read_events(
        self, response: httpx.Response, attempts: Attempts
    ) -> Iterator[ChatCompletionChunk]:
        run = attempts.run = self._stream_run(response, attempts.clock)
        for data in _reads(response):
            chunks = self._feed(run, data)
            if chunks:
                yield from chunks
                self._resume(run)
            if run.assembler.done:
                break
        yield self._end_stream(run)

    def list_models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """The gateway's model catalogue (no key needed), cached on this client."""
        if self._models is None or refresh:
            return self._store_models(self._send(self._models_request(self._http())))
        return list(self._models.values())

    def get_model(self, model: str) -> ModelInfo | None:
        """One catalogue entry, or `None` when the gateway does not list `model`."""
        self.list_models()
        return (self._models or {}).get(model)


class AsyncChatStream(AsyncIterator[ChatCompletionChunk]):
    """The chunks of one streamed answer; `aclose()` it (or `async with`) to stop early."""

    def __init__(self, chunks: AsyncIterator[ChatCompletionChunk]) -> None:
        self._chunks = chunks

    async def __anext__(self) -> ChatCompletionChunk:
        return await self._chunks.__anext__()

    def __aiter__(self) -> AsyncChatStream:
        return self

    async def __aenter__(self) -> AsyncChatStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop reading and release the connection."""
        close = getattr(self._chunks, "aclose", None)
        if close is not None:
            await close()


class AsyncGatewayClient(_BaseClient, AsyncTranscriptMethods):
    """An asyncio client for the LLM Gateway, the twin of `GatewayClient`.

    One connection pool is kept per running event loop, so the same client works
    across `asyncio.run()` calls and per-test event loops.

    Example:
        ```python
        client = AsyncGatewayClient()
        answer = await client.achat({"model": "claude-sonnet-4-6", "prompt": "Hi"})
        ```

    Args:
        http_client: Your own `httpx.AsyncClient`; used as is and never closed here.
        **options: The same options as `GatewayClient`.
    """

    def __init__(
        self, *, http_client: httpx.AsyncClient | None = None, **options: Any
    ) -> None:
        options = rename_options(options, type(self).__name__, renamed=CORE_RENAMED)
        super().__init__(**options)
        self._user_client = http_client
        self._clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop,
            tuple[httpx.AsyncClient, AsyncGenerator[None, None]],
        ] = weakref.WeakKeyDictionary()

    async def _http(self) -> httpx.AsyncClient:
        if self._user_client is not None:
            return self._user_client
        loop = asyncio.get_running_loop()
        entry = self._clients.get(loop)
        if entry is None:
            client = build_async_http_client(self._http_options())
            # Parked at its `yield` inside this loop: when the loop shuts down its
            # async generators (asyncio.run, pytest-asyncio), the pool is closed
            # and its entry dropped (the generator holds the loop, so a weak key
            # alone would never let go of it).
            closer = _close_with_loop(client, lambda: self._clients.pop(loop, None))
            await closer.__anext__()
            entry = self._clients[loop] = (client, closer)
            _close_before(loop, closer)
        return entry[0]

    async def aclose(self) -> None:
        """Close the pool this client built for the running loop (a passed-in client stays open)."""
        entry = self._clients.pop(asyncio.get_running_loop(), None)
        if entry is not None:
            await entry[1].aclose()

    async def __aenter__(self) -> AsyncGatewayClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _aopen(
        self, request: httpx.Request, attempts: Attempts, *, stream: bool = True
    ) -> httpx.Response:
        """One attempt's 2xx response (see `GatewayClient._open`).

        Its wait for the headers ends with the attempt's clock.
        """
        sent = (await self._http()).send(request, stream=stream)
        response = await _within(sent, attempts.clock, request)
        if not response.is_success:
            try:
                await response.aread()
            finally:
                await response.aclose()
            attempts.refuse(response)
        return response

    async def _asend(
        self, request: httpx.Request, transcript_id: str | None = None
    ) -> httpx.Response:
        """Send with retries; return the 2xx response, read."""
        attempts = Attempts(self, transcript_id)
        while True:
            with attempts:
                return await self._aopen(request, attempts, stream=False)
            await asyncio.sleep(attempts.delay)

    async def _afetch(
        self, request: httpx.Request, transcript_id: str | None
    ) -> ChatCompletion:
        """Send with retries and read one whole answer within the read `timeout`."""
        attempts = Attempts(self, transcript_id, self._answer_clock(request))
        while True:
            with attempts:
                # Asked each attempt: a pool closed during the wait is built anew.
                fetch = answer_fetcher(await self._http())
                if fetch is None:
                    response = await self._aopen(request, attempts)
                    content = await _aread_all(response, attempts.clock)
                else:
                    # Our own aiohttp pool: headers and body under one deadline.
                    sent = fetch(request)
                    response, content = await _within(sent, attempts.clock, request)
                    if not response.is_success:
                        attempts.refuse(response)
                return self._parse_completion(response, content)
            await asyncio.sleep(attempts.delay)

    async def achat(
        self,
        request: ChatRequest | Mapping[str, Any],
        *,
        timeout: Timeout = None,
        extra_headers: Headers = None,
    ) -> ChatCompletion:
        """Send one chat request and return the whole answer (see `GatewayClient.chat`)."""
        request, scan = self._plan(request, extra_headers)
        texts = await self._ainline_texts(scan)
        request = self._prepare(request, scan, texts)
        http = await self._http()
        built = self._build(http, request, timeout, extra_headers, stream=False)
        return _inlined(await self._afetch(built, request.get("transcript_id")), texts)

    def astream_chat(
        self,
        request: ChatRequest | Mapping[str, Any],
        *,
        timeout: Timeout = None,
        extra_headers: Headers = None,
    ) -> AsyncChatStream:
        """Stream one chat answer as chunks (see `GatewayClient.stream_chat`)."""
        request, scan = self._plan(request, extra_headers)
        if self._inline_ids(scan):
            # The other transcripts' texts are fetched once iteration starts.
            chunks = self._aiter_inlined(request, scan, timeout, extra_headers)
            return AsyncChatStream(chunks)
        request = self._prepare(request, scan, {})
        return AsyncChatStream(self._aiter_stream(request, timeout, extra_headers))

    async def _ainline_texts(self, scan: TranscriptScan) -> dict[str, str]:
        """The texts of the transcripts to inline, by id."""
        ids = self._inline_ids(scan)
        return {i: (await self.aget_transcript(i)).text or "" for i in ids}

    async def _aiter_inlined(
        self,
        request: Mapping[str, Any],
        scan: TranscriptScan,
        timeout: Timeout,
        extra_headers: Headers,
    ) -> AsyncIterator[ChatCompletionChunk]:
        texts = await self._ainline_texts(scan)
        request = self._prepare(request, scan, texts)
        async for chunk in self._aiter_stream(request, timeout, extra_headers):
            yield _inlined(chunk, texts) if chunk.final else chunk

    async def _aiter_stream(
        self, request: Mapping[str, Any], timeout: Timeout, extra_headers: Headers
    ) -> AsyncIterator[ChatCompletionChunk]:
        if self._stream_natively(request["model"]):
            try:
                async for chunk in self._aiter_sse(request, timeout, extra_headers):
                    yield chunk
                return
            except APIStatusError as error:
                if not self._is_stream_refusal(error, request["model"]):
                    raise
        http = await self._http()
        built = self._build(http, request, timeout, extra_headers, stream=False)
        yield completion_as_chunk(
            await self._afetch(built, request.get("transcript_id"))
        )

    async def _aiter_sse(
        self, request: Mapping[str, Any], timeout: Timeout, extra_headers: Headers
    ) -> AsyncIterator[ChatCompletionChunk]:
        http = await self._http()
        built = self._build(http, request, timeout, extra_headers, stream=True)
        attempts = Attempts(self, request.get("transcript_id"), self._stream_clock())
        while True:
            with attempts:
                response = await self._aopen(built, attempts)
                try:
                    async for chunk in self._aread_events(response, attempts):
                        yield chunk
                finally:
                    await response.aclose()
                return
            await asyncio.sleep(attempts.delay)

    async def _aread_events(
        self, response: httpx.Response, attempts: Attempts
    ) -> AsyncIterator[ChatCompletionChunk]:
        run = attempts.run = self._stream_run(response, attempts.clock)
        async for data in _timed_bytes(response, run.clock):
            chunks = self._feed(run, data)
            if chunks:
                for chunk in chunks:
                    yield chunk
                self._resume(run)
            if run.assembler.done:
                break
        yield self._end_stream(run)

    async def alist_models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """The gateway's model catalogue (no key needed), cached on this client."""
        if self._models is None or refresh:
            request = self._models_request(await self._http())
            return self._store_models(await self._asend(request))
        return list(self._models.values())

    async def aget_model(self, model: str) -> ModelInfo | None:
        """One catalogue entry, or `None` when the gateway does not list `model`."""
        await self.alist_models()
        return (self._models or {}).get(model)


def _read_all(response: httpx.Response, clock: ReadClock) -> bytes:
    """The whole body, each read checked against `clock` once it returns; then closed."""
    try:
        parts = []
        for data in _reads(response):
            clock.check(response.request)
            parts.append(data)
        return b"".join(parts)
    finally:
        response.close()


async def _aread_all(response: httpx.Response, clock: ReadClock) -> bytes:
    """The whole body, each read ended by `clock`; then closed."""
    try:
        return b"".join([data async for data in _timed_bytes(response, clock)])
    finally:
        await response.aclose()


async def _within(
    awaitable: Awaitable[T], clock: ReadClock, request: httpx.Request
) -> T:
    """`await awaitable`, ended by `clock`'s nearest bound (exactly, unlike the sync shell)."""
    left = clock.remaining()
    if left is None:
        return await awaitable
    try:
        if sys.version_info >= (3, 11):
            async with asyncio.timeout(max(left, 0.0)):
                return await awaitable
        return await asyncio.wait_for(awaitable, max(left, 0.0))
    except asyncio.TimeoutError:
        raise clock.expired(request) from None


def _reads(response: httpx.Response) -> Iterator[bytes]:
    """The body's reads (decoded, if the body is content-encoded)."""
    # Unencoded bodies skip httpx's decoder and chunker, a layer on every read.
    return response.iter_raw() if reads_raw(response) else response.iter_bytes()


async def _timed_bytes(
    response: httpx.Response, clock: ReadClock
) -> AsyncIterator[bytes]:
    """The body's reads, each ended by `clock`."""
    # Unencoded bodies skip httpx's decoder and chunker, a layer on every read.
    chunks = response.aiter_raw() if reads_raw(response) else response.aiter_bytes()
    while True:
        try:
            data = await _within(chunks.__anext__(), clock, response.request)
        except StopAsyncIteration:
            return
        yield data


_Reported = TypeVar("_Reported", ChatCompletion, ChatCompletionChunk)


def _inlined(answer: _Reported, texts: Mapping[str, str]) -> _Reported:
    """`answer` naming the transcripts whose text went inline (if any did)."""
    return replace(answer, inlined_transcripts=tuple(texts)) if texts else answer


def _report_inlined(
    chunks: Iterator[ChatCompletionChunk], texts: Mapping[str, str]
) -> Iterator[ChatCompletionChunk]:
    for chunk in chunks:
        yield _inlined(chunk, texts) if chunk.final else chunk


async def _close_with_loop(
    client: httpx.AsyncClient, forget: Callable[[], object]
) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        forget()
        await client.aclose()


def _close_before(
    loop: asyncio.AbstractEventLoop, closer: AsyncGenerator[None, None]
) -> None:
    """Close the pool in `loop` before the loop itself closes.

    `asyncio.run` shuts async generators down first, which closes the pool; a loop
    made by hand (`new_event_loop`, `run_until_complete`, `close`) never does, and
    its sockets would stay open with nothing left able to close them. So the
    loop's `close` is wrapped, on this loop object only, to finish the pool first.
    """
    close = loop.close

    def close_pool_then_loop() -> None:
        try:
            if not loop.is_running() and not loop.is_closed():
                loop.run_until_complete(closer.aclose())
        finally:
            close()

    # A loop type that refuses new attributes keeps the asyncio.run path only.
    with contextlib.suppress(AttributeError):
        loop.close = close_pool_then_loop  # type: ignore[method-assign]
