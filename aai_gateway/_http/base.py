"""The pure half of the gateway clients: everything but the waiting.

Configuration, chat requests (checked, transcript rules applied, built), error
construction, response parsing and stream reading live in `_BaseClient` (and the
modules it calls); the retry loop's decisions in `attempts`. So `GatewayClient`
and `AsyncGatewayClient` differ only in how they send, read and sleep. The
transcript REST and Speech Understanding requests are described and built in
`aai_gateway._transcripts._rest_client`, with this client's headers.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Mapping
from typing import Any, TypeVar

import httpx

from aai_gateway._catalog import ModelInfo, known_capabilities, parse_models
from aai_gateway._config import (
    API_KEY_ENV,
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
from aai_gateway._http.body import build_chat_body
from aai_gateway._http.responses import (
    content_type,
    decode_body,
    load_json,
    plain_headers,
    request_of,
    salvage_request_id,
    timed_out,
    url_text,
    with_text,
)
from aai_gateway._http.sse import (
    DEFAULT_MAX_EVENT_SIZE,
    EventParser,
    EventTooLargeError,
)
from aai_gateway._http.streaming import (
    DONE,
    ReadClock,
    StreamAssembler,
    StreamEndedError,
    StreamRun,
    completion_as_chunk,
    looks_cut_short,
)
from aai_gateway._http.transport import post_request
from aai_gateway._retry import RetryPolicy
from aai_gateway._settings import check_seconds
from aai_gateway._transcripts._references import (
    TagPlacement,
    TranscriptScan,
    prepare_transcript,
    scan_transcripts,
)
from aai_gateway._transcripts._rest_types import resolve_rest_base_url
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
    check_headers,
    check_request_type,
    normalise_request,
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
        transcript_tag_placement: TagPlacement = "strict",
        transcript_base_url: str | None = None,
        inline_transcripts: bool = False,
        stream_chunk_timeout: float | None = DEFAULT_STREAM_CHUNK_TIMEOUT,
        stream_deadline: float | None = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    ) -> None:
        self._api_key = api_key
        self.region = region
        self.base_url = resolve_base_url(base_url, region)
        self.transcript_base_url = resolve_rest_base_url(transcript_base_url, region)
        self.timeout = coerce_timeout(timeout)
        self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        check_headers("default_headers")(default_headers or {})
        self.default_headers = dict(default_headers or {})
        if transcript_tag_placement not in ("strict", "auto"):
            msg = (
                "`transcript_tag_placement` must be 'strict' or 'auto', "
                f"got {transcript_tag_placement!r}"
            )
            raise ValueError(msg)
        self.transcript_tag_placement: TagPlacement = transcript_tag_placement
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

    @property
    def tag_placement(self) -> TagPlacement:
        """Deprecated: `transcript_tag_placement`'s name before 0.2."""
        warnings.warn(
            f"`{type(self).__name__}.tag_placement` is now `transcript_tag_placement`;"
            " the old name goes in the next release (docs/migration.md)",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.transcript_tag_placement

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
        }
        # Header names are case-insensitive: a caller's `User-Agent` replaces ours.
        for given in (self.default_headers, extra or {}):
            for name, value in given.items():
                headers[name.lower()] = value
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

    def _plan(
        self,
        request: Mapping[str, Any],
        extra_headers: Mapping[str, str] | None = None,
    ) -> tuple[Mapping[str, Any], TranscriptScan]:
        """A caller's request (and headers) checked, in the documented spellings, and its texts scanned."""
        if extra_headers:
            check_headers("extra_headers")(extra_headers)
        check_request_type(request)  # the first look at a caller's request
        request = normalise_request(request)
        validate_chat_request(request)
        return request, scan_transcripts(request)

    def _inline_ids(self, scan: TranscriptScan) -> tuple[str, ...]:
        """Referenced transcripts beyond the first, whose text is to be inlined."""
        return scan.refs[1:] if self.inline_transcripts else ()

    def _prepare(
        self,
        request: Mapping[str, Any],
        scan: TranscriptScan,
        inline_texts: Mapping[str, str],
    ) -> Mapping[str, Any]:
        """A planned request made ready to send: transcript rules, model capabilities."""
        request = prepare_transcript(
            request, scan, self.transcript_tag_placement, inline_texts
        )
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
        timeout: float | httpx.Timeout | None,
        extra_headers: Mapping[str, str] | None,
        *,
        stream: bool,
    ) -> httpx.Request:
        """The `POST /chat/completions` of a prepared request."""
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
        return post_request(
            http,
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
            response = with_text(response, text)
        try:
            body: object = load_json(text)
        except ValueError:
            body = text
        error = build_status_error(
            response,
            body,
            transcript_id=transcript_id,
            region=self.region,
            model_ids=None if self._models is None else tuple(self._models),
        )
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
            body = load_json(content)
            if not isinstance(body, dict):
                raise ValueError("not a JSON object")
            return parse_chat_completion(body, plain_headers(response))
        except ValueError as exc:
            # A body that met its content-length was whole by the server's own
            # account: broken JSON in it is the server's fault, not the line's.
            sized = "content-length" in response.headers
            if not sized and looks_cut_short(exc):
                msg = f"the answer's body stopped short after {len(content)} bytes"
                raise StreamEndedError(msg, request=response.request) from exc
            msg = f"the gateway answered {response.status_code} with a body that is not a chat completion: {exc}"
            text = self._redact(content.decode("utf-8", "replace"))[:2000]
            request_id = salvage_request_id(response, content)
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
        slow = timed_out(exc)
        cls = APITimeoutError if slow else APIConnectionError
        # httpx-aiohttp labels a refused connection ConnectTimeout: name it plainly.
        kind = type(exc).__name__
        if not slow and isinstance(exc, httpx.TimeoutException):
            kind = f"ConnectError ({type(exc.__cause__).__name__})"
        what = "timed out" if slow else "failed"
        request = request_of(exc)
        # The host that failed: the gateway, or the transcript API for REST calls.
        where = self.base_url if request is None else url_text(request.url)
        return cls(
            self._redact(f"the request to {where} {what}: {kind}: {exc}"),
            request=request,
        )

    def _is_event_stream(self, response: httpx.Response) -> bool:
        """Whether a 2xx stream response is SSE (else its body goes to `_parse_non_sse`)."""
        return content_type(response) == "text/event-stream"

    def _parse_non_sse(self, run: StreamRun, content: bytes) -> ChatCompletion:
        """The whole body of a non-SSE answer to a stream request: one JSON answer, or an error."""
        kind = content_type(run.response)
        if kind == "application/json":
            return self._parse_completion(run.response, content)
        msg = f"expected an event stream from the gateway, got content type {kind or 'none'!r}"
        text = self._redact(content.decode("utf-8", "replace"))[:2000]
        request_id = salvage_request_id(run.response, content)
        raise self._invalid(msg, run.response, body=text, request_id=request_id)

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
            salvage_request_id(response) if response is not None else None
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
        if data == DONE:
            assembler.done = True
            return None
        try:
            # Not `load_json`: one call fewer on every chunk, the same two failures.
            payload = decode_json(data)
        except (ValueError, RecursionError) as exc:
            # The rare forms, looked at only once the common one failed to decode.
            if data.strip() == DONE:
                assembler.done = True
                return None
            if not data or data.isspace():
                return None
            msg = f"a stream event is not JSON: {self._redact(data)[:200]!r}"
            raise self._invalid(msg, None, request_id=assembler.request_id) from exc
        if type(payload) is not dict:
            msg = f"a stream event is not a JSON object: {self._redact(data)[:200]!r}"
            raise self._invalid(msg, None, request_id=assembler.request_id)
        if kind == "error" or (
            ("error" in payload or "choices" not in payload)
            and is_stream_error_payload(payload)
        ):
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
        stalled = timed_out(exc)
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
        """What one streamed attempt reads its (2xx) response with."""
        clock.event()  # a new attempt waits afresh for its first event
        return StreamRun(
            EventParser(self.max_event_size),
            self._assembler(response),
            clock,
            response.request,
            response,
            sse=self._is_event_stream(response),
        )

    def _feed(self, run: StreamRun, data: bytes) -> list[ChatCompletionChunk]:
        """The deltas one read completes (often none or one), to be handed out at once.

        The clock is checked first; only a completed event resets its idle bound
        (comments and the bytes of an unfinished event do not). After handing out
        the deltas the shell calls `_resume`. A bad event after good ones in the
        same read is raised there, once the good ones are delivered.
        """
        if not run.sse:
            return self._hold_body(run, data)
        try:
            events = run.parser.feed(data)
        except EventTooLargeError as exc:
            raise self._too_large(exc, run.assembler) from exc
        run.clock.check(run.request)
        if not events:
            return []
        chunks: list[ChatCompletionChunk] = []
        for event in events:
            try:
                chunk = self._stream_event(event, run.assembler)
            except APIError as exc:
                if not chunks:
                    raise
                run.deferred = exc
                break
            if run.assembler.done:
                break
            if chunk is not None:
                chunks.append(chunk)
        if not chunks:
            run.clock.event()
        return chunks

    def _resume(self, run: StreamRun) -> None:
        """The caller took the deltas of one read: the idle bound starts again.

        The caller's time with its chunks is not the server's silence.
        """
        run.clock.event()
        if run.deferred is not None:
            raise run.deferred

    def _hold_body(self, run: StreamRun, data: bytes) -> list[ChatCompletionChunk]:
        """A read of a stream answered without SSE: kept whole for `_end_stream`."""
        run.clock.check(run.request)
        run.clock.event()  # any progress counts: this body has no events
        run.body.append(data)
        return []

    def _end_stream(self, run: StreamRun) -> ChatCompletionChunk:
        """The final chunk of a whole answer; a stream cut short raises `StreamEndedError`.

        A 2xx answer to a stream request without SSE is one JSON answer (or an
        error), delivered as a single final chunk.
        """
        if not run.sse:
            return completion_as_chunk(self._parse_non_sse(run, b"".join(run.body)))
        if run.assembler.complete:
            return run.assembler.finish()
        msg = "the stream ended before `data: [DONE]` and without a finish_reason"
        raise StreamEndedError(msg, request=run.request)

    def _is_stream_refusal(self, error: APIStatusError, model: str) -> bool:
        """Whether the gateway refused to stream `model` (remembered: it is not asked again)."""
        refused = isinstance(error, BadRequestError) and any(
            _STREAM_UNSUPPORTED in e for e in (*error.errors, error.message)
        )
        if refused:
            self._no_stream.add(model)
        return refused

    def _store_models(self, response: httpx.Response) -> list[ModelInfo]:
        self._models = {m.id: m for m in decode_body(response, parse_models)}
        return list(self._models.values())

    def _assembler(self, response: httpx.Response) -> StreamAssembler:
        headers = plain_headers(response)
        return StreamAssembler(
            request_id=headers.get("x-request-id"),
            rate_limit=parse_rate_limit(headers),
        )

    def _models_request(self, http: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        headers = self._headers(accept="application/json", auth=False)
        return http.build_request("GET", self._url("/models"), headers=headers)


def _seconds_or_none(name: str, value: float | None) -> float | None:
    if value is not None:
        check_seconds(name)(value)
    return value
