"""Make a value that fits a JSON schema, using hints from the user's text.

The scripted model fills tool arguments and structured outputs with this.
Integers and numbers take the numbers found in the user's text, in order (then
from the start again; 3 when there are none); strings take the quoted strings
found there (else the property's name); booleans are `true`; arrays hold
`minItems` (at least one) items; objects fill their `required` properties (all
of them when none are required); `enum` takes its first value; `anyOf`/`oneOf`
their first non-null branch; `$ref` is resolved against the root schema.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])")
_QUOTED = re.compile(r"\"([^\"]+)\"|(?<![\w])'([^']+)'(?![\w])")
_FORMATS = {
    "date": "2026-01-01",
    "date-time": "2026-01-01T00:00:00Z",
    "time": "00:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
}
_MAX_DEPTH = 8


class _Hints:
    """Numbers and quoted strings from the user's text, handed out in order."""

    def __init__(self, text: str) -> None:
        self._numbers = _NUMBER.findall(text)
        self._strings = [a or b for a, b in _QUOTED.findall(text)]
        self._next_number = 0
        self._next_string = 0

    def number(self) -> str | None:
        if not self._numbers:
            return None
        value = self._numbers[self._next_number % len(self._numbers)]
        self._next_number += 1
        return str(value)

    def string(self) -> str | None:
        if self._next_string >= len(self._strings):
            return None
        self._next_string += 1
        return str(self._strings[self._next_string - 1])


def generate_value(schema: Mapping[str, Any], text: str, name: str = "value") -> Any:
    """A value that satisfies `schema` (as far as the rules above go).

    Args:
        schema: A JSON schema (an object's `parameters`, or a `json_schema.schema`).
        text: The user's text, searched for numbers and quoted strings.
        name: The property name used when a string has no better value.
    """
    return _Generator(schema, _Hints(text)).value(schema, name, 0)


class _Generator:
    def __init__(self, root: Mapping[str, Any], hints: _Hints) -> None:
        self._root = root
        self._hints = hints

    def value(self, schema: Any, name: str, depth: int) -> Any:
        schema = self._resolve(schema)
        if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
            return name
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][0]
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list):
                return self.value(_first_non_null(schema[key]), name, depth + 1)
        if isinstance(schema.get("allOf"), list):
            return self.value(
                _merge_all_of(schema["allOf"], self._resolve), name, depth + 1
            )
        return self._typed(schema, _schema_type(schema), name, depth)

    def _typed(
        self, schema: Mapping[str, Any], kind: str, name: str, depth: int
    ) -> Any:
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            count = max(1, int(schema.get("minItems", 1)))
            return [
                self.value(schema.get("items", {}), name, depth + 1)
                for _ in range(count)
            ]
        if kind in ("integer", "number"):
            return _number(schema, kind, self._hints.number())
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        if isinstance(schema.get("format"), str) and schema["format"] in _FORMATS:
            return _FORMATS[schema["format"]]
        return self._hints.string() or name

    def _object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        properties = schema.get("properties")
        if not isinstance(properties, Mapping):
            return {}
        required = schema.get("required")
        names = (
            [n for n in required if n in properties] if required else list(properties)
        )
        return {n: self.value(properties[n], n, depth + 1) for n in names}

    def _resolve(self, schema: Any) -> Any:
        for _ in range(_MAX_DEPTH):
            if not isinstance(schema, Mapping) or not isinstance(
                schema.get("$ref"), str
            ):
                return schema
            schema = _follow_pointer(self._root, schema["$ref"])
        return schema


def _follow_pointer(root: Mapping[str, Any], ref: str) -> Any:
    node: Any = root
    for part in ref.removeprefix("#").strip("/").split("/"):
        if not part:
            continue
        key = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or key not in node:
            return {}
        node = node[key]
    return node


def _schema_type(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def _first_non_null(options: list[Any]) -> Any:
    for option in options:
        if not (isinstance(option, Mapping) and option.get("type") == "null"):
            return option
    return options[0] if options else {}


def _merge_all_of(parts: list[Any], resolve: Any) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in map(resolve, parts):
        if not isinstance(part, Mapping):
            continue
        properties = {**merged.get("properties", {}), **part.get("properties", {})}
        required = [*merged.get("required", []), *part.get("required", [])]
        merged = {**merged, **part, "properties": properties, "required": required}
    return merged


def _number(schema: Mapping[str, Any], kind: str, hint: str | None) -> int | float:
    value: int | float = float(hint) if hint is not None else 3
    if kind == "integer" or (isinstance(value, float) and value.is_integer()):
        value = int(value)
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, int | float) and value < low:
        value = low
    if isinstance(high, int | float) and value > high:
        value = high
    return value
