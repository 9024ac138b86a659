"""Request validation for `POST /v1/chat/completions` (spec sections 3, 3.12, 15.3).

Every check runs and every failure is collected, in the gateway's order: `model`
present, `messages`/`prompt` present, model in the region's catalogue, per-model
`supported_parameters`, field types and ranges, messages, tools, then each
fallback (its model, its gating, then its overrides, typed like the top-level
fields). The caller answers `400 invalid request body` with the list as
`metadata.errors`.

The checks follow the vendor schema (`LLMGatewayRequest` and its sub-schemas)
where it is explicit, and OpenAI's types for the parameters it leaves out. Forms
no source settles are named rules in `_unconfirmed`; the checks ask the resolved
`Profile` how to read each one. `validate_request` never raises, whatever JSON
value it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aai_gateway.testing._catalog_data import ModelSpec
from aai_gateway.testing._field_checks import (
    FIELD_CHECKS,
    check_cache_control,
    check_string,
    is_int,
    show,
)
from aai_gateway.testing._injection import TRANSCRIPT_TAG
from aai_gateway.testing._unconfirmed import STRICT, Profile, not_documented

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
        "fail_fast",
        "max_timeout",
    }
)
"""Gateway fields that are never gated by `supported_parameters` (spec 3.12, 13)."""

ROLES = ("system", "user", "assistant", "tool")
_FALLBACK_ONLY = frozenset({"fallbacks", "fallback_config"})
_MESSAGE_OPTIONAL = ("name", "thinking", "cache_control", "tool_calls", "tool_call_id")
_TOOL_CHOICE_HELP = (
    'tool_choice is invalid: use "none", "auto" or '
    '{"type": "function", "function": {"name": ...}}'
)


def validate_request(
    body: Any, models: Mapping[str, ModelSpec], profile: Profile = STRICT
) -> list[str]:
    """Every reason `body` is not a valid chat-completion request (empty if valid).

    Args:
        body: The parsed JSON body (any JSON value).
        models: The region's catalogue, by model id.
        profile: How to read the unconfirmed forms (default: all strict).
    """
    if not isinstance(body, dict):
        return ["request body must be a JSON object"]
    model_id = body.get("model")
    model = models.get(model_id) if isinstance(model_id, str) else None
    errors = _check_presence(body, profile)
    if isinstance(model_id, str) and model_id and model is None:
        errors.append(f"model {model_id} is not supported")
    if model is not None:
        errors += check_gating(body, model, profile)
    errors += _check_body(body, model, profile)
    errors += _check_fallbacks(body, models, profile, errors)
    return errors


def _check_presence(body: Mapping[str, Any], profile: Profile) -> list[str]:
    errors: list[str] = []
    if "model" not in body:
        errors.append("model is required")
    elif not isinstance(body["model"], str) or not body["model"]:
        errors.append("model must be a non-empty string")
    has_messages = body.get("messages") is not None
    has_prompt = body.get("prompt") is not None
    if not has_messages and not has_prompt:
        errors.append("one of messages or prompt required")
    elif has_messages and has_prompt and not profile.lenient("prompt_with_messages"):
        errors.append(
            not_documented("prompt_with_messages", "sending both messages and prompt")
        )
    return errors


def _check_body(
    body: Mapping[str, Any], model: ModelSpec | None, profile: Profile
) -> list[str]:
    """The checks on field values, whichever model runs the request."""
    errors = _check_nulls(body, profile)
    errors += _check_fields(body, model, profile)
    errors += _check_messages(body.get("messages"), profile)
    errors += _check_tools(body, profile)
    errors += _check_transcript_tag(body, profile)
    return errors


# -- gating (spec 3.12) ------------------------------------------------------------


def check_gating(
    body: Mapping[str, Any], model: ModelSpec, profile: Profile = STRICT
) -> list[str]:
    """`model X does not support P` for each parameter `model` does not list."""
    errors = []
    for name, value in body.items():
        gated = _gated_name(name, value, profile)
        if gated is None or model.supports(gated):
            continue
        message = f"model {model.id} does not support {gated}"
        if gated == "parallel_tool_calls" and model.creator == "anthropic":
            rule = "parallel_tool_calls_on_claude"
            if profile.lenient(rule):
                continue
            message += "; " + not_documented(rule, "parallel_tool_calls on Claude")
        errors.append(message)
    return errors


def _gated_name(name: str, value: Any, profile: Profile) -> str | None:
    """The parameter a field counts as for gating, or `None` when it is not gated."""
    if name in EXTENSION_FIELDS or value is None:
        return None
    if name == "stream" and value is False:
        # The released SDK (1.8.2) sends `stream: false` on every call (spec 13).
        return None
    if name == "max_completion_tokens":
        return "max_tokens" if profile.lenient("max_completion_tokens") else None
    return name


def _check_nulls(body: Mapping[str, Any], profile: Profile) -> list[str]:
    if profile.lenient("null_values"):
        return []
    return [
        not_documented("null_values", f"{name}: null")
        for name, value in body.items()
        if value is None and name != "model"
    ]


def _check_fields(
    body: Mapping[str, Any], model: ModelSpec | None, profile: Profile
) -> list[str]:
    errors = _check_max_tokens(body, model, profile)
    for name, check in FIELD_CHECKS.items():
        if body.get(name) is not None:
            errors += check(name, body[name])
    if body.get("response_format") is not None:
        errors += _check_response_format(body["response_format"], profile)
    return errors


def _check_max_tokens(
    body: Mapping[str, Any], model: ModelSpec | None, profile: Profile
) -> list[str]:
    errors = []
    names = ["max_tokens"]
    if body.get("max_completion_tokens") is not None:
        rule = "max_completion_tokens"
        if not profile.lenient(rule):
            errors.append(not_documented(rule, "max_completion_tokens"))
        elif body.get("max_tokens") is not None:
            errors.append("send only one of max_tokens and max_completion_tokens")
        else:
            names = [rule]
    for name in names:
        value = body.get(name)
        if value is None:
            continue
        if not is_int(value) or value < 1:
            errors.append(f"{name} must be an integer greater than or equal to 1")
        elif model is not None and value >= model.context_length:
            errors.append(f"{name} must be less than {model.context_length}")
    return errors


def _check_response_format(value: Any, profile: Profile) -> list[str]:
    if not isinstance(value, dict):
        return ["response_format is invalid: it must be an object"]
    kind = value.get("type")
    if kind == "json_object":
        rule = "response_format_json_object"
        if profile.lenient(rule):
            return []
        return [not_documented(rule, "response_format type json_object")]
    if kind != "json_schema":
        return ["response_format is invalid: type must be json_schema"]
    spec = value.get("json_schema")
    if not isinstance(spec, dict):
        return ["response_format is invalid: json_schema is required"]
    errors = []
    if not isinstance(spec.get("name"), str) or not spec["name"]:
        errors.append("response_format is invalid: json_schema.name is required")
    if not isinstance(spec.get("schema"), dict):
        errors.append("response_format is invalid: json_schema.schema is required")
    if "strict" in spec and not isinstance(spec["strict"], bool):
        errors.append(
            "response_format is invalid: json_schema.strict must be a boolean"
        )
    return errors


# -- messages (spec 3.2) -------------------------------------------------------------


def _check_messages(messages: Any, profile: Profile) -> list[str]:
    if messages is None:
        return []
    if not isinstance(messages, list) or not messages:
        return ["messages must be a non-empty array"]
    errors: list[str] = []
    for i, message in enumerate(messages):
        errors += _check_message(f"messages[{i}]", message, profile)
    return errors


def _check_message(where: str, message: Any, profile: Profile) -> list[str]:
    if not isinstance(message, dict):
        return [f"{where} must be an object"]
    role = message.get("role")
    if role == "developer":
        if not profile.lenient("developer_role"):
            return [not_documented("developer_role", f"{where} role developer")]
        role = "system"
    if not isinstance(role, str) or role not in ROLES:
        return [f"{where} role {show(role)} is not supported"]
    errors = _check_message_fields(where, message, profile)
    if role == "tool":
        errors += _check_tool_message(where, message)
    else:
        errors += _check_content(where, role, message, profile)
    if role == "assistant" and message.get("tool_calls") is not None:
        errors += _check_tool_calls(where, message["tool_calls"])
    return errors


def _check_message_fields(
    where: str, message: Mapping[str, Any], profile: Profile
) -> list[str]:
    """The optional fields every role may carry: `null` rule, then types."""
    errors = []
    for key in _MESSAGE_OPTIONAL:
        if (
            key in message
            and message[key] is None
            and not profile.lenient("null_values")
        ):
            errors.append(not_documented("null_values", f"{where} {key}: null"))
    for key in ("name", "thinking"):
        if message.get(key) is not None:
            errors += check_string(f"{where} {key}", message[key])
    if message.get("cache_control") is not None:
        errors += check_cache_control(
            f"{where} cache_control", message["cache_control"]
        )
    return errors


def _check_tool_message(where: str, message: Mapping[str, Any]) -> list[str]:
    errors = []
    content = message.get("content")
    if content is None:
        errors.append(f"{where} content is required")
    elif not isinstance(content, str):
        errors.append(f"{where} content of a tool message must be a string")
    if not isinstance(message.get("tool_call_id"), str):
        errors.append(f"{where} with role tool requires tool_call_id")
    return errors


def _check_content(
    where: str, role: str, message: Mapping[str, Any], profile: Profile
) -> list[str]:
    content = message.get("content")
    if isinstance(content, str):
        return []
    if content is None:
        if role == "assistant" and message.get("tool_calls"):
            return []
        return [f"{where} content is required"]
    if not isinstance(content, list):
        return [f"{where} content must be a string or an array of content parts"]
    errors = []
    for j, part in enumerate(content):
        errors += _check_part(f"{where} content[{j}]", part, profile)
    return errors


def _check_part(where: str, part: Any, profile: Profile) -> list[str]:
    if not isinstance(part, dict):
        return [f"{where} must be a content part object"]
    kind = part.get("type")
    if kind == "image_url":
        if profile.lenient("image_url_parts"):
            return []
        return [not_documented("image_url_parts", f"{where} type image_url")]
    if kind != "text":
        return [f"{where} type {show(kind)} is not supported"]
    if not isinstance(part.get("text"), str):
        return [f"{where} text part requires text"]
    return []


def _check_tool_calls(where: str, tool_calls: Any) -> list[str]:
    if not isinstance(tool_calls, list):
        return [f"{where} tool_calls must be an array"]
    if all(_is_tool_call(call) for call in tool_calls):
        return []
    return [f"{where} tool_calls entries need id and function{{name, arguments}}"]


def _is_tool_call(call: Any) -> bool:
    if not isinstance(call, dict) or call.get("type", "function") != "function":
        return False
    function = call.get("function")
    return (
        isinstance(function, dict)
        and isinstance(call.get("id"), str)
        and isinstance(function.get("name"), str)
        and isinstance(function.get("arguments"), str)
    )


def _check_transcript_tag(body: Mapping[str, Any], profile: Profile) -> list[str]:
    """The tag forms whose substitution is unconfirmed (spec 3.4)."""
    if not isinstance(body.get("transcript_id"), str):
        return []
    errors = []
    prompt = body.get("prompt")
    rule = "transcript_tag_in_prompt"
    in_prompt = isinstance(prompt, str) and TRANSCRIPT_TAG in prompt
    if in_prompt and not profile.lenient(rule):
        errors.append(not_documented(rule, f"the {TRANSCRIPT_TAG} tag in prompt"))
    rule = "transcript_tag_in_content_parts"
    if _first_tag_is_in_a_part(body.get("messages")) and not profile.lenient(rule):
        what = f"the {TRANSCRIPT_TAG} tag in a content part"
        errors.append(not_documented(rule, what))
    return errors


def _first_tag_is_in_a_part(messages: Any) -> bool:
    """Whether the first message holding the tag holds it in a content part."""
    for message in messages if isinstance(messages, list) else []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str) and TRANSCRIPT_TAG in content:
            return False
        if isinstance(content, list) and any(
            isinstance(part, dict)
            and isinstance(part.get("text"), str)
            and TRANSCRIPT_TAG in part["text"]
            for part in content
        ):
            return True
    return False


# -- tools (spec 3.5) ----------------------------------------------------------------


def tool_names(tools: Any) -> list[str]:
    """The function names declared in a `tools` array (invalid entries skipped)."""
    if not isinstance(tools, list):
        return []
    names = []
    for tool in tools:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.append(function["name"])
    return names


def _check_tools(body: Mapping[str, Any], profile: Profile) -> list[str]:
    tools = body.get("tools")
    errors = []
    if tools is not None and not isinstance(tools, list):
        errors.append("tools must be an array")
    elif tools is not None:
        for i, tool in enumerate(tools):
            errors += _check_tool(f"tools[{i}]", tool)
    choice = body.get("tool_choice")
    if choice is not None:
        errors += _check_tool_choice(choice, tools, profile)
    return errors


def _check_tool(where: str, tool: Any) -> list[str]:
    if not isinstance(tool, dict) or tool.get("type") != "function":
        return [f"{where} is invalid: type must be function"]
    function = tool.get("function")
    if not isinstance(function, dict):
        return [f"{where} is invalid: function is required"]
    errors = []
    if not isinstance(function.get("name"), str) or not function["name"]:
        errors.append(f"{where} is invalid: function.name is required")
    if not isinstance(function.get("parameters"), dict):
        errors.append(
            f"{where} is invalid: function.parameters (a JSON Schema object) is required"
        )
    if "description" in function and not isinstance(function["description"], str):
        errors.append(f"{where} is invalid: function.description must be a string")
    return errors


def _check_tool_choice(choice: Any, tools: Any, profile: Profile) -> list[str]:
    if choice in ("none", "auto"):
        return []
    if choice == "required":
        rule = "tool_choice_required"
        return (
            []
            if profile.lenient(rule)
            else [not_documented(rule, 'tool_choice "required"')]
        )
    name = _named_choice(choice)
    if name is None:
        return [_TOOL_CHOICE_HELP]
    if name not in tool_names(tools):
        return [f"tool_choice names unknown function {name}"]
    return []


def _named_choice(choice: Any) -> str | None:
    """The function a `{"type": "function", ...}` choice names, else `None`."""
    if not isinstance(choice, dict) or choice.get("type") != "function":
        return None
    function = choice.get("function")
    name = function.get("name") if isinstance(function, dict) else None
    return name if isinstance(name, str) else None


# -- fallbacks (spec 3.7) ------------------------------------------------------------


def _check_fallbacks(
    body: Mapping[str, Any],
    models: Mapping[str, ModelSpec],
    profile: Profile,
    reported: list[str],
) -> list[str]:
    fallbacks = body.get("fallbacks")
    if fallbacks is None:
        return []
    if not isinstance(fallbacks, list):
        return ["fallbacks must be an array"]
    errors: list[str] = []
    for i, fallback in enumerate(fallbacks):
        errors += _check_fallback(i, body, fallback, models, profile, reported + errors)
    return errors


def _check_fallback(
    i: int,
    body: Mapping[str, Any],
    fallback: Any,
    models: Mapping[str, ModelSpec],
    profile: Profile,
    reported: list[str],
) -> list[str]:
    """A fallback's model, its gating, then its overrides (new errors only)."""
    if not isinstance(fallback, dict) or not isinstance(fallback.get("model"), str):
        return [f"fallbacks[{i}] requires model"]
    model = models.get(fallback["model"])
    if model is None:
        return [f"model {fallback['model']} is not supported"]
    merged = merge_fallback(body, fallback)
    gating = [e for e in check_gating(merged, model, profile) if e not in reported]
    checks = _check_presence(merged, profile) + _check_body(merged, model, profile)
    return gating + [f"fallbacks[{i}]: {e}" for e in checks if e not in reported]


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
