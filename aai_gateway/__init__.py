"""Framework-neutral client for AssemblyAI's LLM Gateway.

`GatewayClient` and `AsyncGatewayClient` talk to `POST /v1/chat/completions` (JSON
and SSE) and `GET /v1/models`, and to the transcript REST API, with retries,
typed errors and normalised responses. This namespace holds what a user of the
core needs; the rest is in named public modules:

- `aai_gateway.errors`: every error class;
- `aai_gateway.types`: every wire type;
- `aai_gateway.transcripts`: references, documents, the REST shapes, understanding;
- `aai_gateway.adapters`: what the LangChain and LlamaIndex adapters share;
- `aai_gateway.testing`: a local emulator of the gateway for offline tests.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

from aai_gateway._catalog import (
    ModelCapabilities,
    ModelInfo,
)
from aai_gateway._config import (
    API_KEY_ENV,
    TRANSCRIPT_TAG,
    Region,
)
from aai_gateway._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AssemblyAIGatewayError,
    AuthenticationError,
    RateLimitError,
    StreamInterruptedError,
)
from aai_gateway._http.client import (
    AsyncChatStream,
    AsyncGatewayClient,
    ChatStream,
    GatewayClient,
)
from aai_gateway._retry import RetryPolicy
from aai_gateway._transcripts._documents import TranscriptDocument
from aai_gateway._transcripts._references import transcript_ref
from aai_gateway._transcripts._rest_types import Transcript
from aai_gateway._types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    Message,
    RateLimit,
    ToolCall,
    ToolParam,
    Usage,
)
from aai_gateway._version import __version__

__all__ = [
    "API_KEY_ENV",
    "TRANSCRIPT_TAG",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AssemblyAIGatewayError",
    "AsyncChatStream",
    "AsyncGatewayClient",
    "AuthenticationError",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatRequest",
    "ChatStream",
    "GatewayClient",
    "Message",
    "ModelCapabilities",
    "ModelInfo",
    "RateLimit",
    "RateLimitError",
    "Region",
    "RetryPolicy",
    "StreamInterruptedError",
    "ToolCall",
    "ToolParam",
    "Transcript",
    "TranscriptDocument",
    "Usage",
    "__version__",
    "transcript_ref",
]

# Names this namespace exported before 0.2; they still resolve, with a warning
# naming their home, for one release (docs/migration.md).
_MOVED = {
    "APIResponseValidationError": "aai_gateway.errors",
    "APIStreamError": "aai_gateway.errors",
    "BadRequestError": "aai_gateway.errors",
    "CONTENT_MODES": "aai_gateway.transcripts",
    "ChunkAccumulator": "aai_gateway.adapters",
    "ConflictError": "aai_gateway.errors",
    "ContentMode": "aai_gateway.transcripts",
    "CustomFormatting": "aai_gateway.transcripts",
    "DEFAULT_MAX_TOKENS": "aai_gateway.adapters",
    "FinishReason": "aai_gateway.types",
    "InternalServerError": "aai_gateway.errors",
    "MissingAPIKeyError": "aai_gateway.errors",
    "NotFoundError": "aai_gateway.errors",
    "PermissionDeniedError": "aai_gateway.errors",
    "SpeakerIdentification": "aai_gateway.transcripts",
    "StreamTimeoutError": "aai_gateway.errors",
    "TagPlacement": "aai_gateway.transcripts",
    "ToolCallDelta": "aai_gateway.types",
    "TranscriptDocumentLoader": "aai_gateway.transcripts",
    "TranscriptListing": "aai_gateway.transcripts",
    "TranscriptLoaderOptions": "aai_gateway.transcripts",
    "TranscriptNotFoundError": "aai_gateway.errors",
    "TranscriptNotReadyError": "aai_gateway.errors",
    "TranscriptPage": "aai_gateway.transcripts",
    "TranscriptSegment": "aai_gateway.transcripts",
    "Translation": "aai_gateway.transcripts",
    "UnderstandingResult": "aai_gateway.transcripts",
    "UnprocessableEntityError": "aai_gateway.errors",
    "apply_tag_placement": "aai_gateway.adapters",
    "find_transcript_refs": "aai_gateway.adapters",
    "has_transcript_tag": "aai_gateway.transcripts",
    "known_capabilities": "aai_gateway.types",
    "parse_tool_arguments": "aai_gateway.types",
    "resolve_tool_choice": "aai_gateway.adapters",
    "resolve_transcript_refs": "aai_gateway.transcripts",
}


def __getattr__(name: str) -> Any:
    home = _MOVED.get(name)
    if home is None:
        msg = f"module 'aai_gateway' has no attribute {name!r}"
        raise AttributeError(msg)
    warnings.warn(
        f"`aai_gateway.{name}` moved to `{home}.{name}`; import it from there "
        "(the old name goes in the next release)",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(importlib.import_module(home), name)
