"""The one `tool_choice` rule and the empty-object parameters schema (pure)."""

from __future__ import annotations

import copy
import warnings
from typing import Any

import pytest

import aai_gateway
import aai_gateway.adapters
from aai_gateway._tools import complete_tool_parameters
from aai_gateway.adapters import resolve_tool_choice

ONE = ["get_weather"]
TWO = ["get_weather", "get_time"]
NAMED = {"type": "function", "function": {"name": "get_weather"}}


def test_exported_from_the_core() -> None:
    assert "resolve_tool_choice" in aai_gateway.adapters.__all__
    assert aai_gateway.adapters.resolve_tool_choice is resolve_tool_choice


@pytest.mark.parametrize(
    ("choice", "names", "expected"),
    [
        (None, TWO, None),
        (False, TWO, None),
        ("auto", TWO, "auto"),
        ("none", TWO, "none"),
        ("auto", [], "auto"),
        ("get_weather", TWO, NAMED),
        (NAMED, TWO, NAMED),
        ({"name": "get_weather"}, TWO, NAMED),
        ({"type": "tool", "name": "get_weather"}, TWO, NAMED),
        ("any", ONE, NAMED),
        ("required", ONE, NAMED),
        (True, ONE, NAMED),
    ],
)
def test_documented_values(choice: object, names: list[str], expected: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_tool_choice(choice, names) == expected


@pytest.mark.parametrize("choice", ["any", "required", True])
def test_forcing_one_of_several_sends_auto_and_warns(choice: object) -> None:
    with pytest.warns(UserWarning, match="pass one tool's name") as caught:
        assert resolve_tool_choice(choice, TWO) == "auto"
    assert len(caught) == 1
    assert "'get_weather'" in str(caught[0].message)


@pytest.mark.parametrize(
    ("choice", "names", "detail"),
    [
        ("get_date", TWO, "'get_date' is not a bound tool"),
        ({"type": "function", "function": {"name": "x"}}, TWO, "not a bound tool"),
        ("any", [], "no tools are bound"),
        ("get_weather", [], "not a bound tool"),
        (3, TWO, "got 3"),
        ({"type": "auto"}, TWO, "got {'type': 'auto'}"),
        ({"type": "function", "function": {}}, TWO, "got"),
        ("", TWO, "got ''"),
    ],
)
def test_unknown_values_name_tool_choice_and_the_valid_ones(
    choice: object, names: list[str], detail: str
) -> None:
    with pytest.raises(ValueError, match="`tool_choice` must be") as info:
        resolve_tool_choice(choice, names)
    assert "'auto', 'none', 'any', 'required', True" in str(info.value)
    assert detail in str(info.value)


def test_input_is_not_mutated() -> None:
    choice: dict[str, Any] = {"type": "function", "function": {"name": "get_weather"}}
    before = copy.deepcopy(choice)
    result = resolve_tool_choice(choice, TWO)
    assert choice == before
    assert result is not choice


EMPTY = {"type": "object", "properties": {}}


def _tool(**function: Any) -> dict[str, Any]:
    return {"type": "function", "function": {"name": "f", **function}}


@pytest.mark.parametrize(
    ("tool", "parameters"),
    [
        (_tool(), EMPTY),
        (_tool(parameters=None), EMPTY),
        (_tool(parameters={}), EMPTY),
        (_tool(parameters={"type": "object"}), EMPTY),
        (
            _tool(parameters={"type": "object", "required": []}),
            {"type": "object", "required": [], "properties": {}},
        ),
    ],
)
def test_a_tool_without_parameters_gets_the_empty_object_schema(
    tool: dict[str, Any], parameters: dict[str, Any]
) -> None:
    before = copy.deepcopy(tool)
    result: Any = complete_tool_parameters([tool])
    [done] = result
    assert done["function"]["parameters"] == parameters
    assert tool == before


def test_complete_schemas_and_malformed_tools_are_left_alone() -> None:
    full = _tool(parameters={"type": "object", "properties": {"x": {}}})
    odd: list[Any] = [full, {"type": "function"}, "f", _tool(parameters="x")]
    assert complete_tool_parameters(odd) == odd
    assert complete_tool_parameters("not a list") == "not a list"
    result: Any = complete_tool_parameters([full])
    assert result[0] is full
