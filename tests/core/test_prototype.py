"""Prototype copies of pydantic models: the object the constructor would build."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, PrivateAttr

from aai_gateway._prototype import Prototype


class Piece(BaseModel):
    model_config = ConfigDict(extra="allow")

    text: str = ""
    tags: list[str] = []
    meta: dict[str, int] = {}
    _seen: int = PrivateAttr(default=0)


def test_a_copy_equals_a_constructed_model_field_for_field() -> None:
    proto = Prototype(Piece(text="", tags=["a"], note="x"))
    clone = proto.copy({"text": "hello"})
    built = Piece(text="hello", tags=["a"], note="x")
    assert clone == built
    assert list(clone.__dict__) == list(built.__dict__)
    assert clone.model_fields_set == built.model_fields_set
    assert clone.__pydantic_extra__ == built.__pydantic_extra__
    assert clone.__pydantic_private__ == built.__pydantic_private__
    assert clone.model_dump_json() == built.model_dump_json()


def test_copies_share_no_container_with_each_other_or_the_prototype() -> None:
    proto = Prototype(Piece(tags=["a"], note="x"))
    first, second = proto.copy({}), proto.copy({})
    first.tags.append("b")
    first.meta["n"] = 1
    first.model_fields_set.add("meta")
    first.__pydantic_extra__["note"] = "changed"  # type: ignore[index]
    first._seen = 5
    assert (second.tags, second.meta, second.note) == (["a"], {}, "x")
    assert second.model_fields_set == {"tags", "note"}
    assert second._seen == 0
    assert proto.copy({}) == Piece(tags=["a"], note="x")
