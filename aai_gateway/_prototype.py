"""Copies of a validated pydantic model, made without validating again.

Both adapters build framework objects (LangChain's `AIMessageChunk`, LlamaIndex's
`ChatMessage` and `ChatResponse`) for every streamed token, and pydantic's
validation of them was most of an adapter's CPU per token. A text-only token's
objects differ from one built once by the real constructor only in fields that
need no validation (a `str` the core already checked), so they are copies of
that prototype with fresh containers. Each adapter's tests compare the copies
with constructor-built objects field by field.

Pydantic is the frameworks' dependency, not ours: this module only touches the
attributes every pydantic v2 model has, and imports nothing from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

__all__ = ["Prototype"]

Model = TypeVar("Model")

_new = object.__new__
_set = object.__setattr__


class Prototype(Generic[Model]):
    """Cheap copies of `model`, a pydantic model built by its own constructor.

    Args:
        model: The prototype. Its `dict` and `list` fields are copied (shallowly)
            into every clone, so no clone shares a container with another.
    """

    def __init__(self, model: Model) -> None:
        self._model = model
        self._type = type(model)
        self._containers = tuple(
            key
            for key, value in model.__dict__.items()
            if isinstance(value, dict | list)
        )

    def copy(self, changes: Mapping[str, Any]) -> Model:
        """A clone with `changes` set: values the constructor would keep as they are."""
        model: Any = self._model
        state = model.__dict__.copy()
        for key in self._containers:
            state[key] = state[key].copy()
        state.update(changes)
        clone: Any = _new(self._type)
        _set(clone, "__dict__", state)
        _set(clone, "__pydantic_fields_set__", set(model.__pydantic_fields_set__))
        _set(clone, "__pydantic_extra__", _copied(model.__pydantic_extra__))
        _set(clone, "__pydantic_private__", _copied(model.__pydantic_private__))
        result: Model = clone
        return result


def _copied(value: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else value.copy()
