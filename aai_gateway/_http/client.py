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
from aai_gateway._http.streaming import ReadClock, StreamRun, completion_as_chunk
from aai_gateway._http.transport import build_async_http_client, build_http_client
from aai_gateway._transcripts._rest_client import (
    AsyncTranscriptMethods,
    SyncTranscriptMethods,
)
from aai_gateway._types import ChatCompletion, ChatCompletionChunk, ChatRequest
from aai_gateway._validation import validate_chat_request

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


class GatewayClient(SyncTranscriptMethods):
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
        base_url: The gateway URL including `/v1`; wins over `region`.
        region: `"us"` (default) or `"eu"`.
        timeout: Seconds, or an `httpx.Timeout` (default 600 s read, 5 s connect).
        max_retries: Retries after the first attempt (default 2).
        default_headers: Headers sent with every request.
        http_client: Your own `httpx.Client`; it is used as is and never closed here.
        retry_policy: Full control of the backoff curve (overrides `max_retries`).
        tag_placement: What to do with a `transcript_id` request without the tag.
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

    def _send(
        self,
        request: httpx.Request,
        transcript_id: str | None = None,
        *,
        stream: bool = False,
        retries_done: int = 0,
        clock: ReadClock | None = None,
    ) -> tuple[httpx.Response, int]:
        """Send with retries; return a 2xx response (unread when `stream`) and the retries used."""
        while True:
            try:
                if clock is not None:
                    clock.attempt()
                response = self._http().send(request, stream=stream)
                if response.is_success:
                    return response, retries_done
                try:
                    response.read()
                finally:
                    response.close()
            except httpx.RequestError as exc:
                decision = self._on_transport_error(exc, retries_done)
            else:
                decision = self._on_error_status(response, transcript_id, retries_done)
            time.sleep(decision.delay)
            retries_done += 1

    def _fetch(
        self, request: httpx.Request, transcript_id: str | None
    ) -> ChatCompletion:
        """Send with retries and read one whole answer within the read `timeout`."""
        clock, retries_done = self._answer_clock(request), 0
        while True:
            response, retries_done = self._send(
                request,
                transcript_id,
                stream=True,
                retries_done=retries_done,
                clock=clock,
            )
            try:
                content = b"".join(_checked(response.iter_bytes(), clock, request))
                return self._parse_completion(response, content)
            except httpx.RequestError as exc:
                decision = self._on_transport_error(exc, retries_done)
            finally:
                response.close()
            time.sleep(decision.delay)
            retries_done += 1

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
        texts = {
            i: self.get_transcript(i).text or "" for i in self._inline_ids(request)
        }
        request = self._prepare_chat(request, stream=False, inline_texts=texts)
        built = self._build(
            self._http(),
            request,
            stream=False,
            timeout=timeout,
            extra_headers=extra_headers,
        )
        answer = self._fetch(built, request.get("transcript_id"))
        return replace(answer, inlined_transcripts=tuple(texts)) if texts else answer

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
        texts = {
            i: self.get_transcript(i).text or "" for i in self._inline_ids(request)
        }
        request = self._prepare_chat(request, stream=True, inline_texts=texts)
        chunks = self._iter_stream(request, timeout, extra_headers)
        return ChatStream(_report_inlined(chunks, tuple(texts)) if texts else chunks)

    def _iter_stream(
        self, request: Mapping[str, Any], timeout: Timeout, extra_headers: Headers
    ) -> Iterator[ChatCompletionChunk]:
        if self._stream_natively(request["model"]):
            try:
                yield from self._iter_sse(request, timeout, extra_headers)
                return
            except APIStatusError as error:
                if not self._is_stream_refusal(error):
                    raise
                self._no_stream.add(request["model"])
        yield completion_as_chunk(
            self.chat(request, timeout=timeout, extra_headers=extra_headers)
        )

    def _iter_sse(
        self, request: Mapping[str, Any], timeout: Timeout, extra_headers: Headers
    ) -> Iterator[ChatCompletionChunk]:
        built = self._build(
            self._http(),
            request,
            stream=True,
            timeout=timeout,
            extra_headers=extra_headers,
        )
        clock, retries_done = self._stream_clock(), 0
        while True:
            run: StreamRun | None = None
            try:
                response, retries_done = self._send(
                    built,
                    request.get("transcript_id"),
                    stream=True,
                    retries_done=retries_done,
                    clock=clock,
                )
                run = self._stream_run(response, clock)
                if not self._is_event_stream(response):
                    response.read()
                    yield completion_as_chunk(self._parse_non_sse(response))
                    return
                for data in response.iter_bytes():
                    yield from self._feed(run, data)
                    if run.assembler.done:
                        break
                yield self._end_stream(run)
                return
            except httpx.RequestError as exc:
                decision = self._on_stream_break(exc, run, retries_done)
            finally:
                if run is not None:
                    response.close()
            time.sleep(decision.delay)
            retries_done += 1

    def list_models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """The gateway's model catalogue (no key needed), cached on this client."""
        if self._models is None or refresh:
            self._models = self._store_models(
                self._send(self._models_request(self._http()))[0]
            )
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


class AsyncGatewayClient(AsyncTranscriptMethods):
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

    async def _asend(
        self,
        request: httpx.Request,
        transcript_id: str | None = None,
        *,
        stream: bool = False,
        retries_done: int = 0,
        clock: ReadClock | None = None,
    ) -> tuple[httpx.Response, int]:
        """Send with retries; return a 2xx response (unread when `stream`) and the retries used.

        With a `clock`, each attempt restarts it, and its wait for the headers
        ends with it.
        """
        while True:
            try:
                if clock is not None:
                    clock.attempt()
                sent = (await self._http()).send(request, stream=stream)
                response = await _within(sent, clock, request)
                if response.is_success:
                    return response, retries_done
                try:
                    await response.aread()
                finally:
                    await response.aclose()
            except httpx.RequestError as exc:
                decision = self._on_transport_error(exc, retries_done)
            else:
                decision = self._on_error_status(response, transcript_id, retries_done)
            await asyncio.sleep(decision.delay)
            retries_done += 1

    async def _afetch(
        self, request: httpx.Request, transcript_id: str | None
    ) -> ChatCompletion:
        """Send with retries and read one whole answer within the read `timeout`."""
        clock, retries_done = self._answer_clock(request), 0
        while True:
            response, retries_done = await self._asend(
                request,
                transcript_id,
                stream=True,
                retries_done=retries_done,
                clock=clock,
            )
            try:
                content = b"".join([d async for d in _timed_bytes(response, clock)])
                return self._parse_completion(response, content)
            except httpx.RequestError as exc:
                decision = self._on_transport_error(exc, retries_done)
            finally:
                await response.aclose()
            await asyncio.sleep(decision.delay)
            retries_done += 1

    async def achat(
        self,
        request: ChatRequest | Mapping[str, Any],
        *,
        timeout: Timeout = None,
        extra_headers: Headers = None,
    ) -> ChatCompletion:
        """Send one chat request and return the whole answer (see `GatewayClient.chat`)."""
        texts = {
            i: (await self.aget_transcript(i)).text or ""
            for i in self._inline_ids(request)
        }
        request = self._prepare_chat(request, stream=False, inline_texts=texts)
        built = self._build(
            await self._http(),
            request,
            stream=False,
            timeout=timeout,
            extra_headers=extra_headers,
        )
        answer = await self._afetch(built, request.get("transcript_id"))
        return replace(answer, inlined_transcripts=tuple(texts)) if texts else answer

    def astream_chat(
        self,
        request: ChatRequest | Mapping[str, Any],
        *,
        timeout: Timeout = None,
        extra_headers: Headers = None,
    ) -> AsyncChatStream:
        """Stream one chat answer as chunks (see `GatewayClient.stream_chat`)."""
        validate_chat_request(request)
        if self._inline_ids(request):
            # The other transcripts' texts are fetched once iteration starts.
            return AsyncChatStream(self._aiter_inlined(request, timeout, extra_headers))
        request = self._prepare_chat(request, stream=True)
        return AsyncChatStream(self._aiter_stream(request, timeout, extra_headers))

    async def _aiter_inlined(
        self, request: Mapping[str, Any], timeout: Timeout, extra_headers: Headers
    ) -> AsyncIterator[ChatCompletionChunk]:
        texts = {
            i: (await self.aget_transcript(i)).text or ""
            for i in self._inline_ids(request)
        }
        request = self._prepare_chat(request, stream=True, inline_texts=texts)
        async for chunk in self._aiter_stream(request, timeout, extra_headers):
            yield (
                replace(chunk, inlined_transcripts=tuple(texts))
                if chunk.final
                else chunk
            )

    async def _aiter_stream(
        self, request: Mapping[str, Any], timeout: Timeout, extra_headers: Headers
    ) -> AsyncIterator[ChatCompletionChunk]:
        if self._stream_natively(request["model"]):
            try:
                async for chunk in self._aiter_sse(request, timeout, extra_headers):
                    yield chunk
                return
            except APIStatusError as error:
                if not self._is_stream_refusal(error):
                    raise
                self._no_stream.add(request["model"])
        yield completion_as_chunk(
            await self.achat(request, timeout=timeout, extra_headers=extra_headers)
        )

    async def _aiter_sse(
        self, request: Mapping[str, Any], timeout: Timeout, extra_headers: Headers
    ) -> AsyncIterator[ChatCompletionChunk]:
        built = self._build(
            await self._http(),
            request,
            stream=True,
            timeout=timeout,
            extra_headers=extra_headers,
        )
        clock, retries_done = self._stream_clock(), 0
        while True:
            run: StreamRun | None = None
            try:
                response, retries_done = await self._asend(
                    built,
                    request.get("transcript_id"),
                    stream=True,
                    retries_done=retries_done,
                    clock=clock,
                )
                run = self._stream_run(response, clock)
                if not self._is_event_stream(response):
                    await response.aread()
                    yield completion_as_chunk(self._parse_non_sse(response))
                    return
                async for data in _timed_bytes(response, clock):
                    for chunk in self._feed(run, data):
                        yield chunk
                    if run.assembler.done:
                        break
                yield self._end_stream(run)
                return
            except httpx.RequestError as exc:
                decision = self._on_stream_break(exc, run, retries_done)
            finally:
                if run is not None:
                    await response.aclose()
            await asyncio.sleep(decision.delay)
            retries_done += 1

    async def alist_models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """The gateway's model catalogue (no key needed), cached on this client."""
        if self._models is None or refresh:
            self._models = self._store_models(
                (await self._asend(self._models_request(await self._http())))[0]
            )
        return list(self._models.values())

    async def aget_model(self, model: str) -> ModelInfo | None:
        """One catalogue entry, or `None` when the gateway does not list `model`."""
        await self.alist_models()
        return (self._models or {}).get(model)


def _checked(
    chunks: Iterator[bytes], clock: ReadClock, request: httpx.Request
) -> Iterator[bytes]:
    """The body's reads, each checked against `clock` once it returns."""
    for data in chunks:
        clock.check(request)
        yield data


async def _within(
    awaitable: Awaitable[T], clock: ReadClock | None, request: httpx.Request
) -> T:
    """`await awaitable`, ended by `clock`'s nearest bound (exactly, unlike the sync shell)."""
    left = None if clock is None else clock.remaining()
    if clock is None or left is None:
        return await awaitable
    try:
        if sys.version_info >= (3, 11):
            async with asyncio.timeout(max(left, 0.0)):
                return await awaitable
        return await asyncio.wait_for(awaitable, max(left, 0.0))
    except asyncio.TimeoutError:
        raise clock.expired(request) from None


async def _timed_bytes(
    response: httpx.Response, clock: ReadClock
) -> AsyncIterator[bytes]:
    """The body's reads, each ended by `clock`."""
    chunks = response.aiter_bytes()
    while True:
        try:
            data = await _within(chunks.__anext__(), clock, response.request)
        except StopAsyncIteration:
            return
        yield data


def _report_inlined(
    chunks: Iterator[ChatCompletionChunk], inlined: tuple[str, ...]
) -> Iterator[ChatCompletionChunk]:
    for chunk in chunks:
        yield replace(chunk, inlined_transcripts=inlined) if chunk.final else chunk


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
