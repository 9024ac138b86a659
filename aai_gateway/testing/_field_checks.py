"""Type and range checks for the request fields whose meaning no rule changes.

Each check takes the field's name (or its path) and its JSON value and returns
the error messages (empty when the value is fine). Values are never trusted: the
checks accept any JSON value and never raise. Types follow the vendor schema
where it names the field, OpenAI's chat-completion types where it does not, and
spec sections 3.1, 3.7 to 3.11 and 13 for the gateway's own fields.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[str, Any], list[str]]
"""A field check: `(name, value) -> error messages`."""


def show(value: Any) -> str:
    """A short rendering of a JSON value for an error message."""
    if isinstance(value, str):
        return value if len(value) <= 60 else value[:57] + "..."
    if isinstance(value, list | dict):
        return "<array>" if isinstance(value, list) else "<object>"
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if is_int(value) and abs(value) < 10**18:
        return str(value)
    return "<number>"


def is_int(value: Any) -> bool:
    """Whether `value` is a JSON integer (not a boolean)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    if is_int(value):
        return True
    return isinstance(value, float) and math.isfinite(value)


def _between(low: float, high: float) -> Check:
    def check(name: str, value: Any) -> list[str]:
        if _is_number(value) and low <= value <= high:
            return []
        return [f"{name} must be between {low:g} and {high:g}"]

    return check


def _integer(name: str, value: Any) -> list[str]:
    return [] if is_int(value) else [f"{name} must be an integer"]


def check_positive_integer(name: str, value: Any) -> list[str]:
    """An integer of at least 1."""
    if is_int(value) and value >= 1:
        return []
    return [f"{name} must be an integer greater than or equal to 1"]


def _non_negative(name: str, value: Any) -> list[str]:
    if _is_number(value) and value >= 0:
        return []
    return [f"{name} must be a non-negative number"]


def _boolean(name: str, value: Any) -> list[str]:
    return [] if isinstance(value, bool) else [f"{name} must be a boolean"]


def check_string(name: str, value: Any) -> list[str]:
    """A string."""
    return [] if isinstance(value, str) else [f"{name} must be a string"]


def _stop(name: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return []
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        return []
    return [f"{name} must be a string or an array of strings"]


def _model_region(name: str, value: Any) -> list[str]:
    return [] if value == "global" else [f"{name} can only be set to global"]


def _stream_options(name: str, value: Any) -> list[str]:
    if not isinstance(value, dict):
        return [f"{name} must be an object"]
    if "include_usage" in value and not isinstance(value["include_usage"], bool):
        return [f"{name} include_usage must be a boolean"]
    return []


def _reasoning(name: str, value: Any) -> list[str]:
    if not isinstance(value, dict):
        return [f"{name} must be an object"]
    errors = []
    if "effort" in value and value["effort"] not in ("low", "medium", "high"):
        errors.append(f"{name} effort must be low, medium or high")
    if "max_tokens" in value:
        errors += check_positive_integer(f"{name} max_tokens", value["max_tokens"])
    return errors


def check_cache_control(name: str, value: Any) -> list[str]:
    """`{"type": "ephemeral", "ttl"?: "5m" | "1h"}` (spec 3.11)."""
    if not isinstance(value, dict) or value.get("type") != "ephemeral":
        return [f'{name} must be {{"type": "ephemeral"}}']
    if "ttl" in value and value["ttl"] not in ("5m", "1h"):
        return [f"{name} ttl must be 5m or 1h"]
    return []


def _fallback_config(name: str, value: Any) -> list[str]:
    if not isinstance(value, dict):
        return [f"{name} must be an object"]
    errors = []
    if "depth" in value:
        depth = value["depth"]
        if not is_int(depth):
            errors.append(f"{name} depth must be an integer")
        elif depth > 2:
            errors.append(f"{name} depth cannot be greater than 2")
        elif depth < 1:
            errors.append(f"{name} depth must be at least 1")
    if "retry" in value and not isinstance(value["retry"], bool):
        errors.append(f"{name} retry must be a boolean")
    return errors


def _post_processing(name: str, value: Any) -> list[str]:
    if not isinstance(value, list):
        return [f"{name} must be an array"]
    errors = []
    for i, step in enumerate(value):
        kind = step.get("type") if isinstance(step, dict) else step
        if kind != "json-repair":
            errors.append(f"{name}[{i}] type {show(kind)} is not supported")
    return errors


FIELD_CHECKS: Mapping[str, Check] = {
    "prompt": check_string,
    "transcript_id": check_string,
    "temperature": _between(0, 2),
    "model_region": _model_region,
    "fallback_config": _fallback_config,
    "post_processing_steps": _post_processing,
    "stream": _boolean,
    "stream_options": _stream_options,
    "top_p": _between(0, 1),
    "frequency_penalty": _between(-2, 2),
    "presence_penalty": _between(-2, 2),
    "stop": _stop,
    "seed": _integer,
    "n": check_positive_integer,
    "parallel_tool_calls": _boolean,
    "logprobs": _boolean,
    "user": check_string,
    "reasoning": _reasoning,
    "cache_control": check_cache_control,
    "prompt_cache_key": check_string,
    "prompt_cache_retention": check_string,
    "zero_data_retention": _boolean,
    "fail_fast": _boolean,
    "max_timeout": _non_negative,
}
"""Type and range checks for the fields whose meaning does not depend on a rule."""
