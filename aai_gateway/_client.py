"""`GatewayClient` and `AsyncGatewayClient`: thin I/O shells around one pure base.

Everything that is not I/O (configuration, request bodies, error construction,
response parsing, stream assembly, retry decisions) lives in `_BaseClient` and the
modules it calls, so the sync and async clients differ only in how they wait.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import weakref
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx
from httpx_sse import EventSource, ServerSentEvent

from aai_gateway import __version__
from aai_gateway._catalog import ModelInfo, known_capabilities, parse_models
from aai_gateway._config import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_LIMITS,
    USER_AGENT,
    Region,
    coerce_timeout,
    resolve_base_url,
    shared_ssl_context,
)
from aai_gateway._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APIStreamError,
    APITimeoutError,
    BadRequestError,
    MissingAPIKeyError,
    StreamInterruptedError,
    build_status_error,
)
from aai_gateway._retry import RetryDecision, RetryPolicy, decide_retry
from aai_gateway._streaming import DONE, StreamAssembler, completion_as_chunk
from aai_gateway._transcripts import TagPlacement, apply_tag_placement
from aai_gateway._types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    decode_json,
    is_stream_error_payload,
    parse_chat_completion,
    parse_error_body,
    parse_rate_limit,
)
from aai_gateway._validation import check_capabilities, validate_chat_request

__all__ = ["AsyncChatStream", "AsyncGatewayClient", "ChatStream", "GatewayClient"]

logger = logging.getLogger("aai_gateway")

_KNOWN_ORDER = tuple(ChatRequest.__annotations__)
_STREAM_UNSUPPORTED = "does not support stream"


def build_chat_body(request: Mapping[str, Any], *, stream: bool) -> bytes:
    """The request body as compact JSON in a fixed key order.

    Known fields come first in the order the gateway documents them, then any
    extra fields in the caller's order. Nothing the caller did not set is added,
    except the streaming switches.
    """
    body = {key: request[key] for key in _KNOWN_ORDER if request.get(key) is not None}
    body.update((k, v) for k, v in request.items() if k not in body and v is not None)
    body.pop("stream", None)
    if stream:
        body["stream"] = True
        body.setdefault("stream_options", {"include_usage": True})
    else:
        body.pop("stream_options", None)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


class _BaseClient:
    """Configuration and every pure step of a request."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        region: Region | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        default_headers: Mapping[str, str] | None = None,
        retry_policy: RetryPolicy | None = None,
        tag_placement: TagPlacement = "strict",
    ) -> None:
        self._api_key = api_key
        self.base_url = resolve_base_url(
            base_url or os.environ.get(BASE_URL_ENV), region
        )
        self.timeout = coerce_timeout(timeout)
        self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        self.default_headers = dict(default_headers or {})
        if tag_placement not in ("strict", "auto"):
            msg = f"`tag_placement` must be 'strict' or 'auto', got {tag_placement!r}"
            raise ValueError(msg)
        self.tag_placement: TagPlacement = tag_placement
        self._models: dict[str, ModelInfo] | None = None
        self._no_stream: set[str] = set()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def __getstate__(self) -> dict[str, Any]:
        msg = f"{type(self).__name__} holds open connections and cannot be pickled"
        raise TypeError(msg)

    # -- configuration -------------------------------------------------------------

    def _key(self) -> str:
        key = self._api_key or os.environ.get(API_KEY_ENV)
        if not key:
            msg = (
                f"no API key: pass `api_key=` or set the {API_KEY_ENV} environment "
                "variable to your AssemblyAI API key"
            )
            raise MissingAPIKeyError(msg)
        return key

    def _headers(
        self, *, accept: str, auth: bool = True, extra: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        headers = {
            "accept": accept,
            "content-type": "application/json",
            "user-agent": f"{USER_AGENT}/{__version__}",
            **self.default_headers,
            **(extra or {}),
        }
        if auth:
            headers["authorization"] = self._key()
        return headers

    def _http_options(self) -> dict[str, Any]:
        verify: Any = (
            shared_ssl_context() if self.base_url.startswith("https") else True
        )
        return {"timeout": self.timeout, "limits": DEFAULT_LIMITS, "verify": verify}

    # -- requests ------------------------------------------------------------------

    def supports(self, model: str, parameter: str) -> bool | None:
        """Whether `model` takes `parameter`, from the fetched catalogue or the bundled table."""
        if self._models is not None and model in self._models:
            return self._models[model].supports(parameter)
        caps = known_capabilities(model)
        if caps is None:
            return None
        return caps.supports(parameter)

    def _prepare_chat(
        self, request: Mapping[str, Any], *, stream: bool
    ) -> Mapping[str, Any]:
        validate_chat_request(request)
        request = apply_tag_placement(request, self.tag_placement)
        model = request["model"]
        check_capabilities(request, lambda name: self.supports(model, name))
        return request

    def _stream_natively(self, model: str) -> bool:
        return (
            model not in self._no_stream and self.supports(model, "stream") is not False
        )

    def _build(
        self,
        http: httpx.Client | httpx.AsyncClient,
        request: Mapping[str, Any],
        *,
        stream: bool,
        timeout: float | httpx.Timeout | None,
        extra_headers: Mapping[str, str] | None,
    ) -> httpx.Request:
        accept = "text/event-stream" if stream else "application/json"
        return http.build_request(
            "POST",
            f"{self.base_url}/chat/completions",
            content=build_chat_body(request, stream=stream),
            headers=self._headers(accept=accept, extra=extra_headers),
            timeout=coerce_timeout(timeout) if timeout is not None else self.timeout,
        )

    # -- responses -----------------------------------------------------------------

    def _redact(self, text: str) -> str:
        key = self._api_key or os.environ.get(API_KEY_ENV)
        return text.replace(key, "[redacted]") if key and len(key) >= 4 else text

    def _status_error(
        self, response: httpx.Response, transcript_id: str | None = None
    ) -> APIStatusError:
        try:
            body: object = decode_json(response.content)
        except ValueError:
            body = response.text
        error = build_status_error(response, body, transcript_id=transcript_id)
        error.message = self._redact(error.message)
        error.args = (error.message,)
        return error

    def _parse_completion(self, response: httpx.Response) -> ChatCompletion:
        request_id = response.headers.get("x-request-id")
        try:
            body = decode_json(response.content)
            if not isinstance(body, dict):
                raise ValueError("not a JSON object")
            return parse_chat_completion(body, response.headers)
        except ValueError as exc:
            msg = f"the gateway answered {response.status_code} with a body that is not a chat completion: {exc}"
            if request_id:
                msg += f" (request_id: {request_id})"
            raise APIResponseValidationError(
                msg,
                request=response.request,
                body=response.text[:2000],
                request_id=request_id,
            ) from exc

    def _transport_error(self, exc: httpx.TransportError) -> APIConnectionError:
        cls = (
            APITimeoutError
            if isinstance(exc, httpx.TimeoutException)
            else APIConnectionError
        )
        what = "timed out" if cls is APITimeoutError else "failed"
        return cls(
            f"the request to {self.base_url} {what}: {type(exc).__name__}: {exc}",
            request=exc.request if _has_request(exc) else None,
        )

    def _check_stream_response(self, response: httpx.Response) -> bool:
        """Whether a 2xx stream response is SSE (`True`) or one JSON answer (`False`)."""
        kind = (
            response.headers.get("content-type", "").partition(";")[0].strip().lower()
        )
        if kind == "text/event-stream":
            return True
        if kind == "application/json":
            return False
        request_id = response.headers.get("x-request-id")
        msg = f"expected an event stream from the gateway, got content type {kind or 'none'!r}"
        raise APIResponseValidationError(
            msg, request=response.request, request_id=request_id
        )

    def _stream_event(
        self, sse: ServerSentEvent, assembler: StreamAssembler
    ) -> ChatCompletionChunk | str | None:
        data = sse.data
        if data.strip() == DONE:
            return DONE
        if not data.strip():
            return None
        try:
            payload = decode_json(data.encode())
        except ValueError as exc:
            raise APIResponseValidationError(
                f"a stream event is not JSON: {data[:200]!r}",
                request_id=assembler.request_id,
            ) from exc
        if not isinstance(payload, dict):
            raise APIResponseValidationError(
                f"a stream event is not a JSON object: {data[:200]!r}",
                request_id=assembler.request_id,
            )
        if sse.event == "error" or is_stream_error_payload(payload):
            raise self._stream_error(payload, assembler)
        return assembler.feed(payload)

    def _stream_error(
        self, payload: Mapping[str, Any], assembler: StreamAssembler
    ) -> APIStreamError:
        parsed = parse_error_body(payload)
        request_id = parsed.request_id or assembler.request_id
        detail = (
            "; ".join(p for p in (parsed.message, *parsed.errors) if p)
            or json.dumps(payload)[:500]
        )
        msg = f"the gateway reported an error inside the stream: {self._redact(detail)}"
        if request_id:
            msg += f" (request_id: {request_id})"
        return APIStreamError(msg, body=payload, request_id=request_id)

    def _interrupted(
        self, exc: Exception, delivered: int, assembler: StreamAssembler
    ) -> StreamInterruptedError:
        msg = (
            f"the stream broke after {delivered} chunk(s) had been delivered "
            f"({type(exc).__name__}: {exc}); it was not retried, to avoid repeating text"
        )
        if assembler.request_id:
            msg += f" (request_id: {assembler.request_id})"
        return StreamInterruptedError(
            msg, events_received=delivered, request_id=assembler.request_id
        )

    def _log_retry(
        self, decision: RetryDecision, retries_done: int, cause: str
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "retry %d of %d in %.2fs after %s",
                retries_done + 1,
                self.retry_policy.max_retries,
                decision.delay,
                cause,
            )

    def _is_stream_refusal(self, error: APIStatusError) -> bool:
        return isinstance(error, BadRequestError) and any(
            _STREAM_UNSUPPORTED in e for e in (*error.errors, error.message)
        )

    def _store_models(self, response: httpx.Response) -> dict[str, ModelInfo]:
        try:
            models = parse_models(decode_json(response.content))
        except ValueError as exc:
            msg = f"the model catalogue could not be read: {exc}"
            raise APIResponseValidationError(msg, request=response.request) from exc
        return {m.id: m for m in models}

    def _assembler(self, response: httpx.Response) -> StreamAssembler:
        return StreamAssembler(
            request_id=response.headers.get("x-request-id"),
            rate_limit=parse_rate_limit(response.headers),
        )


def _has_request(exc: httpx.TransportError) -> bool:
    try:
        exc.request  # noqa: B018
    except RuntimeError:
        return False
    return True


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


class GatewayClient(_BaseClient):
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
    """

    def __init__(
        self, *, http_client: httpx.Client | None = None, **options: Any
    ) -> None:
        super().__init__(**options)
        self._user_client = http_client
        self._client: httpx.Client | None = None

    def _http(self) -> httpx.Client:
        if self._user_client is not None:
            return self._user_client
        if self._client is None:
            self._client = httpx.Client(**self._http_options())
        return self._client

    def close(self) -> None:
        """Close the connection pool this client built (a passed-in client stays open)."""
        if self._client is not None:
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
    ) -> tuple[httpx.Response, int]:
        """Send with retries; return a 2xx response (unread when `stream`) and the retries used."""
        while True:
            try:
                response = self._http().send(request, stream=stream)
            except httpx.TransportError as exc:
                decision = decide_retry(retries_done, self.retry_policy, error=exc)
                if not decision.retry:
                    raise self._transport_error(exc) from exc
            else:
                if response.is_success:
                    return response, retries_done
                response.read()
                response.close()
                error = self._status_error(response, transcript_id)
                decision = decide_retry(
                    retries_done,
                    self.retry_policy,
                    status_code=response.status_code,
                    headers=response.headers,
                )
                if not decision.retry:
                    raise error
            self._log_retry(decision, retries_done, "a failed attempt")
            time.sleep(decision.delay)
            retries_done += 1

    def chat(
        self,
        request: ChatRequest | Mapping[str, Any],
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> ChatCompletion:
        """Send one chat request and return the whole answer.

        Raises:
            ValueError: the request is invalid (nothing was sent).
            APIError: the request failed; see the subclasses.
        """
        request = self._prepare_chat(request, stream=False)
        built = self._build(
            self._http(),
            request,
            stream=False,
            timeout=timeout,
            extra_headers=extra_headers,
        )
        return self._parse_completion(
            self._send(built, request.get("transcript_id"))[0]
        )

    def stream_chat(
        self,
        request: ChatRequest | Mapping[str, Any],
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> ChatStream:
        """Stream one chat answer as chunks.

        The request is checked now; it is sent when iteration starts. A model that
        cannot stream is asked once, and its answer comes as a single chunk.
        """
        request = self._prepare_chat(request, stream=True)
        return ChatStream(self._iter_stream(request, timeout, extra_headers))

    def _iter_stream(
        self,
        request: Mapping[str, Any],
        timeout: float | httpx.Timeout | None,
        extra_headers: Mapping[str, str] | None,
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
        self,
        request: Mapping[str, Any],
        timeout: float | httpx.Timeout | None,
        extra_headers: Mapping[str, str] | None,
    ) -> Iterator[ChatCompletionChunk]:
        built = self._build(
            self._http(),
            request,
            stream=True,
            timeout=timeout,
            extra_headers=extra_headers,
        )
        retries_done = 0
        while True:
            response, retries_done = self._send(
                built,
                request.get("transcript_id"),
                stream=True,
                retries_done=retries_done,
            )
            assembler = self._assembler(response)
            delivered = 0
            try:
                if not self._check_stream_response(response):
                    response.read()
                    yield completion_as_chunk(self._parse_completion(response))
                    return
                for sse in EventSource(response).iter_sse():
                    chunk = self._stream_event(sse, assembler)
                    if chunk == DONE:
                        break
                    if isinstance(chunk, ChatCompletionChunk):
                        delivered += 1
                        yield chunk
                yield assembler.finish()
                return
            except httpx.TransportError as exc:
                if delivered:
                    raise self._interrupted(exc, delivered, assembler) from exc
                decision = decide_retry(retries_done, self.retry_policy, error=exc)
                if not decision.retry:
                    raise self._transport_error(exc) from exc
            finally:
                response.close()
            self._log_retry(
                decision, retries_done, "a stream that broke before its first chunk"
            )
            time.sleep(decision.delay)
            retries_done += 1

    def list_models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """The gateway's model catalogue (no key needed), cached on this client."""
        if self._models is None or refresh:
            built = self._http().build_request(
                "GET",
                f"{self.base_url}/models",
                headers=self._headers(accept="application/json", auth=False),
            )
            self._models = self._store_models(self._send(built)[0])
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


class AsyncGatewayClient(_BaseClient):
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
            asyncio.AbstractEventLoop, httpx.AsyncClient
        ] = weakref.WeakKeyDictionary()

    def _http(self) -> httpx.AsyncClient:
        if self._user_client is not None:
            return self._user_client
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            for old in [lp for lp in self._clients if lp.is_closed()]:
                del self._clients[old]
            client = self._clients[loop] = httpx.AsyncClient(**self._http_options())
        return client

    async def aclose(self) -> None:
        """Close the pool this client built for the running loop (a passed-in client stays open)."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

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
    ) -> tuple[httpx.Response, int]:
        """Send with retries; return a 2xx response (unread when `stream`) and the retries used."""
        while True:
            try:
                response = await self._http().send(request, stream=stream)
            except httpx.TransportError as exc:
                decision = decide_retry(retries_done, self.retry_policy, error=exc)
                if not decision.retry:
                    raise self._transport_error(exc) from exc
            else:
                if response.is_success:
                    return response, retries_done
                await response.aread()
                await response.aclose()
                error = self._status_error(response, transcript_id)
                decision = decide_retry(
                    retries_done,
                    self.retry_policy,
                    status_code=response.status_code,
                    headers=response.headers,
                )
                if not decision.retry:
                    raise error
            self._log_retry(decision, retries_done, "a failed attempt")
            await asyncio.sleep(decision.delay)
            retries_done += 1

    async def achat(
        self,
        request: ChatRequest | Mapping[str, Any],
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> ChatCompletion:
        """Send one chat request and return the whole answer (see `GatewayClient.chat`)."""
        request = self._prepare_chat(request, stream=False)
        built = self._build(
            self._http(),
            request,
            stream=False,
            timeout=timeout,
            extra_headers=extra_headers,
        )
        return self._parse_completion(
            (await self._asend(built, request.get("transcript_id")))[0]
        )

    def astream_chat(
        self,
        request: ChatRequest | Mapping[str, Any],
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncChatStream:
        """Stream one chat answer as chunks (see `GatewayClient.stream_chat`)."""
        request = self._prepare_chat(request, stream=True)
        return AsyncChatStream(self._aiter_stream(request, timeout, extra_headers))

    async def _aiter_stream(
        self,
        request: Mapping[str, Any],
        timeout: float | httpx.Timeout | None,
        extra_headers: Mapping[str, str] | None,
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
        self,
        request: Mapping[str, Any],
        timeout: float | httpx.Timeout | None,
        extra_headers: Mapping[str, str] | None,
    ) -> AsyncIterator[ChatCompletionChunk]:
        built = self._build(
            self._http(),
            request,
            stream=True,
            timeout=timeout,
            extra_headers=extra_headers,
        )
        retries_done = 0
        while True:
            response, retries_done = await self._asend(
                built,
                request.get("transcript_id"),
                stream=True,
                retries_done=retries_done,
            )
            assembler = self._assembler(response)
            delivered = 0
            try:
                if not self._check_stream_response(response):
                    await response.aread()
                    yield completion_as_chunk(self._parse_completion(response))
                    return
                async for sse in EventSource(response).aiter_sse():
                    chunk = self._stream_event(sse, assembler)
                    if chunk == DONE:
                        break
                    if isinstance(chunk, ChatCompletionChunk):
                        delivered += 1
                        yield chunk
                yield assembler.finish()
                return
            except httpx.TransportError as exc:
                if delivered:
                    raise self._interrupted(exc, delivered, assembler) from exc
                decision = decide_retry(retries_done, self.retry_policy, error=exc)
                if not decision.retry:
                    raise self._transport_error(exc) from exc
            finally:
                await response.aclose()
            self._log_retry(
                decision, retries_done, "a stream that broke before its first chunk"
            )
            await asyncio.sleep(decision.delay)
            retries_done += 1

    async def alist_models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """The gateway's model catalogue (no key needed), cached on this client."""
        if self._models is None or refresh:
            built = self._http().build_request(
                "GET",
                f"{self.base_url}/models",
                headers=self._headers(accept="application/json", auth=False),
            )
            self._models = self._store_models((await self._asend(built))[0])
        return list(self._models.values())

    async def aget_model(self, model: str) -> ModelInfo | None:
        """One catalogue entry, or `None` when the gateway does not list `model`."""
        await self.alist_models()
        return (self._models or {}).get(model)
