"""Request validation for `POST /v1/chat/completions` (spec sections 3, 3.12, 15.3).

Every check runs and every failure is collected, in the gateway's order: `model`
present, `messages`/`prompt` present, model in the region's catalogue, per-model
`supported_parameters`, field ranges and shapes, then each fallback's model. The
caller answers `400 invalid request body` with the list as `metadata.errors`.

Choices the spec leaves open, made here and documented in `docs/testing.md`:
`messages` together with `prompt` is rejected; `tool_choice: "required"` is
accepted; a parameter whose value is JSON `null` is treated as absent; non-text
content parts are rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aai_gateway.testing._catalog_data import ModelSpec

EXTENSION_FIELDS = frozenset(
    {
        "model",
        "messages",
        "prompt",
        "transcript_id",
        "fallbacks",
        "fallback_config",
        "post_processing_steps",
        "model_region",
        "reasoning",
        "stream_options",
        "cache_control",
        "prompt_cache_key",
        "prompt_cache_retention",
        "zero_data_retention",
    }
)
"""Gateway fields that are never gated by `supported_parameters`."""

ROLES = frozenset({"system", "user", "assistant", "tool"})
_FALLBACK_ONLY = frozenset({"fallbacks", "fallback_config"})


def validate_request(body: Any, models: Mapping[str, ModelSpec]) -> list[str]:
    """Every reason `body` is not a valid chat-completion request (empty if valid).

    Args:
        body: The parsed JSON body.
        models: The region's catalogue, by model id.
    """
    if not isinstance(body, dict):
        return ["request body must be a JSON object"]
    errors = _check_presence(body)
    model = models.get(body["model"]) if isinstance(body.get("model"), str) else None
    if isinstance(body.get("model"), str) and model is None:
        errors.append(f"model {body['model']} is not supported")
    if model is not None:
        errors += check_gating(body, model)
    errors += _check_ranges(body, model)
    errors += _check_messages(body.get("messages"))
    errors += _check_tools(body)
    errors += _check_fallbacks(body, models)
    return errors


def _check_presence(body: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    if "model" not in body:
        errors.append("model is required")
    elif not isinstance(body["model"], str) or not body["model"]:
        errors.append("model must be a non-empty string")
    has_messages = body.get("messages") is not None
    has_prompt = body.get("prompt") is not None
    if not has_messages and not has_prompt:
        errors.append("one of messages or prompt required")
    elif has_messages and has_prompt:
        errors.append("only one of messages or prompt may be set")
    if has_prompt and not isinstance(body["prompt"], str):
        errors.append("prompt must be a string")
    if body.get("transcript_id") is not None and not isinstance(
        body["transcript_id"], str
    ):
        errors.append("transcript_id must be a string")
    return errors


def check_gating(body: Mapping[str, Any], model: ModelSpec) -> list[str]:
    """`model X does not support P` for each parameter `model` does not list."""
    return [
        f"model {model.id} does not support {name}"
        for name, value in body.items()
        if name not in EXTENSION_FIELDS
        and value is not None
        and not model.supports(name)
    ]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_ranges(body: Mapping[str, Any], model: ModelSpec | None) -> list[str]:
    errors: list[str] = []
    max_tokens = body.get("max_tokens")
    if max_tokens is not None:
        if (
            not isinstance(max_tokens, int)
            or isinstance(max_tokens, bool)
            or max_tokens < 1
        ):
            errors.append("max_tokens must be an integer greater than or equal to 1")
        elif model is not None and max_tokens >= model.context_length:
            errors.append(f"max_tokens must be less than {model.context_length}")
    temperature = body.get("temperature")
    if temperature is not None and (
        not _is_number(temperature) or not 0 <= temperature <= 2
    ):
        errors.append("temperature must be between 0 and 2")
    if body.get("model_region") is not None and body["model_region"] != "global":
        errors.append("model_region can only be set to global")
    if body.get("response_format") is not None:
        errors += _check_response_format(body["response_format"])
    errors += _check_fallback_config(body.get("fallback_config"))
    errors += _check_post_processing(body.get("post_processing_steps"))
    if body.get("stream") is not None and not isinstance(body["stream"], bool):
        errors.append("stream must be a boolean")
    return errors


def _check_response_format(value: Any) -> list[str]:
    if not isinstance(value, dict) or value.get("type") != "json_schema":
        return ["response_format is invalid: type must be json_schema"]
    spec = value.get("json_schema")
    if not isinstance(spec, dict):
        return ["response_format is invalid: json_schema is required"]
    errors = []
    if not isinstance(spec.get("name"), str) or not spec["name"]:
        errors.append("response_format is invalid: json_schema.name is required")
    if not isinstance(spec.get("schema"), dict):
        errors.append("response_format is invalid: json_schema.schema is required")
    return errors


def _check_fallback_config(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return ["fallback_config must be an object"]
    errors = []
    depth = value.get("depth")
    if depth is not None:
        if not isinstance(depth, int) or isinstance(depth, bool):
            errors.append("fallback_config depth must be an integer")
        elif depth > 2:
            errors.append("fallback_config depth cannot be greater than 2")
        elif depth < 1:
            errors.append("fallback_config depth must be at least 1")
    if value.get("retry") is not None and not isinstance(value["retry"], bool):
        errors.append("fallback_config retry must be a boolean")
    return errors


def _check_post_processing(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        return ["post_processing_steps must be an array"]
    errors = []
    for i, step in enumerate(value):
        kind = step.get("type") if isinstance(step, dict) else step
        if kind != "json-repair":
            errors.append(f"post_processing_steps[{i}] type {kind} is not supported")
    return errors


def _check_messages(messages: Any) -> list[str]:
    if messages is None:
        return []
    if not isinstance(messages, list) or not messages:
        return ["messages must be a non-empty array"]
    errors: list[str] = []
    for i, message in enumerate(messages):
        errors += _check_message(i, message)
    return errors


def _check_message(i: int, message: Any) -> list[str]:
    if not isinstance(message, dict):
        return [f"messages[{i}] must be an object"]
    role = message.get("role")
    if role not in ROLES:
        return [f"messages[{i}] role {role} is not supported"]
    errors = _check_content(i, role, message.get("content"), message)
    if role == "tool" and not isinstance(message.get("tool_call_id"), str):
        errors.append(f"messages[{i}] with role tool requires tool_call_id")
    if role == "assistant" and message.get("tool_calls") is not None:
        errors += _check_tool_calls(i, message["tool_calls"])
    return errors


def _check_content(
    i: int, role: str, content: Any, message: Mapping[str, Any]
) -> list[str]:
    if isinstance(content, str):
        return []
    if content is None:
        if role == "assistant" and message.get("tool_calls"):
            return []
        return [f"messages[{i}] content is required"]
    if not isinstance(content, list):
        return [f"messages[{i}] content must be a string or an array of content parts"]
    errors = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind != "text":
            errors.append(f"content part type {kind} is not supported")
        elif not isinstance(part.get("text"), str):
            errors.append(f"messages[{i}] text content part requires text")
    return errors


def _check_tool_calls(i: int, tool_calls: Any) -> list[str]:
    if not isinstance(tool_calls, list):
        return [f"messages[{i}] tool_calls must be an array"]
    for call in tool_calls:
        function = call.get("function") if isinstance(call, dict) else None
        if (
            not isinstance(function, dict)
            or not isinstance(call.get("id"), str)
            or not isinstance(function.get("name"), str)
            or not isinstance(function.get("arguments"), str)
        ):
            return [
                f"messages[{i}] tool_calls entries need id and function{{name, arguments}}"
            ]
    return []


def tool_names(tools: Any) -> list[str]:
    """The function names declared in a (valid) `tools` array."""
    if not isinstance(tools, list):
        return []
    return [t["function"]["name"] for t in tools if _is_function_tool(t)]


def _is_function_tool(tool: Any) -> bool:
    if not isinstance(tool, dict) or tool.get("type") != "function":
        return False
    function = tool.get("function")
    return isinstance(function, dict) and isinstance(function.get("name"), str)


def _check_tools(body: Mapping[str, Any]) -> list[str]:
    tools = body.get("tools")
    errors = []
    if tools is not None:
        if not isinstance(tools, list):
            errors.append("tools must be an array")
        else:
            errors += [
                f"tools[{i}] is invalid: type must be function with function.name"
                for i, tool in enumerate(tools)
                if not _is_function_tool(tool)
            ]
    choice = body.get("tool_choice")
    if choice is None or choice in ("none", "auto", "required"):
        return errors
    name = choice.get("function", {}).get("name") if isinstance(choice, dict) else None
    if not isinstance(name, str):
        errors.append("tool_choice is invalid")
    elif name not in tool_names(tools):
        errors.append(f"tool_choice names unknown function {name}")
    return errors


def _check_fallbacks(
    body: Mapping[str, Any], models: Mapping[str, ModelSpec]
) -> list[str]:
    fallbacks = body.get("fallbacks")
    if fallbacks is None:
        return []
    if not isinstance(fallbacks, list):
        return ["fallbacks must be an array"]
    errors: list[str] = []
    for i, fallback in enumerate(fallbacks):
        if not isinstance(fallback, dict) or not isinstance(fallback.get("model"), str):
            errors.append(f"fallbacks[{i}] requires model")
            continue
        model = models.get(fallback["model"])
        if model is None:
            errors.append(f"model {fallback['model']} is not supported")
            continue
        merged = merge_fallback(body, fallback)
        errors += [e for e in check_gating(merged, model) if e not in errors]
    return errors


def merge_fallback(
    body: Mapping[str, Any], fallback: Mapping[str, Any]
) -> dict[str, Any]:
    """The request a fallback runs: the original with the fallback's overrides."""
    merged = {k: v for k, v in body.items() if k not in _FALLBACK_ONLY}
    if "messages" in fallback:
        merged.pop("prompt", None)
    if "prompt" in fallback:
        merged.pop("messages", None)
    merged.update({k: v for k, v in fallback.items() if k not in _FALLBACK_ONLY})
    return merged
