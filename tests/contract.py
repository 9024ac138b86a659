"""The vendor's OpenAPI file as a contract for what the client sends and the emulator answers.

The file (March 2026) predates documented changes; those are patched in here, in one
place (`LATER_ADDITIONS`), each with the wire-notes section that records it. The file
stays in `../shared/reference/` and is never copied into the project. A fresh clone
has nothing beside it: then `check_*` check nothing, the tests that exist only to
check the contract are skipped at collection (`requires_vendor_files`), and the run's
header says why, once (`tests/conftest.py`).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

VENDOR_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference"
SPEC_PATH = VENDOR_DIR / "llm-gateway.openapi.yml"
REST_SPEC_PATH = VENDOR_DIR / "assemblyai-rest.openapi.yml"
VENDOR_FILES_PRESENT = SPEC_PATH.is_file() and REST_SPEC_PATH.is_file()
VENDOR_FILES_MISSING_REASON = (
    f"the vendor OpenAPI files are not in {VENDOR_DIR} (a clone with nothing beside "
    "it): contract checks are off"
)
requires_vendor_files = pytest.mark.skipif(
    not VENDOR_FILES_PRESENT, reason=VENDOR_FILES_MISSING_REASON
)
"""Mark a test (or `pytestmark` a module) that exists only to check the contract."""

_FALLBACK = {
    "type": "object",
    "required": ["model"],
    "properties": {"model": {"type": "string"}},
    "additionalProperties": True,
}

# Documented after the OpenAPI snapshot; gateway-spec.md sections in brackets.
LATER_ADDITIONS: dict[str, Any] = {
    # [3.1] gateway fields and the OpenAI passthroughs the client may send; the request
    # is then closed, so a field nobody documented (max_completion_tokens) fails.
    "request_properties": {
        # [3.1, UNCONFIRMED] OpenAI sampling passthroughs: sent only when the user sets
        # one, and refused before sending for a model whose catalogue entry lacks it.
        "top_p": {"type": "number", "minimum": 0, "maximum": 1},
        "seed": {"type": "integer"},
        "frequency_penalty": {"type": "number", "minimum": -2, "maximum": 2},
        "presence_penalty": {"type": "number", "minimum": -2, "maximum": 2},
        "transcript_id": {"type": "string"},
        "fallbacks": {
            "type": "array",
            "items": {"type": "object", "required": ["model"]},
        },
        "fallback_config": {
            "type": "object",
            "properties": {
                "retry": {"type": "boolean"},
                "depth": {"type": "integer", "minimum": 1, "maximum": 2},
            },
        },
        "post_processing_steps": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"type": {"enum": ["json-repair"]}},
                "required": ["type"],
            },
        },
        "model_region": {"enum": ["global"]},
        "reasoning": {"type": "object"},
        "stream_options": {
            "type": "object",
            "properties": {"include_usage": {"type": "boolean"}},
        },
        "stop": {"type": "array", "items": {"type": "string"}},
        "cache_control": {"type": "object"},
        "parallel_tool_calls": {"type": "boolean"},
        "prompt_cache_key": {"type": "string"},
        "prompt_cache_retention": {"type": "string"},
        "zero_data_retention": {"type": "boolean"},
    },
    # [3.2] assistant turns that called tools: content null plus tool_calls; `name` and
    # `cache_control` on every role, tool results included.
    "assistant_message": {
        "type": "object",
        "properties": {
            "role": {"enum": ["assistant"]},
            "content": {"type": ["string", "null"]},
            "name": {"type": "string"},
            "tool_calls": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/FunctionToolCall"},
            },
            "cache_control": {"type": "object"},
        },
        "required": ["role"],
    },
    # [3.5] "required" is not in the enum and unconfirmed: the client never sends it.
    "tool_choice_strings": ["none", "auto"],
    # [4.1] model, message.tool_calls, nullable content, choice index.
    "response_properties": {"model": {"type": "string"}},
    # [6.1] the flat envelope (June 2026) and the auth envelope beside the nested one.
    "error_envelopes": [
        {
            "type": "object",
            "required": ["code", "message", "request_id"],
            "properties": {
                "code": {"type": "integer"},
                "message": {"type": "string"},
                "request_id": {"type": "string"},
                "metadata": {
                    "type": "object",
                    "properties": {
                        "errors": {"type": "array", "items": {"type": "string"}}
                    },
                },
            },
        },
        {
            "type": "object",
            "required": ["error", "request_id"],
            "properties": {
                "error": {"type": "string"},
                "status": {"type": "string"},
                "request_id": {"type": "string"},
            },
        },
    ],
    # [5] the stream chunk: no schema in the file, OpenAI's chat.completion.chunk.
    "chunk": {
        "type": "object",
        "required": ["id", "object", "created", "model", "choices"],
        "properties": {
            "id": {"type": "string"},
            "object": {"const": "chat.completion.chunk"},
            "created": {"type": "integer"},
            "model": {"type": "string"},
            "choices": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["index", "delta"],
                    "properties": {
                        "index": {"type": "integer"},
                        "delta": {
                            "type": "object",
                            "properties": {
                                "role": {"enum": ["assistant"]},
                                "content": {"type": ["string", "null"]},
                                "tool_calls": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["index"],
                                        "properties": {
                                            "index": {"type": "integer"},
                                            "id": {"type": "string"},
                                            "type": {"enum": ["function"]},
                                            "function": {
                                                "type": "object",
                                                "properties": {
                                                    "name": {"type": "string"},
                                                    "arguments": {"type": "string"},
                                                },
                                            },
                                        },
                                    },
                                },
                            },
                        },
                        "finish_reason": {"type": ["string", "null"]},
                    },
                },
            },
            "usage": {
                "type": "object",
                "required": ["prompt_tokens", "completion_tokens", "total_tokens"],
                "properties": {
                    "prompt_tokens": {"type": "integer"},
                    "completion_tokens": {"type": "integer"},
                    "total_tokens": {"type": "integer"},
                },
            },
        },
    },
}


@cache
def _components() -> dict[str, Any]:
    import yaml

    spec = yaml.safe_load(SPEC_PATH.read_text())
    schemas = copy.deepcopy(spec["components"]["schemas"])
    _patch(schemas)
    return {"components": {"schemas": schemas}}


def _patch(schemas: dict[str, Any]) -> None:
    request = schemas["LLMGatewayRequest"]
    request["properties"].update(LATER_ADDITIONS["request_properties"])
    request["additionalProperties"] = False
    request["oneOf"] = [
        {"required": ["messages"], "not": {"required": ["prompt"]}},
        {"required": ["prompt"], "not": {"required": ["messages"]}},
    ]
    schemas["Message"] = {
        "oneOf": [
            {"$ref": "#/components/schemas/UserAssistantSystemMessage"},
            LATER_ADDITIONS["assistant_message"],
            {"$ref": "#/components/schemas/ToolMessage"},
        ]
    }
    plain = schemas["UserAssistantSystemMessage"]
    plain["properties"]["role"]["enum"] = ["user", "system"]
    plain["properties"]["cache_control"] = {"type": "object"}
    schemas["ToolMessage"]["properties"].update(
        {"name": {"type": "string"}, "cache_control": {"type": "object"}}
    )
    schemas["ToolChoice"]["oneOf"][0]["enum"] = LATER_ADDITIONS["tool_choice_strings"]
    schemas["Response"]["properties"].update(LATER_ADDITIONS["response_properties"])
    schemas["Response"]["required"] = ["request_id", "choices"]
    message = schemas["ResponseMessage"]["properties"]
    message["content"] = {"type": ["string", "null"]}
    message["tool_calls"] = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/FunctionToolCall"},
    }
    schemas["Choice"]["properties"]["index"] = {"type": "integer"}
    nested = {**copy.deepcopy(schemas["ErrorResponse"]), "required": ["error"]}
    schemas["ErrorResponse"] = {"anyOf": [nested, *LATER_ADDITIONS["error_envelopes"]]}
    schemas["StreamChunk"] = LATER_ADDITIONS["chunk"]


def _check(name: str, instance: Any) -> None:
    # Never `pytest.skip` here: these run inside HTTP handlers, where frameworks catch
    # what they raise (the missing-file case is decided once, at collection).
    if not VENDOR_FILES_PRESENT:
        return
    from jsonschema import Draft202012Validator

    schema = {**_components(), "$ref": f"#/components/schemas/{name}"}
    errors = sorted(
        Draft202012Validator(schema).iter_errors(instance), key=lambda e: list(e.path)
    )
    if errors:
        detail = "\n".join(f"- {list(e.path)}: {e.message}" for e in errors[:5])
        raise AssertionError(
            f"{name} breaks the gateway contract:\n{detail}\n{json.dumps(instance)[:800]}"
        )


def check_request(body: Any) -> None:
    """Assert a chat request body matches the contract."""
    _check("LLMGatewayRequest", body)


def check_response(body: Any) -> None:
    """Assert a 200 chat completion body matches the contract."""
    _check("Response", body)


def check_chunk(body: Any) -> None:
    """Assert one streamed chunk matches the contract."""
    _check("StreamChunk", body)


def check_error(body: Any) -> None:
    """Assert an error body is one of the documented envelopes."""
    _check("ErrorResponse", body)
