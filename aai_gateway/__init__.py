"""Framework-neutral client for AssemblyAI's LLM Gateway.

`GatewayClient` and `AsyncGatewayClient` talk to `POST /v1/chat/completions` (JSON
and SSE), `GET /v1/models`, with retries, typed errors and normalised responses.
`aai_gateway.testing` holds a local emulator of the gateway for offline tests.
"""

from __future__ import annotations

__version__ = "0.1.0"

from aai_gateway._catalog import ModelCapabilities, ModelInfo, known_capabilities
from aai_gateway._client import (
    AsyncChatStream,
    AsyncGatewayClient,
    ChatStream,
    GatewayClient,
)
from aai_gateway._config import API_KEY_ENV, DEFAULT_MAX_TOKENS, TRANSCRIPT_TAG, Region
from aai_gateway._documents import (
    CONTENT_MODES,
    ContentMode,
    TranscriptDocument,
    TranscriptDocumentLoader,
    TranscriptLoaderOptions,
)
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
from aai_gateway._retry import RetryPolicy
from aai_gateway._streaming import ChunkAccumulator
from aai_gateway._tools import resolve_tool_choice
from aai_gateway._transcript_api import (
    Transcript,
    TranscriptListing,
    TranscriptPage,
    TranscriptSegment,
)
from aai_gateway._transcripts import (
    TagPlacement,
    apply_tag_placement,
    find_transcript_refs,
    has_transcript_tag,
    resolve_transcript_refs,
    transcript_ref,
)
from aai_gateway._types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    FinishReason,
    Message,
    RateLimit,
    ToolCall,
    ToolCallDelta,
    ToolParam,
    Usage,
    parse_tool_arguments,
)
from aai_gateway._understanding import (
    CustomFormatting,
    SpeakerIdentification,
    Translation,
    UnderstandingResult,
)

__all__ = [
    "API_KEY_ENV",
    "CONTENT_MODES",
    "DEFAULT_MAX_TOKENS",
    "TRANSCRIPT_TAG",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APIStreamError",
    "APITimeoutError",
    "AssemblyAIGatewayError",
    "AsyncChatStream",
    "AsyncGatewayClient",
    "AuthenticationError",
    "BadRequestError",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatRequest",
    "ChatStream",
    "ChunkAccumulator",
    "ConflictError",
    "ContentMode",
    "CustomFormatting",
    "FinishReason",
    "GatewayClient",
    "InternalServerError",
    "Message",
    "MissingAPIKeyError",
    "ModelCapabilities",
    "ModelInfo",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "Region",
    "RetryPolicy",
    "SpeakerIdentification",
    "StreamInterruptedError",
    "StreamTimeoutError",
    "TagPlacement",
    "ToolCall",
    "ToolCallDelta",
    "ToolParam",
    "Transcript",
    "TranscriptDocument",
    "TranscriptDocumentLoader",
    "TranscriptListing",
    "TranscriptLoaderOptions",
    "TranscriptNotFoundError",
    "TranscriptNotReadyError",
    "TranscriptPage",
    "TranscriptSegment",
    "Translation",
    "UnderstandingResult",
    "UnprocessableEntityError",
    "Usage",
    "__version__",
    "apply_tag_placement",
    "find_transcript_refs",
    "has_transcript_tag",
    "known_capabilities",
    "parse_tool_arguments",
    "resolve_tool_choice",
    "resolve_transcript_refs",
    "transcript_ref",
]
