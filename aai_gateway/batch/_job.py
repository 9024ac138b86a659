"""What a batch asks of each transcript: a prompt (and schema), as one request template.

The request is built and checked once, before anything is sent: the prompt gets
the exact `{{ transcript }}` tag (added in front of it when it has none, as the
client's `tag_placement="auto"` does; a near miss such as `{{transcript}}` is an
error), the schema becomes a `response_format`. Each item then only sets
`transcript_id`, so the transcript travels by reference and its text never
reaches this process.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aai_gateway.adapters import apply_tag_placement
from aai_gateway.types import ChatCompletion, known_capabilities

# A syntactically valid id, so the tag rules run on the template before any item.
_SAMPLE_ID = "00000000-0000-4000-8000-000000000000"
_RESERVED = frozenset({"model", "messages", "prompt", "transcript_id", "stream"})


@dataclass(frozen=True)
class AnswerSchema:
    """A structured-output schema: its name, JSON schema and how answers are read.

    Attributes:
        name: `json_schema.name` (the class name, or the schema's `title`).
        json_schema: The JSON schema sent.
        parse: Turns the answer's JSON text into the record's `answer`.
    """

    name: str
    json_schema: Mapping[str, Any]
    parse: Callable[[str], Any] = field(repr=False)

    def response_format(self) -> dict[str, Any]:
        """The request's `response_format`."""
        return {
            "type": "json_schema",
            "json_schema": {"name": self.name, "schema": dict(self.json_schema)},
        }


def build_schema(schema: object) -> AnswerSchema:
    """An `AnswerSchema` from a Pydantic class or a JSON schema (a mapping).

    A Pydantic class validates each answer and the record holds its JSON dump; a
    JSON schema is sent as given and the record holds the parsed JSON.

    Raises:
        TypeError: `schema` is neither.
    """
    if isinstance(schema, type) and hasattr(schema, "model_json_schema"):
        model: Any = schema

        def parse_model(text: str) -> Any:
            return model.model_validate_json(text).model_dump(mode="json")

        return AnswerSchema(schema.__name__, model.model_json_schema(), parse_model)
    if isinstance(schema, Mapping) and schema:
        title = schema.get("title")
        name = title if isinstance(title, str) and title.isidentifier() else "answer"
        return AnswerSchema(name, dict(schema), json.loads)
    msg = (
        "`schema` must be a Pydantic model class or a JSON schema (a non-empty "
        f"mapping), got {schema!r}"
    )
    raise TypeError(msg)


@dataclass(frozen=True)
class PromptJob:
    """One prompt (or schema) for every transcript, as a request template.

    Attributes:
        model: The gateway model; also the key the pacing is kept under.
        template: The request without `transcript_id`.
        schema: How answers are read (`None`: the text is the answer).
    """

    model: str
    template: Mapping[str, Any]
    schema: AnswerSchema | None = None

    def request(self, transcript_id: str) -> dict[str, Any]:
        """The request for one transcript."""
        return {**self.template, "transcript_id": transcript_id}

    def answer(self, completion: ChatCompletion) -> Any:
        """The record's `answer`: the text, or the parsed object with a schema.

        Raises:
            ValueError: the answer does not parse, or does not fit the schema.
        """
        if self.schema is None:
            return completion.content
        return self.schema.parse(completion.content or "")


def build_prompt_job(
    model: str,
    prompt: str,
    *,
    schema: object = None,
    fallbacks: Sequence[Mapping[str, Any]] | None = None,
    request_options: Mapping[str, Any] | None = None,
) -> PromptJob:
    """Check the arguments and build the request template.

    Raises:
        ValueError: an empty model or prompt, a tag near miss in the prompt, a
            malformed fallback, or a request option the batch sets itself.
        TypeError: a `schema` that is neither a Pydantic class nor a JSON schema.
    """
    if not isinstance(model, str) or not model.strip():
        msg = f"`model` must be a model id such as 'claude-sonnet-4-6', got {model!r}"
        raise ValueError(msg)
    if not isinstance(prompt, str) or not prompt.strip():
        msg = f"`prompt` must be a non-empty string, got {prompt!r}"
        raise ValueError(msg)
    options = dict(request_options or {})
    reserved = sorted(_RESERVED.intersection(options))
    if reserved:
        msg = f"`request_options` may not set {reserved}: the batch sets them"
        raise ValueError(msg)
    template: dict[str, Any] = {
        **options,
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
    }
    if fallbacks:
        template["fallbacks"] = _check_fallbacks(fallbacks)
    answer_schema = None if schema is None else build_schema(schema)
    if answer_schema is not None:
        _check_structured_output(template)
        template["response_format"] = answer_schema.response_format()
    placed = dict(
        apply_tag_placement({**template, "transcript_id": _SAMPLE_ID}, "auto")
    )
    del placed["transcript_id"]
    return PromptJob(model, placed, answer_schema)


def _check_structured_output(template: Mapping[str, Any]) -> None:
    """Refuse a schema for a model known not to take `response_format` (a 400 per item)."""
    models = [template["model"], *(f["model"] for f in template.get("fallbacks", ()))]
    for model in models:
        capabilities = known_capabilities(model)
        if capabilities is not None and not capabilities.supports("response_format"):
            msg = (
                f"`schema`: model {model!r} does not take `response_format` "
                "(structured output); pick another model"
            )
            raise ValueError(msg)


def _check_fallbacks(fallbacks: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    checked = []
    for position, fallback in enumerate(fallbacks):
        if not isinstance(fallback, Mapping) or not isinstance(
            fallback.get("model"), str
        ):
            msg = (
                f"`fallbacks[{position}]` must be a mapping with a `model` "
                f"(the gateway's FallbackObject), got {fallback!r}"
            )
            raise ValueError(msg)
        checked.append(dict(fallback))
    return checked
