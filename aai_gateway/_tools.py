"""The tool rules every client shares: `tool_choice`, and tools without parameters.

The gateway documents `tool_choice` as `"none"`, `"auto"` or one named function
(gateway-spec.md section 3.5); OpenAI's `"required"` is not in its enum and is
[UNCONFIRMED], so it is never sent. `resolve_tool_choice` is the one mapping from
what callers write (LangChain's `"any"`/`True`, LlamaIndex's `tool_required`,
OpenAI's `"required"`, a tool's name) onto those documented forms; the core client
and both adapters apply it, so a choice is read the same way everywhere.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from aai_gateway._types import NamedToolChoice, ToolChoice

__all__ = [
    "bound_tool_names",
    "check_tool_choice",
    "complete_tool_parameters",
    "resolve_tool_choice",
]

# Values that ask for "some tool, the model picks which".
_FORCE_ANY = ("any", "required")
_VALID = (
    "'auto', 'none', 'any', 'required', True, the name of a bound tool, or "
    "{'type': 'function', 'function': {'name': ...}}"
)


def _named(name: str) -> NamedToolChoice:
    return {"type": "function", "function": {"name": name}}


def _invalid(choice: object, tool_names: Sequence[str], why: str = "") -> ValueError:
    bound = f"; the bound tools are {list(tool_names)}" if tool_names else ""
    return ValueError(f"`tool_choice` must be {_VALID}{bound}, got {choice!r}{why}")


def _mapping_name(choice: Mapping[str, Any]) -> object:
    """The tool a dict names: OpenAI's `{"function": {"name"}}` or a bare `{"name"}`."""
    function = choice.get("function")
    if isinstance(function, Mapping):
        return function.get("name")
    if choice.get("type", "function") in ("function", "tool"):
        return choice.get("name")
    return None


def _force_one_of(choice: object, tool_names: Sequence[str]) -> ToolChoice:
    if len(tool_names) == 1:
        return _named(tool_names[0])
    if not tool_names:
        why = " (it forces a tool call, but no tools are bound)"
        raise _invalid(choice, tool_names, why)
    return "auto"


def _resolve(choice: object, tool_names: Sequence[str]) -> ToolChoice | None:
    """`resolve_tool_choice` without the warning."""
    if choice is None or choice is False:
        return None
    if choice in ("auto", "none"):
        return "auto" if choice == "auto" else "none"
    if choice is True or (isinstance(choice, str) and choice in _FORCE_ANY):
        return _force_one_of(choice, tool_names)
    name = _mapping_name(choice) if isinstance(choice, Mapping) else choice
    if not isinstance(name, str) or not name:
        raise _invalid(choice, tool_names)
    if name not in tool_names:
        raise _invalid(choice, tool_names, f" ({name!r} is not a bound tool)")
    return _named(name)


def resolve_tool_choice(choice: object, tool_names: Sequence[str]) -> ToolChoice | None:
    """The documented wire `tool_choice` for `choice`, with `tool_names` bound.

    - `None` or `False`: nothing is sent (`None`).
    - `"auto"` and `"none"`: sent as they are.
    - A bound tool's name, or a dict naming one (`{"type": "function",
      "function": {"name": ...}}`, or `{"name": ...}`): that function by name.
    - `"any"`, `"required"` or `True`: the tool by name when exactly one is bound.
      With several, nothing documented forces "one of these", so `"auto"` is sent
      and a `UserWarning` says so (pass a tool's name to force that tool).

    Example:
        ```python
        resolve_tool_choice("any", ["get_weather"])
        # {"type": "function", "function": {"name": "get_weather"}}
        ```

    Raises:
        ValueError: an unknown value, a name that is not bound, or a forced call
            with no tools; the message lists the valid values.
    """
    resolved = _resolve(choice, tool_names)
    if resolved == "auto" and choice != "auto":
        warnings.warn(
            f"`tool_choice={choice!r}` with {len(tool_names)} tools: the AssemblyAI "
            "LLM Gateway documents no way to force a call to one of several tools "
            "(only 'none', 'auto' or one named function), so 'auto' is sent and the "
            "model may answer without calling a tool. To force a call, pass one "
            f"tool's name as `tool_choice` (e.g. {tool_names[0]!r})",
            UserWarning,
            stacklevel=2,
        )
    return resolved


def check_tool_choice(choice: object, tool_names: Sequence[str]) -> None:
    """Raise the `ValueError` `resolve_tool_choice` would, without warning."""
    _resolve(choice, tool_names)


def complete_tool_parameters(tools: object) -> object:
    """`tools` with an empty-object schema where a function has no `parameters`.

    The gateway requires `parameters` (vendor `FunctionDescription`), and some
    providers refuse a schema without `"type": "object"` and `properties`, so a
    missing or empty schema becomes `{"type": "object", "properties": {}}`.
    Anything that is not a well-formed tool is returned as it is, for validation
    to name. Not mutated.
    """
    if not isinstance(tools, list):
        return tools
    return [_complete_tool(tool) for tool in tools]


def _complete_tool(tool: object) -> object:
    function = tool.get("function") if isinstance(tool, Mapping) else None
    if not isinstance(tool, Mapping) or not isinstance(function, Mapping):
        return tool
    parameters = function.get("parameters")
    if parameters is None or (isinstance(parameters, Mapping) and not parameters):
        filled: object = {"type": "object", "properties": {}}
    elif (
        isinstance(parameters, Mapping)
        and parameters.get("type") == "object"
        and "properties" not in parameters
    ):
        filled = {**parameters, "properties": {}}
    else:
        return tool
    return {**tool, "function": {**function, "parameters": filled}}


def bound_tool_names(tools: object) -> list[str]:
    """The names of the well-formed function tools in a request's `tools`."""
    names: list[str] = []
    for tool in tools if isinstance(tools, list) else []:
        function = tool.get("function") if isinstance(tool, Mapping) else None
        name = function.get("name") if isinstance(function, Mapping) else None
        if isinstance(name, str):
            names.append(name)
    return names
