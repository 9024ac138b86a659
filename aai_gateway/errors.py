"""Every error the package raises, in one tree.

```
AssemblyAIGatewayError
├── MissingAPIKeyError               no key passed and none in the environment
├── TranscriptNotReadyError          a transcript that is not completed yet (also a ValueError)
│   └── TranscriptionError           transcribing audio ended in `error`
├── TranscriptionTimeoutError        audio still transcribing at the deadline (also a TimeoutError)
└── APIError                         message, request, body, request_id
    ├── APIConnectionError           no usable response: DNS, refused, reset
    │   ├── APITimeoutError          connect, read or pool timeout
    │   └── StreamInterruptedError   a stream broke or ended early after events
    │       └── StreamTimeoutError   ... by stalling (also an APITimeoutError)
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
    └── APIResponseValidationError   a 2xx answer that is not the JSON or SSE expected
```

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

# Every class of the error tree: `_exceptions.__all__` is the one list of them.
from aai_gateway._exceptions import *  # noqa: F403
from aai_gateway._exceptions import __all__ as __all__
