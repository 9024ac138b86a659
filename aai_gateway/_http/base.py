"""The pure half of the gateway clients: everything but the waiting.

Configuration, request bodies, error construction, response parsing, stream
assembly and retry decisions live in `_BaseClient` (and the modules it calls), so
`GatewayClient` and `AsyncGatewayClient` differ only in how they send, read and sleep.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import httpx

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
    APIError,
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
from aai_gateway._http.body import build_chat_body, encode_json
from aai_gateway._http.sse import (
    DEFAULT_MAX_EVENT_SIZE,
    EventParser,
    EventTooLargeError,
)
from aai_gateway._http.streaming import (
    DONE,
    ReadClock,
    ReadTimeoutError,
    StreamAssembler,
    StreamEndedError,
    StreamRun,
    looks_cut_short,
)
from aai_gateway._retry import RetryDecision, RetryPolicy, decide_retry
from aai_gateway._transcripts._references import (
    TagPlacement,
    apply_tag_placement,
    find_transcript_refs,
    resolve_transcript_refs,
)
from aai_gateway._transcripts._rest_types import (
    check_transcript_id,
    resolve_rest_base_url,
    subtitle_params,
)
from aai_gateway._types import (
    ChatCompletion,
    ChatCompletionChunk,
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
from aai_gateway._version import __version__

logger = logging.getLogger("aai_gateway")
T = TypeVar("T")

_STREAM_UNSUPPORTED = "does not support stream"


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
        stream_deadline: float | None = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
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
        self.stream_chunk_timeout = _seconds_or_none(
            "stream_chunk_timeout", stream_chunk_timeout
        )
        self.stream_deadline = _seconds_or_none("stream_deadline", stream_deadline)
        EventParser(max_event_size)  # refuses a size below one character
        self.max_event_size = max_event_size
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
            try:
                url = self._urls[text] = httpx.URL(text)
            except httpx.InvalidURL as exc:
                msg = f"`base_url` {self.base_url!r} does not make a usable URL: {exc}"
                raise APIConnectionError(msg) from exc
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
        limits = (self.stream_chunk_timeout, self.stream_deadline) if stream else ()
        bounds = [b for b in (chosen.read, *limits) if b is not None]
        if stream and bounds:
            # httpx's read timeout is the longest silence between received bytes:
            # the sync shell checks its clocks once a read returns, so no read
            # may wait longer than the nearest bound.
            chosen = httpx.Timeout(
                chosen.connect, read=min(bounds), write=chosen.write, pool=chosen.pool
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

    def _redacted(self, value: object) -> object:
        """A body (text or decoded JSON) with the key taken out wherever it appears.

        Applied where a server's words enter an error (message, `body`), before any
        truncation, so no copy made later (repr, pickle, callbacks) can hold it.
        """
        if isinstance(value, str):
            return self._redact(value)
        if isinstance(value, (dict, list)):
            try:
                text = json.dumps(value, ensure_ascii=False)
            except (TypeError, ValueError, RecursionError):
                return "[a body that could not be checked for the key]"
            clean = self._redact(text)
            return value if clean == text else json.loads(clean)
        return value

    def _status_error(
        self, response: httpx.Response, transcript_id: str | None = None
    ) -> APIStatusError:
        raw = response.text
        text = self._redact(raw)
        if text != raw:
            # Frameworks read `error.response` too (LangChain puts its JSON in
            # `response_metadata`): the error gets a copy with the clean body.
            response = _with_text(response, text)
        try:
            body: object = _load_json(text)
        except ValueError:
            body = text
        error = build_status_error(response, body, transcript_id=transcript_id)
        error.message = self._redact(error.message)
        error.args = (error.message,)
        return error

    def _parse_completion(
        self, response: httpx.Response, content: bytes | None = None
    ) -> ChatCompletion:
        """The answer in a read body (`content`, else `response.content`).

        Raises:
            StreamEndedError: JSON that stops short in a body with no
                content-length (a transport fault, retried).
            APIResponseValidationError: any other body that is not an answer.
        """
        content = response.content if content is None else content
        try:
            body = _load_json(content)
            if not isinstance(body, dict):
                raise ValueError("not a JSON object")
            return parse_chat_completion(body, _plain_headers(response))
        except ValueError as exc:
            # A body that met its content-length was whole by the server's own
            # account: broken JSON in it is the server's fault, not the line's.
            sized = "content-length" in response.headers
            if not sized and looks_cut_short(exc):
                msg = f"the answer's body stopped short after {len(content)} bytes"
                raise StreamEndedError(msg, request=response.request) from exc
            msg = f"the gateway answered {response.status_code} with a body that is not a chat completion: {exc}"
            text = self._redact(content.decode("utf-8", "replace"))[:2000]
            request_id = _salvage_request_id(response, content)
            raise self._invalid(
                msg, response, body=text, request_id=request_id
            ) from exc

    def _transport_error(self, exc: httpx.RequestError) -> APIError:
        if isinstance(exc, httpx.DecodingError):
            msg = (
                "the gateway's answer could not be decoded as its content-encoding "
                f"says ({exc})"
            )
            return self._invalid(msg, None)
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
        raise self._invalid(msg, response, body=self._redact(response.text)[:2000])

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
            self._redact(msg),
            request=request,
            body=self._redacted(body),
            request_id=request_id,
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
            # Not `_load_json`: one call fewer on every chunk, the same two failures.
            payload = decode_json(data)
        except (ValueError, RecursionError) as exc:
            msg = f"a stream event is not JSON: {self._redact(data)[:200]!r}"
            raise self._invalid(msg, None, request_id=assembler.request_id) from exc
        if not isinstance(payload, dict):
            msg = f"a stream event is not a JSON object: {self._redact(data)[:200]!r}"
            raise self._invalid(msg, None, request_id=assembler.request_id)
        if kind == "error" or is_stream_error_payload(payload):
            raise self._stream_error(payload, assembler)
        return assembler.feed(payload)

    def _stream_error(
        self, payload: Mapping[str, Any], assembler: StreamAssembler
    ) -> APIStreamError:
        clean = self._redacted(payload)
        parsed = parse_error_body(clean)
        request_id = parsed.request_id or assembler.request_id
        detail = (
            "; ".join(p for p in (parsed.message, *parsed.errors) if p)
            or json.dumps(clean)[:500]
        )
        msg = f"the gateway reported an error inside the stream: {detail}"
        if request_id:
            msg += f" (request_id: {request_id})"
        return APIStreamError(msg, body=clean, request_id=request_id)

    def _interrupted(
        self, exc: httpx.RequestError, assembler: StreamAssembler
    ) -> StreamInterruptedError:
        stalled = _timed_out(exc)
        what = "stalled" if stalled else "broke"
        if isinstance(exc, StreamEndedError):
            what = "ended before `data: [DONE]` and without a finish_reason"
        msg = (
            f"the stream {what} after {assembler.delivered} chunk(s) had been "
            f"delivered ({type(exc).__name__}: {exc}); it was not retried, to avoid "
            "repeating text (the text so far is on `partial_content`)"
        )
        if assembler.request_id:
            msg += f" (request_id: {assembler.request_id})"
        cls = StreamTimeoutError if stalled else StreamInterruptedError
        return cls(
            msg,
            events_received=assembler.delivered,
            partial_content=assembler.partial_content,
            request_id=assembler.request_id,
        )

    def _too_large(
        self, exc: EventTooLargeError, assembler: StreamAssembler
    ) -> APIResponseValidationError:
        msg = (
            f"a stream event grew to {exc.size} characters without ending, past "
            f"`max_event_size` ({exc.limit}); raise `max_event_size` if the gateway "
            "really sends events this large"
        )
        return self._invalid(msg, None, request_id=assembler.request_id)

    # -- reading, shared by both shells ------------------------------------------------

    def _stream_clock(self) -> ReadClock:
        """The bounds of one stream: `stream_chunk_timeout` between events, `stream_deadline` overall."""
        return ReadClock(idle=self.stream_chunk_timeout, total=self.stream_deadline)

    def _answer_clock(self, request: httpx.Request) -> ReadClock:
        """The bound of one non-streamed attempt: the read `timeout`, headers and body."""
        read = request.extensions.get("timeout", {}).get("read")
        return ReadClock(total=read, total_name="timeout", final_total=False)

    def _stream_run(self, response: httpx.Response, clock: ReadClock) -> StreamRun:
        clock.event()  # a new attempt waits afresh for its first event
        return StreamRun(
            EventParser(self.max_event_size),
            self._assembler(response),
            clock,
            response.request,
        )

    def _feed(self, run: StreamRun, data: bytes) -> Iterator[ChatCompletionChunk]:
        """The deltas one read completes, each as soon as it is parsed.

        The clock is checked first; only a completed event resets its idle bound
        (comments and the bytes of an unfinished event do not).
        """
        try:
            events = run.parser.feed(data)
        except EventTooLargeError as exc:
            raise self._too_large(exc, run.assembler) from exc
        run.clock.check(run.request)
        yielded = False
        for event in events:
            chunk = self._stream_event(event, run.assembler)
            if run.assembler.done:
                return
            if chunk is not None:
                yield chunk
                # An event arrived, and the caller's time with its chunk is not the
                # server's silence: the idle bound starts again after the yield.
                run.clock.event()
                yielded = True
        if events and not yielded:
            run.clock.event()

    def _end_stream(self, run: StreamRun) -> ChatCompletionChunk:
        """The final chunk of a whole answer; a stream cut short raises `StreamEndedError`."""
        if run.assembler.complete:
            return run.assembler.finish()
        msg = "the stream ended before `data: [DONE]` and without a finish_reason"
        raise StreamEndedError(msg, request=run.request)

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
        self, exc: httpx.RequestError, retries_done: int
    ) -> RetryDecision:
        """Retry a failed attempt, or raise its typed error (a passed `stream_deadline` at once)."""
        decision = decide_retry(retries_done, self.retry_policy, error=exc)
        if not decision.retry or (isinstance(exc, ReadTimeoutError) and exc.final):
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
        self, exc: httpx.RequestError, run: StreamRun | None, retries_done: int
    ) -> RetryDecision:
        """A stream broke: raise `StreamInterruptedError` once chunks were delivered, else retry."""
        if run is not None and run.assembler.delivered:
            raise self._interrupted(exc, run.assembler) from exc
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
            return parse(_load_json(response.content))
        except ValueError as exc:
            msg = f"unexpected body from {response.request.url.path}: {exc}"
            raise APIResponseValidationError(msg, request=response.request) from exc

    def _understanding_request(
        self, http: httpx.Client | httpx.AsyncClient, path: str, body: Mapping[str, Any]
    ) -> httpx.Request:
        return http.build_request(
            "POST",
            self._url(f"/understanding{path}"),
            content=encode_json(body),
            headers=self._headers(accept="application/json"),
        )

    def _models_request(self, http: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        return http.build_request(
            "GET",
            self._url("/models"),
            headers=self._headers(accept="application/json", auth=False),
        )


_REQUEST_ID = re.compile(rb'"request_id"\s*:\s*"([^"\\]{1,100})"')


def _seconds_or_none(name: str, value: float | None) -> float | None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int | float) or value <= 0
    ):
        msg = f"`{name}` must be a positive number of seconds or None, got {value!r}"
        raise ValueError(msg)
    return value


def _with_text(response: httpx.Response, text: str) -> httpx.Response:
    """A read copy of `response` whose body is `text` (already decoded)."""
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower()
        not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=text.encode(),
        request=response.request,
    )


def _load_json(content: bytes | str) -> object:
    """`decode_json`, with nesting too deep for the decoder as a `ValueError`."""
    try:
        return decode_json(content)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply to decode") from exc


def _content_type(response: httpx.Response) -> str:
    value: str = response.headers.get("content-type", "")
    return value.partition(";")[0].strip().lower()


def _timed_out(exc: httpx.RequestError) -> bool:
    # httpx-aiohttp reports every aiohttp connection error, a refused connection
    # included, as ConnectTimeout: trust the cause it chains over the class.
    if not isinstance(exc, httpx.TimeoutException):
        return False
    cause = exc.__cause__
    from_aiohttp = cause is not None and type(cause).__module__.startswith("aiohttp")
    return not from_aiohttp or isinstance(cause, TimeoutError)


def _salvage_request_id(
    response: httpx.Response, content: bytes | None = None
) -> str | None:
    """The request id from the header, else from a body too broken to parse.

    The gateway sends the id only in the body; only a read body is searched.
    """
    header: str | None = response.headers.get("x-request-id")
    if header:
        return header
    if content is None:
        try:
            content = response.content
        except httpx.ResponseNotRead:
            return None
    match = _REQUEST_ID.search(content[:65536])
    return match.group(1).decode("utf-8", "replace") if match else None


def _has_request(exc: httpx.RequestError) -> bool:
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
