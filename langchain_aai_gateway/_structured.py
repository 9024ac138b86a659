"""Structured output for `ChatAssemblyAI`: the request side and the parsers.

Two gateway mechanisms carry a schema: a forced tool call (`function_calling`, the
default, taken by every model with tools) and `response_format` with a JSON schema
(`json_schema`; not every model takes it, the capability table says which). The
gateway has no JSON mode, so `json_mode` is served with the schema as
`response_format` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter
from typing import Any, Literal

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage
from langchain_core.output_parsers import (
    JsonOutputKeyToolsParser,
    JsonOutputParser,
    PydanticOutputParser,
    PydanticToolsParser,
)
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass

__all__ = [
    "JSON_REPAIR",
    "StructuredMethod",
    "structured_parser",
    "to_gateway_response_format",
    "with_raw",
]

StructuredMethod = Literal["function_calling", "json_schema", "json_mode"]

JSON_REPAIR: dict[str, str] = {"type": "json-repair"}
"""The gateway's post-processing step that repairs broken JSON server-side."""


def _is_pydantic_class(schema: object) -> bool:
    return isinstance(schema, type) and is_basemodel_subclass(schema)


def to_gateway_response_format(
    schema: Mapping[str, Any] | type, strict: bool | None = None
) -> dict[str, Any]:
    """A `response_format` for `schema`; a ready `{"type": ...}` dict passes through.

    Pydantic classes, TypedDicts, JSON schemas and OpenAI tool dicts are accepted.
    """
    if isinstance(schema, Mapping) and "type" in schema and "json_schema" in schema:
        return dict(schema)
    function = convert_to_openai_tool(schema, strict=strict)["function"]
    parameters = dict(function["parameters"])
    if function.get("description"):
        # The vendor's JsonSchemaConfig has no `description` (name, schema, strict):
        # the schema's own `description` carries it to the model instead.
        parameters.setdefault("description", function["description"])
    json_schema: dict[str, Any] = {"name": function["name"], "schema": parameters}
    if strict is not None:
        json_schema["strict"] = strict
    return {"type": "json_schema", "json_schema": json_schema}


def tool_name(schema: Mapping[str, Any] | type) -> str:
    """The name the schema's tool is bound under."""
    return str(convert_to_openai_tool(schema)["function"]["name"])


def structured_parser(
    schema: Mapping[str, Any] | type, method: StructuredMethod
) -> Runnable[AIMessage, Any]:
    """The parser that turns the model's message into the schema's type.

    Both kinds stream: each yielded value is a valid partial object.
    """
    pydantic = _is_pydantic_class(schema)
    if method == "function_calling":
        if pydantic:
            return PydanticToolsParser(tools=[schema], first_tool_only=True)  # type: ignore[list-item]
        return JsonOutputKeyToolsParser(
            key_name=tool_name(schema), first_tool_only=True
        )
    if pydantic:
        return PydanticOutputParser(pydantic_object=schema)  # type: ignore[arg-type]
    return JsonOutputParser()


def with_raw(
    llm: Runnable[LanguageModelInput, Any], parser: Runnable[Any, Any]
) -> Runnable[LanguageModelInput, dict[str, Any]]:
    """`{"raw", "parsed", "parsing_error"}` output, as LangChain's own models give."""
    parser_assign = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    parser_none = RunnablePassthrough.assign(parsed=lambda _: None)
    parser_with_fallback = parser_assign.with_fallbacks(
        [parser_none], exception_key="parsing_error"
    )
    return RunnableMap(raw=llm) | parser_with_fallback
