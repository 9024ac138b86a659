"""The errors this package raises.

```
AssemblyAIGatewayError
├── MissingAPIKeyError               no key passed and none in the environment
├── TranscriptNotReadyError          a transcript that is not completed yet (also a ValueError)
│   └── TranscriptionError           transcribing audio ended in `error`
├── TranscriptionTimeoutError        audio still transcribing at the deadline (also a TimeoutError)
└── APIError                         message, request, body, request_id
    ├── APIConnectionError           no usable response: DNS, refused, reset
    │   ├── APITimeoutError          connect, read or pool timeout
    │   └── StreamInterruptedError   a stream broke or ended early after events reached the caller
    │       └── StreamTimeoutError   ... by stalling or passing its deadline (also an APITimeoutError)
    ├── APIStatusError               a non-2xx answer: status_code, response, errors
    │   ├── BadRequestError          400
    │   ├── AuthenticationError      401
    │   ├── PermissionDeniedError    403
    │   ├── NotFoundError            404 (TranscriptNotFoundError for `transcript_id`)
    │   ├── ConflictError            409
    │   ├── UnprocessableEntityError 422
    │   ├── RateLimitError           429, with retry_after
    │   └── InternalServerError      5xx
    ├── APIStreamError               an error payload inside a 200 stream
    └── APIResponseValidationError   a 2xx answer that is not the JSON or SSE expected,
                                     cannot be decoded, or has an event over `max_event_size`
```

Messages carry the status, the server's own words and the `request_id`; never the API key
or any request header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import httpx

from aai_gateway._catalog import unknown_model_hint
from aai_gateway._config import Region, region_of_host
from aai_gateway._retry import parse_retry_after
from aai_gateway._types import ErrorBody, parse_error_body

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APIStreamError",
    "APITimeoutError",
    "AssemblyAIGatewayError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "MissingAPIKeyError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "StreamInterruptedError",
    "StreamTimeoutError",
    "TranscriptNotFoundError",
    "TranscriptNotReadyError",
    "TranscriptionError",
    "TranscriptionTimeoutError",
    "UnprocessableEntityError",
]


class AssemblyAIGatewayError(Exception):
    """Base class of every error this package raises."""


class MissingAPIKeyError(AssemblyAIGatewayError, ValueError):
    """No API key was passed and the environment variable is not set."""


class TranscriptNotReadyError(AssemblyAIGatewayError, ValueError):
    """A transcript is queued, processing, or failed, so it has no text to use.

    Attributes:
        transcript_id: The transcript.
        status: Its status (`queued`, `processing` or `error`).
        error: The server's reason for a failed transcript (`None` otherwise).
    """

    def __init__(
        self, transcript_id: str, status: str, error: str | None = None
    ) -> None:
        detail = f": {error}" if error else ""
        super().__init__(
            f"transcript {transcript_id!r} is {status}{detail}; wait until it is "
            "completed, or pass skip_incomplete=True to skip it"
        )
        self.transcript_id = transcript_id
        self.status = status
        self.error = error

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.transcript_id, self.status, self.error))


class TranscriptionError(TranscriptNotReadyError):
    """A transcription ended in `error`: the server could not transcribe the audio.

    A `TranscriptNotReadyError`, so code that catches that one catches this too.

    Attributes:
        transcript_id: The failed transcript.
        status: `"error"`.
        error: The server's own words.
        source: The audio (a file path, or a URL without its query).
    """

    def __init__(self, transcript_id: str, error: str | None, source: str) -> None:
        super().__init__(transcript_id, "error", error)
        self.source = source
        Exception.__init__(
            self,
            f"transcribing {source} (transcript {transcript_id!r}) failed: "
            f"{error or 'no reason given'}; pass skip_incomplete=True to skip "
            "failed transcriptions with a warning",
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.transcript_id, self.error, self.source))


class TranscriptionTimeoutError(AssemblyAIGatewayError, TimeoutError):
    """Transcripts were still queued or processing when the run's deadline passed.

    They go on on the server: give `created` back as `reuse_transcript_ids` to
    wait for them again without paying for a second transcription.

    Attributes:
        timeout: The deadline, in seconds.
        pending: Transcript id -> its audio, for those not finished.
        created: Audio -> transcript id, for every transcript of the run.
    """

    def __init__(
        self, timeout: float, pending: Mapping[str, str], created: Mapping[str, str]
    ) -> None:
        waiting = ", ".join(f"{i!r} ({source})" for i, source in pending.items())
        super().__init__(
            f"transcription did not finish within {timeout:g} s; still queued or "
            f"processing: {waiting}. They go on on the server: pass "
            "`reuse_transcript_ids=` (the loader's `created_transcript_ids`, or this "
            "error's `created`) to wait for them without transcribing again"
        )
        self.timeout = timeout
        self.pending = dict(pending)
        self.created = dict(created)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.timeout, self.pending, self.created))


class APIError(AssemblyAIGatewayError):
    """A request to the gateway or the transcript API failed.

    Attributes:
        message: The full, human-readable explanation.
        request: The request that failed, when known.
        body: The decoded error body, when there was one.
        request_id: The gateway's request id: quote it to AssemblyAI support.
    """

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request | None = None,
        body: object = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body
        self.request_id = request_id

    def __reduce__(self) -> tuple[Any, ...]:
        # Requests, responses and bodies stay behind, so a pickled error never
        # carries headers; the plain attributes (status, request id, ...) travel.
        state = {k: None if k in _UNPICKLED else v for k, v in self.__dict__.items()}
        return (_rebuild_error, (type(self), self.message), state)


_UNPICKLED = frozenset({"request", "response", "body"})


def _rebuild_error(cls: type[APIError], message: str) -> APIError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    return err


class APIConnectionError(APIError):
    """No usable response arrived: the connection failed or broke."""


class APITimeoutError(APIConnectionError):
    """The request timed out (connecting, waiting for the answer, or between events)."""


class StreamInterruptedError(APIConnectionError):
    """A stream broke after some of its events had reached the caller.

    It is never retried, since a retry would repeat text the caller already has.
    A stream that ends before `data: [DONE]` without a `finish_reason` is one too:
    the text it gave is never taken for a whole answer.

    Attributes:
        events_received: How many events the caller had been given.
        partial_content: The text those events carried.
    """

    def __init__(
        self,
        message: str,
        *,
        events_received: int,
        partial_content: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.events_received = events_received
        self.partial_content = partial_content


class StreamTimeoutError(StreamInterruptedError, APITimeoutError):
    """A stream stalled after events had arrived.

    No event came within `stream_chunk_timeout` (comments and the bytes of an
    unfinished event do not count), or the whole stream passed `stream_deadline`.
    """


class APIStreamError(APIError):
    """The gateway sent an error inside a stream that had started with 200."""


class APIResponseValidationError(APIError):
    """A successful status with a body that is not what the gateway documents."""


class APIStatusError(APIError):
    """The gateway answered with an error status.

    Attributes:
        status_code: The HTTP status.
        response: The (closed) response.
        errors: Every message the server listed (`metadata.errors`), in order.
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response | None = None,
        status_code: int,
        errors: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.response = response
        self.status_code = status_code
        self.errors = tuple(errors)


class BadRequestError(APIStatusError):
    """400: the request was refused as invalid."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or wrong."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this."""


class NotFoundError(APIStatusError):
    """404: the thing asked for does not exist."""


class TranscriptNotFoundError(NotFoundError):
    """404 for a `transcript_id` that does not exist, was deleted, or is another account's."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's state."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was understood but could not be processed."""


class RateLimitError(APIStatusError):
    """429: too many requests for this model.

    Attributes:
        retry_after: Seconds the server asked to wait, when it said.
    """

    def __init__(
        self, message: str, *, retry_after: float | None = None, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class InternalServerError(APIStatusError):
    """5xx: the gateway or the model provider failed."""


_STATUS_ERRORS: Mapping[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The error class for an HTTP status."""
    if status_code >= 500:
        return InternalServerError
    return _STATUS_ERRORS.get(status_code, APIStatusError)


def build_status_error(
    response: httpx.Response,
    body: object,
    *,
    transcript_id: str | None = None,
    region: Region | None = None,
    model_ids: Iterable[str] | None = None,
) -> APIStatusError:
    """The typed error for an error response, with a message a person can act on.

    Args:
        response: The error response.
        body: Its decoded JSON, or its text.
        transcript_id: The request's `transcript_id`, for a not-found message.
        region: The client's region, for the hint on an unknown model (default:
            read from the request's host; `None` for another host).
        model_ids: The model ids to suggest from (a fetched catalogue); default
            the bundled ones of the region.
    """
    parsed = parse_error_body(body)
    status = response.status_code
    request_id = parsed.request_id or response.headers.get("x-request-id")
    cls = status_error_class(status)
    detail = _detail(parsed, body, response)
    if transcript_id is not None and _transcript_missing(status, parsed):
        cls = TranscriptNotFoundError
        detail = (
            f"transcript {transcript_id!r} was not found ({detail}): it does not exist, "
            "was deleted, or belongs to another account or region. Check the id and "
            "that the client's region matches the transcript's"
        )
    message = f"Error code: {status} - {detail}"
    if request_id:
        message += f" (request_id: {request_id})"
    if status in (400, 404):  # an unknown model: 400 live, 404 in older docs
        hints = _model_hints(parsed, region or _request_region(response), model_ids)
        if hints:
            message += ". " + " ".join(hints)
    kwargs: dict[str, Any] = {
        "response": response,
        "status_code": status,
        "errors": parsed.errors,
        "request": response.request if _has_request(response) else None,
        "body": body,
        "request_id": request_id,
    }
    if cls is RateLimitError:
        kwargs["retry_after"] = parse_retry_after(response.headers)
    return cls(message, **kwargs)


def _has_request(response: httpx.Response) -> bool:
    try:
        response.request  # noqa: B018
    except RuntimeError:
        return False
    return True


def _request_region(response: httpx.Response) -> Region | None:
    return region_of_host(response.request.url.host) if _has_request(response) else None


# The gateway's words for a model id it does not offer (wire notes 6.2); the old
# docs answered 404 for it, the live gateway 400.
_UNKNOWN_MODEL = re.compile(r"model (\S+) is not supported")


def _model_hints(
    parsed: ErrorBody, region: Region | None, model_ids: Iterable[str] | None
) -> list[str]:
    """A hint for each model id the server said it does not offer."""
    ids = tuple(model_ids) if model_ids is not None else None
    models = dict.fromkeys(
        match[1]
        for text in (parsed.message, *parsed.errors)
        if text
        for match in _UNKNOWN_MODEL.finditer(text)
    )
    hints = (unknown_model_hint(m, region, model_ids=ids) for m in models)
    return [hint for hint in hints if hint]


def _transcript_missing(status: int, parsed: ErrorBody) -> bool:
    # The gateway says 404 "transcript not found"; the REST API says 400
    # "Transcript lookup error, transcript id not found" (wire notes 3.4, 12.2).
    words = " ".join([parsed.message or "", *parsed.errors]).lower()
    if "transcript" not in words:
        return False
    return status == 404 or (status == 400 and "not found" in words)


def _detail(parsed: ErrorBody, body: object, response: httpx.Response) -> str:
    parts = [p for p in (parsed.message, *parsed.errors) if p]
    if parts:
        head, *rest = parts
        return f"{head}: {'; '.join(rest)}" if rest else head
    if isinstance(body, str) and body.strip():
        return body.strip()[:500]
    return response.reason_phrase or "no error message"
