"""Every error the package raises; the tree is drawn in `aai_gateway._exceptions`.

The ones most code catches (`AssemblyAIGatewayError`, `APIError`,
`APIStatusError`, `APIConnectionError`, `APITimeoutError`, `RateLimitError`,
`AuthenticationError`, `StreamInterruptedError`) are also in `aai_gateway`.

Example:
    ```python
    from aai_gateway.errors import NotFoundError

    try:
        client.get_transcript("abc123")
    except NotFoundError as exc:
        print(exc.request_id)
    ```
"""

from __future__ import annotations

from aai_gateway._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APIStreamError,
    APITimeoutError,
    AssemblyAIGatewayError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    MissingAPIKeyError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    StreamInterruptedError,
    StreamTimeoutError,
    TranscriptNotFoundError,
    TranscriptNotReadyError,
    UnprocessableEntityError,
)

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
    "UnprocessableEntityError",
]
