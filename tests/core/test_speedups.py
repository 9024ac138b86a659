"""The speed tricks (`aai_gateway._speedups`) give what the plain public way gives.

The adapters' own tests compare prototype copies of their framework objects with
constructor-built ones (`tests/langchain/test_convert.py`,
`tests/llama_index/test_convert.py`); these check each trick on its own, so a
library upgrade that breaks what a trick relies on fails here.
"""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from pydantic import BaseModel, ConfigDict, PrivateAttr

from aai_gateway import ChatCompletionChunk
from aai_gateway._speedups import LazyCookies, Prototype, use_lazy_cookies


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


@pytest.mark.parametrize(
    "kind", [httpx.Client, httpx.AsyncClient], ids=["sync", "async"]
)
def test_lazy_cookies_replace_the_jar_and_keep_its_cookies(
    kind: type[httpx.Client] | type[httpx.AsyncClient],
) -> None:
    # If httpx stops keeping its jar in `_cookies`, the trick silently does nothing:
    # this fails instead, so the pinned httpx range gets looked at.
    client = use_lazy_cookies(kind(cookies={"lb": "blue"}))
    assert isinstance(client.cookies, LazyCookies)
    assert dict(client.cookies) == {"lb": "blue"}


def test_set_fields_gives_a_chunk_every_declared_field_and_keeps_it_frozen() -> None:
    chunk = ChatCompletionChunk("hi", raw={"id": "x"})
    declared = [f.name for f in dataclasses.fields(ChatCompletionChunk)]
    assert list(vars(chunk)) == declared
    assert chunk == ChatCompletionChunk(content="hi")
    assert dataclasses.replace(chunk, content="yo").content == "yo"
    with pytest.raises(dataclasses.FrozenInstanceError):
        chunk.content = "changed"  # type: ignore[misc]
