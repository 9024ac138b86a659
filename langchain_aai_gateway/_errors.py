"""The core's errors, re-raised as classes that are also LangChain model errors.

Every error `aai_gateway` raises is re-raised by the adapter as a subclass of both
the core class and the matching `langchain_core.exceptions` class, so code catching
either works: `except aai_gateway.RateLimitError` and `except ModelRateLimitError`
both catch a 429, and `ModelRetryMiddleware` (which reads `is_retryable`) and
`with_fallbacks` behave as they do with first-party integrations.

```
core class                  also a                       adapter class
AuthenticationError         ModelAuthenticationError     GatewayAuthenticationError
MissingAPIKeyError          ModelAuthenticationError     GatewayMissingAPIKeyError
PermissionDeniedError       ModelPermissionDeniedError   GatewayPermissionDeniedError
BadRequestError             ModelInvalidRequestError     GatewayBadRequestError
  (context too long)        ContextOverflowError         GatewayContextOverflowError
UnprocessableEntityError    ModelInvalidRequestError     GatewayUnprocessableEntityError
ConflictError               ModelInvalidRequestError     GatewayConflictError
NotFoundError               ModelNotFoundError           GatewayNotFoundError
TranscriptNotFoundError     ModelInvalidRequestError     GatewayTranscriptNotFoundError
RateLimitError              ModelRateLimitError          GatewayRateLimitError
InternalServerError         ModelAPIError                GatewayInternalServerError
APIStatusError (other)      ModelAPIError                GatewayAPIStatusError
APIStreamError              ModelAPIError                GatewayAPIStreamError
APIResponseValidationError  ModelAPIError                GatewayResponseValidationError
StreamTimeoutError          ModelTimeoutError            GatewayStreamTimeoutError
APITimeoutError             ModelTimeoutError            GatewayTimeoutError
StreamInterruptedError      ModelConnectionError         GatewayStreamInterruptedError
APIConnectionError          ModelConnectionError         GatewayConnectionError
```

A missing transcript is `ModelInvalidRequestError`, not `ModelNotFoundError`: the
model exists, the request named the wrong transcript, and falling back to another
model would not help. The converted error keeps the original's message,
`request_id`, `status_code` and every other attribute, and chains it as `__cause__`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)

from aai_gateway import errors as core

__all__ = ["convert_error", "translate_errors"]


class GatewayAuthenticationError(core.AuthenticationError, ModelAuthenticationError):
    """401: the API key is missing or wrong."""


class GatewayMissingAPIKeyError(core.MissingAPIKeyError, ModelAuthenticationError):
    """No API key was passed and `ASSEMBLYAI_API_KEY` is not set."""


class GatewayPermissionDeniedError(
    core.PermissionDeniedError, ModelPermissionDeniedError
):
    """403: the key may not do this."""


class GatewayBadRequestError(core.BadRequestError, ModelInvalidRequestError):
    """400: the gateway refused the request as invalid."""


class GatewayContextOverflowError(core.BadRequestError, ContextOverflowError):
    """400 because the input is longer than the model's context window."""


class GatewayUnprocessableEntityError(
    core.UnprocessableEntityError, ModelInvalidRequestError
):
    """422: understood but not processable (for example unrepairable JSON)."""


class GatewayConflictError(core.ConflictError, ModelInvalidRequestError):
    """409: the request conflicts with the resource's state."""


class GatewayNotFoundError(core.NotFoundError, ModelNotFoundError):
    """404: the model (or path) does not exist."""


class GatewayTranscriptNotFoundError(
    core.TranscriptNotFoundError, ModelInvalidRequestError
):
    """404 for a `transcript_id` that does not exist or is not this account's."""


class GatewayRateLimitError(core.RateLimitError, ModelRateLimitError):
    """429: too many requests; `retry_after` says how long to wait."""


class GatewayInternalServerError(core.InternalServerError, ModelAPIError):
    """5xx: the gateway or the model provider failed."""


class GatewayAPIStatusError(core.APIStatusError, ModelAPIError):
    """Another non-2xx status."""


class GatewayAPIStreamError(core.APIStreamError, ModelAPIError):
    """An error reported inside a stream that had started with 200."""


class GatewayResponseValidationError(core.APIResponseValidationError, ModelAPIError):
    """A 2xx answer that is not the JSON or SSE the gateway documents."""


class GatewayStreamTimeoutError(core.StreamTimeoutError, ModelTimeoutError):
    """A stream went silent after events had arrived (also a stream interruption)."""


class GatewayTimeoutError(core.APITimeoutError, ModelTimeoutError):
    """The request timed out."""


class GatewayStreamInterruptedError(core.StreamInterruptedError, ModelConnectionError):
    """A stream broke after some chunks had been delivered."""


class GatewayConnectionError(core.APIConnectionError, ModelConnectionError):
    """The gateway could not be reached."""


# Most specific first: the first `isinstance` match wins.
_DUAL_CLASSES: tuple[tuple[type[Exception], type[Exception]], ...] = (
    (core.MissingAPIKeyError, GatewayMissingAPIKeyError),
    (core.AuthenticationError, GatewayAuthenticationError),
    (core.PermissionDeniedError, GatewayPermissionDeniedError),
    (core.BadRequestError, GatewayBadRequestError),
    (core.UnprocessableEntityError, GatewayUnprocessableEntityError),
    (core.ConflictError, GatewayConflictError),
    (core.TranscriptNotFoundError, GatewayTranscriptNotFoundError),
    (core.NotFoundError, GatewayNotFoundError),
    (core.RateLimitError, GatewayRateLimitError),
    (core.InternalServerError, GatewayInternalServerError),
    (core.APIStatusError, GatewayAPIStatusError),
    (core.APIStreamError, GatewayAPIStreamError),
    (core.APIResponseValidationError, GatewayResponseValidationError),
    (
        core.StreamTimeoutError,
        GatewayStreamTimeoutError,
    ),  # first: also an APITimeoutError
    (core.APITimeoutError, GatewayTimeoutError),
    (core.StreamInterruptedError, GatewayStreamInterruptedError),
    (core.APIConnectionError, GatewayConnectionError),
)

_OVERFLOW_WORDS = (
    "context length",
    "context window",
    "too many tokens",
    "prompt is too long",
    "input is too long",
    "maximum context",
)


def _is_context_overflow(error: core.AssemblyAIGatewayError) -> bool:
    if not isinstance(error, core.BadRequestError):
        return False
    words = " ".join([error.message, *error.errors]).lower()
    return any(word in words for word in _OVERFLOW_WORDS)


def _dual_class(error: core.AssemblyAIGatewayError) -> type[Exception] | None:
    if _is_context_overflow(error):
        return GatewayContextOverflowError
    for core_class, dual in _DUAL_CLASSES:
        if isinstance(error, core_class):
            return dual
    return None


def convert_error(error: core.AssemblyAIGatewayError) -> Exception:
    """The LangChain-flavoured twin of a core error, with the same attributes.

    Errors that already are LangChain model errors, and core errors without a
    twin, come back unchanged.
    """
    dual = _dual_class(error)
    if dual is None or isinstance(error, dual):
        return error
    twin = dual.__new__(dual)
    Exception.__init__(twin, *error.args)
    twin.__dict__.update(error.__dict__)
    return twin


@contextmanager
def translate_errors() -> Iterator[None]:
    """Re-raise core errors raised inside the block as their LangChain twins."""
    try:
        yield
    except core.AssemblyAIGatewayError as error:
        twin = convert_error(error)
        if twin is error:
            raise
        raise twin from error
