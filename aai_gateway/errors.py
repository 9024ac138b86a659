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

# Every class of the error tree: `_exceptions.__all__` is the one list of them.
from aai_gateway._exceptions import *  # noqa: F403
from aai_gateway._exceptions import __all__ as __all__
