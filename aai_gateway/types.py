"""The wire types: request shapes (`TypedDict`s) and parsed answers (frozen).

Requests are plain dicts checked by type (`ChatRequest`, `Message`,
`ToolParam`, ...); answers are frozen dataclasses with a `raw` mapping for keys
the package does not model (`ChatCompletion`, `ChatCompletionChunk`, `Usage`,
...). The model catalogue's entries are `ModelInfo` and `ModelCapabilities`
(`known_capabilities(model)` reads the bundled table).

Example:
    ```python
    from aai_gateway.types import ChatRequest

    request: ChatRequest = {
        "model": "claude-sonnet-4-6",
        "messages": [{"role": "user", "content": "Hello"}],
    }
    ```
"""

from __future__ import annotations

from aai_gateway._catalog import ModelCapabilities, ModelInfo, known_capabilities
from aai_gateway._types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    FallbackConfig,
    FinishReason,
    FunctionCallParam,
    FunctionDefinition,
    Message,
    NamedToolChoice,
    RateLimit,
    Role,
    TextPart,
    ToolCall,
    ToolCallDelta,
    ToolCallParam,
    ToolChoice,
    ToolParam,
    Usage,
    parse_tool_arguments,
)

__all__ = [
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatRequest",
    "FallbackConfig",
    "FinishReason",
    "FunctionCallParam",
    "FunctionDefinition",
    "Message",
    "ModelCapabilities",
    "ModelInfo",
    "NamedToolChoice",
    "RateLimit",
    "Role",
    "TextPart",
    "ToolCall",
    "ToolCallDelta",
    "ToolCallParam",
    "ToolChoice",
    "ToolParam",
    "Usage",
    "known_capabilities",
    "parse_tool_arguments",
]
