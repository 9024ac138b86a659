"""The pure half of the gateway clients: everything but the waiting.

Configuration, request bodies, error construction, response parsing, stream
assembly and retry decisions live in `_BaseClient` (and the modules it calls), so
`GatewayClient` and `AsyncGatewayClient` differ only in how they send, read and sleep.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import httpx

from aai_gateway import __version__
from aai_gateway._catalog import ModelInfo, known_capabilities, parse_models
from aai_gateway._config import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_LIMITS,
    DEFAULT_STREAM_CHUNK_TIMEOUT,
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
    StreamTimeoutError,
    build_status_error,
)
from aai_gateway._retry import RetryDecision, RetryPolicy, decide_retry
from aai_gateway._streaming import DONE, StreamAssembler
from aai_gateway._transcript_api import (
    check_transcript_id,
    resolve_rest_base_url,
    subtitle_params,
)
from aai_gateway._transcripts import (
    TagPlacement,
    apply_tag_placement,
    find_transcript_refs,
    resolve_transcript_refs,
)
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
from aai_gateway._validation import (
    check_capabilities,
    check_request_type,
    normalise_request,
    to_injection_form,
    validate_chat_request,
)

logger = logging.getLogger("aai_gateway")
T = TypeVar("T")

_KNOWN_ORDER = tuple(ChatRequest.__annotations__)
_STREAM_UNSUPPORTED = "does not support stream"


def build_chat_body(request: Mapping[str, Any], *, stream: bool) -> bytes:
    """The request body as compact JSON in a fixed key order.

    Known fields come first in the order the gateway documents them, then any
    extra fields in the caller's order. Nothing the caller did not set is added,
    except the streaming switches: `"stream": true` (and `stream_options`, [OBS]
    gateway-spec.md section 5) on a stream; a plain call sends no `stream` key at
    all, not the default `false`.
    """
    body = {key: request[key] for key in _KNOWN_ORDER if request.get(key) is not None}
    body.update((k, v) for k, v in request.items() if k not in body and v is not None)
    body.pop("stream", None)
    if stream:
        body["stream"] = True
        body.setdefault("stream_options", {"include_usage": True})
    else:
        body.pop("stream_options", None)
    return encode_json(body)


def encode_json(body: Mapping[str, Any]) -> bytes:
    """`body` as compact UTF-8 JSON, refusing what is not valid JSON text.

    Raises:
        ValueError: a NaN or infinite number, or a string holding a lone surrogate,
            named by its place in the body (nothing is sent).
    """
    try:
        return json.dumps(
            body, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode()
    except (ValueError, UnicodeEncodeError):
        path, value = _first_unencodable(body, "") or ("body", None)
        path = path.lstrip(".") or "body"
        if isinstance(value, float):
            msg = (
                f"`{path}` is {value!r}, which JSON cannot carry: give a finite "
                "number or leave the field out"
            )
        else:
            msg = (
                f"`{path}` holds a lone surrogate ({value!r}), which is not text: "
                "fix the string's encoding before sending it"
            )
        raise ValueError(msg) from None


def _first_unencodable(value: object, path: str) -> tuple[str, object] | None:
    """The place and value of the first NaN, infinity or lone-surrogate string."""
    if isinstance(value, float):
        return None if math.isfinite(value) else (path, value)
    if isinstance(value, str):
        bad = next((c for c in value if "\ud800" <= c <= "\udfff"), None)
        return None if bad is None else (path, bad)
    items: Iterable[tuple[object, object]] = ()
    if isinstance(value, Mapping):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    for key, item in items:
        where = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"
        found = _first_unencodable(key, where) or _first_unencodable(item, where)
        if found is not None:
            return found
    return None


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
        transcript_base_url: str | None = None,
        inline_transcripts: bool = False,
        stream_chunk_timeout: float | None = DEFAULT_STREAM_CHUNK_TIMEOUT,
    ) -> None:
        self._api_key = api_key
        self.base_url = resolve_base_url(
            base_url or os.environ.get(BASE_URL_ENV), region
        )
        self.transcript_base_url = resolve_rest_base_url(transcript_base_url, region)
        self.timeout = coerce_timeout(timeout)
        self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        self.default_headers = dict(default_headers or {})
        if tag_placement not in ("strict", "auto"):
            msg = f"`tag_placement` must be 'strict' or 'auto', got {tag_placement!r}"
            raise ValueError(msg)
        self.tag_placement: TagPlacement = tag_placement
        self.inline_transcripts = inline_transcripts
        if stream_chunk_timeout is not None and (
            isinstance(stream_chunk_timeout, bool)
            or not isinstance(stream_chunk_timeout, int | float)
            or stream_chunk_timeout <= 0
        ):
            msg = f"`stream_chunk_timeout` must be a positive number of seconds or None, got {stream_chunk_timeout!r}"
            raise ValueError(msg)
        self.stream_chunk_timeout = stream_chunk_timeout
        self._models: dict[str, ModelInfo] | None = None
        self._no_stream: set[str] = set()
        self._urls: dict[str, httpx.URL] = {}

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

    def _url(self, path: str) -> httpx.URL:
        """`base_url` + `path`, parsed once: httpx re-parses a string URL on every request."""
        text = self.base_url + path
        url = self._urls.get(text)
        if url is None:
            url = self._urls[text] = httpx.URL(text)
        return url

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
        self,
        request: Mapping[str, Any],
        *,
        stream: bool,
        inline_texts: Mapping[str, str] | None = None,
    ) -> Mapping[str, Any]:
        request = normalise_request(request)
        validate_chat_request(request)
        request = resolve_transcript_refs(request, inline_texts)
        request = apply_tag_placement(request, self.tag_placement)
        model = request["model"]
        check_capabilities(request, lambda name: self.supports(model, name))
        return to_injection_form(request)

    def _inline_ids(self, request: Mapping[str, Any]) -> list[str]:
        """Referenced transcripts beyond the first, whose text is to be inlined."""
        check_request_type(request)  # the first look at a caller's request
        return find_transcript_refs(request)[1:] if self.inline_transcripts else []

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
        chosen = coerce_timeout(timeout) if timeout is not None else self.timeout
        if stream and self.stream_chunk_timeout is not None:
            # httpx's read timeout is the longest silence between received bytes:
            # for a stream, the longest wait for the next event.
            read = min(
                chosen.read or self.stream_chunk_timeout, self.stream_chunk_timeout
            )
            chosen = httpx.Timeout(
                chosen.connect, read=read, write=chosen.write, pool=chosen.pool
            )
        return http.build_request(
            "POST",
            self._url("/chat/completions"),
            content=build_chat_body(request, stream=stream),
            headers=self._headers(accept=accept, extra=extra_headers),
            timeout=chosen,
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
        try:
            body = decode_json(response.content)
            if not isinstance(body, dict):
                raise ValueError("not a JSON object")
            return parse_chat_completion(body, _plain_headers(response))
        except ValueError as exc:
            msg = f"the gateway answered {response.status_code} with a body that is not a chat completion: {exc}"
            raise self._invalid(msg, response, body=response.text[:2000]) from exc

    def _transport_error(self, exc: httpx.TransportError) -> APIConnectionError:
        timed_out = _timed_out(exc)
        cls = APITimeoutError if timed_out else APIConnectionError
        # httpx-aiohttp labels a refused connection ConnectTimeout: name it plainly.
        kind = type(exc).__name__
        if not timed_out and isinstance(exc, httpx.TimeoutException):
            kind = f"ConnectError ({type(exc.__cause__).__name__})"
        what = "timed out" if timed_out else "failed"
        return cls(
            f"the request to {self.base_url} {what}: {kind}: {exc}",
            request=exc.request if _has_request(exc) else None,
        )

    def _is_event_stream(self, response: httpx.Response) -> bool:
        """Whether a 2xx stream response is SSE (else it is read and given to `_parse_non_sse`)."""
        return _content_type(response) == "text/event-stream"

    def _parse_non_sse(self, response: httpx.Response) -> ChatCompletion:
        """A read, non-SSE answer to a stream request: one JSON answer, or an error."""
        kind = _content_type(response)
        if kind == "application/json":
            return self._parse_completion(response)
        msg = f"expected an event stream from the gateway, got content type {kind or 'none'!r}"
        raise self._invalid(msg, response, body=response.text[:2000])

    def _invalid(
        self,
        msg: str,
        response: httpx.Response | None,
        *,
        body: object = None,
        request_id: str | None = None,
    ) -> APIResponseValidationError:
        """An `APIResponseValidationError` whose message names the request id."""
        request_id = request_id or (
            _salvage_request_id(response) if response is not None else None
        )
        if request_id:
            msg += f" (request_id: {request_id})"
        request = response.request if response is not None else None
        return APIResponseValidationError(
            msg, request=request, body=body, request_id=request_id
        )

    def _stream_event(
        self, event: tuple[str, str], assembler: StreamAssembler
    ) -> ChatCompletionChunk | None:
        """One SSE event: the delta it carries, if any (`[DONE]` marks the assembler done)."""
        kind, data = event
        if data == DONE or data.strip() == DONE:
            assembler.done = True
            return None
        if not data or data.isspace():
            return None
        try:
            payload = decode_json(data)
        except ValueError as exc:
            msg = f"a stream event is not JSON: {data[:200]!r}"
            raise self._invalid(msg, None, request_id=assembler.request_id) from exc
        if not isinstance(payload, dict):
            msg = f"a stream event is not a JSON object: {data[:200]!r}"
            raise self._invalid(msg, None, request_id=assembler.request_id)
        if kind == "error" or is_stream_error_payload(payload):
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
        stalled = isinstance(exc, httpx.TransportError) and _timed_out(exc)
        what = "stalled (no event within the chunk timeout)" if stalled else "broke"
        msg = (
            f"the stream {what} after {delivered} chunk(s) had been delivered "
            f"({type(exc).__name__}: {exc}); it was not retried, to avoid repeating text"
        )
        if assembler.request_id:
            msg += f" (request_id: {assembler.request_id})"
        cls = StreamTimeoutError if stalled else StreamInterruptedError
        return cls(msg, events_received=delivered, request_id=assembler.request_id)

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
        return {m.id: m for m in self._decode(response, parse_models)}

    def _assembler(self, response: httpx.Response) -> StreamAssembler:
        headers = _plain_headers(response)
        return StreamAssembler(
            request_id=headers.get("x-request-id"),
            rate_limit=parse_rate_limit(headers),
        )

    # -- retry decisions, shared by both shells --------------------------------------

    def _on_transport_error(
        self, exc: httpx.TransportError, retries_done: int
    ) -> RetryDecision:
        """Retry a failed attempt, or raise its typed error."""
        decision = decide_retry(retries_done, self.retry_policy, error=exc)
        if not decision.retry:
            raise self._transport_error(exc) from exc
        self._log_retry(decision, retries_done, type(exc).__name__)
        return decision

    def _on_error_status(
        self, response: httpx.Response, transcript_id: str | None, retries_done: int
    ) -> RetryDecision:
        """Retry an error response (already read), or raise its typed error."""
        decision = decide_retry(
            retries_done,
            self.retry_policy,
            status_code=response.status_code,
            headers=response.headers,
        )
        if not decision.retry:
            raise self._status_error(response, transcript_id)
        self._log_retry(decision, retries_done, f"status {response.status_code}")
        return decision

    def _on_stream_break(
        self, exc: httpx.TransportError, assembler: StreamAssembler, retries_done: int
    ) -> RetryDecision:
        """A stream broke: raise `StreamInterruptedError` once chunks were delivered, else retry."""
        if assembler.delivered:
            raise self._interrupted(exc, assembler.delivered, assembler) from exc
        return self._on_transport_error(exc, retries_done)

    def _rest_request(
        self,
        http: httpx.Client | httpx.AsyncClient,
        path: str,
        params: Mapping[str, str] | None = None,
        accept: str = "application/json",
    ) -> httpx.Request:
        return http.build_request(
            "GET",
            f"{self.transcript_base_url}/v2/transcript{path}",
            params=params,
            headers=self._headers(accept=accept),
        )

    def _subtitles_request(
        self,
        http: httpx.Client | httpx.AsyncClient,
        transcript_id: str,
        subtitle_format: str,
        chars_per_caption: int | None,
    ) -> httpx.Request:
        params = subtitle_params(subtitle_format, chars_per_caption)
        path = self._transcript_path(transcript_id, f"/{subtitle_format}")
        return self._rest_request(http, path, params, "text/plain")

    def _transcript_path(self, transcript_id: str, suffix: str = "") -> str:
        return f"/{check_transcript_id(transcript_id)}{suffix}"

    def _decode(self, response: httpx.Response, parse: Callable[[object], T]) -> T:
        """Parse a JSON body, turning a shape error into `APIResponseValidationError`."""
        try:
            return parse(decode_json(response.content))
        except ValueError as exc:
            msg = f"unexpected body from {response.request.url.path}: {exc}"
            raise APIResponseValidationError(msg, request=response.request) from exc

    def _understanding_request(
        self, http: httpx.Client | httpx.AsyncClient, path: str, body: Mapping[str, Any]
    ) -> httpx.Request:
        return http.build_request(
            "POST",
            f"{self.base_url}/understanding{path}",
            content=encode_json(body),
            headers=self._headers(accept="application/json"),
        )

    def _models_request(self, http: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        return http.build_request(
            "GET",
            f"{self.base_url}/models",
            headers=self._headers(accept="application/json", auth=False),
        )


_REQUEST_ID = re.compile(rb'"request_id"\s*:\s*"([^"\\]{1,100})"')


def _content_type(response: httpx.Response) -> str:
    value: str = response.headers.get("content-type", "")
    return value.partition(";")[0].strip().lower()


def _timed_out(exc: httpx.TransportError) -> bool:
    # httpx-aiohttp reports every aiohttp connection error, a refused connection
    # included, as ConnectTimeout: trust the cause it chains over the class.
    if not isinstance(exc, httpx.TimeoutException):
        return False
    cause = exc.__cause__
    from_aiohttp = cause is not None and type(cause).__module__.startswith("aiohttp")
    return not from_aiohttp or isinstance(cause, TimeoutError)


def _salvage_request_id(response: httpx.Response) -> str | None:
    """The request id from the header, else from a body too broken to parse.

    The gateway sends the id only in the body; only a read response is searched.
    """
    header: str | None = response.headers.get("x-request-id")
    if header:
        return header
    try:
        content = response.content[:65536]
    except httpx.ResponseNotRead:
        return None
    match = _REQUEST_ID.search(content)
    return match.group(1).decode("utf-8", "replace") if match else None


def _has_request(exc: httpx.TransportError) -> bool:
    try:
        exc.request  # noqa: B018
    except RuntimeError:
        return False
    return True


def _plain_headers(response: httpx.Response) -> dict[str, str]:
    """The headers as a dict with lower-case names, read in one pass.

    Each `httpx.Headers` look-up scans every header, and a response is read
    several times.
    """
    return dict(response.headers.items())
