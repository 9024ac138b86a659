"""The bad-input matrix: every row is refused before a request is sent.

Each row runs through both adapters, sync and async, streamed and not, with the
emulator listening: the call must raise `ValueError`/`TypeError` with a message
naming the argument, and the emulator must have received nothing. The core's own
unit checks are in `tests/core/test_validation.py`; these rows prove the adapters
reach them (and add their own) before any I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.reliability.conftest import ADAPTERS, Runner

TAGGED = "Summarize: {{ transcript }}"
SCHEMA_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "answer", "schema": {"type": "object"}},
}


def _lc_parts(part: dict[str, Any]) -> Callable[[], Any]:
    def build() -> Any:
        from langchain_core.messages import HumanMessage

        return [HumanMessage(content=[{"type": "text", "text": "Look:"}, part])]

    return build


def _li_block(kind: str) -> Callable[[], Any]:
    def build() -> Any:
        from llama_index.core.base.llms.types import (
            AudioBlock,
            ChatMessage,
            DocumentBlock,
            ImageBlock,
            TextBlock,
        )

        block: Any = {
            "image": lambda: ImageBlock(url="https://example.com/chart.png"),
            "audio": lambda: AudioBlock(audio=b"RIFF0000", format="wav"),
            "pdf": lambda: DocumentBlock(
                data=b"%PDF-1.4", document_mimetype="application/pdf"
            ),
        }[kind]()
        return [ChatMessage(role="user", blocks=[TextBlock(text="Look:"), block])]

    return build


def _lc_unknown_role() -> Any:
    from langchain_core.messages import ChatMessage

    return [ChatMessage(role="critic", content="Is this right?")]


def _li_unknown_role() -> Any:
    from llama_index.core.base.llms.types import ChatMessage, TextBlock

    # LlamaIndex's own model refuses the role, so build past its validation.
    return [
        ChatMessage.model_construct(
            role="critic",
            blocks=[TextBlock(text="Is this right?")],
            additional_kwargs={},
        )
    ]


@dataclass(frozen=True)
class Row:
    """One bad input: what to send, and what the error must name."""

    name: str
    names: tuple[str, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    prompt: dict[str, Callable[[], Any]] | None = None
    error: type[Exception] = ValueError
    names_by_adapter: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def messages(self, adapter: str) -> Any:
        if self.prompt is None:
            return "What did we decide?"
        return self.prompt[adapter]()


def _empty() -> list[Any]:
    return []


ROWS = [
    Row(
        "empty-message-list",
        ("`messages`", "non-empty"),
        prompt={"langchain": _empty, "llama_index": _empty},
    ),
    Row(
        "image-part",
        ("messages[0]", "image"),
        prompt={
            "langchain": _lc_parts(
                {"type": "image_url", "image_url": {"url": "https://e.com/a.png"}}
            ),
            "llama_index": _li_block("image"),
        },
    ),
    Row(
        "audio-part",
        ("messages[0]", "audio"),
        prompt={
            "langchain": _lc_parts(
                {"type": "audio", "base64": "UklGRg==", "mime_type": "audio/wav"}
            ),
            "llama_index": _li_block("audio"),
        },
    ),
    Row(
        "pdf-part",
        ("messages[0]",),
        prompt={
            "langchain": _lc_parts(
                {"type": "file", "base64": "JVBERi0=", "mime_type": "application/pdf"}
            ),
            "llama_index": _li_block("pdf"),
        },
        names_by_adapter={"langchain": ("'file'",), "llama_index": ("'document'",)},
    ),
    Row(
        "unknown-role",
        ("critic",),
        prompt={"langchain": _lc_unknown_role, "llama_index": _li_unknown_role},
    ),
    Row("prompt-and-messages", ("`messages`", "`prompt`"), kwargs={"prompt": "Hi"}),
    Row(
        "temperature-above-2", ("`temperature`", "0 to 2"), kwargs={"temperature": 2.5}
    ),
    Row("temperature-below-0", ("`temperature`",), kwargs={"temperature": -0.1}),
    Row("max-tokens-0", ("`max_tokens`", "at least 1"), kwargs={"max_tokens": 0}),
    Row(
        "transcript-id-not-a-string",
        ("`transcript_id`",),
        kwargs={"transcript_id": 1234},
        prompt={"langchain": lambda: TAGGED, "llama_index": lambda: TAGGED},
        error=TypeError,
    ),
    Row(
        "transcript-id-without-the-tag",
        ("`transcript_id`", "{{ transcript }}"),
        kwargs={"transcript_id": "5551722-f677-48a6-9287-39c0aafd9ac1"},
    ),
    Row(
        "transcript-id-with-a-near-miss-tag",
        ("`transcript_id`", "{{ transcript }}", "{transcript}"),
        kwargs={"transcript_id": "5551722-f677-48a6-9287-39c0aafd9ac1"},
        prompt={
            "langchain": lambda: "Summarize: {transcript}",
            "llama_index": lambda: "Summarize: {transcript}",
        },
    ),
    Row(
        "fallback-depth-3",
        ("`fallback_config.depth`", "1 or 2"),
        kwargs={"fallback_config": {"depth": 3}},
    ),
    Row(
        "model-region-eu", ("`model_region`", "'global'"), kwargs={"model_region": "eu"}
    ),
    Row("nan-top-p", ("`top_p`", "nan", "JSON"), kwargs={"top_p": float("nan")}),
    Row(
        "infinite-seed-in-an-extra-field",
        ("`seed`", "inf"),
        kwargs={"seed": float("inf")},
    ),
    Row(
        "lone-surrogate-in-content",
        ("`messages[0].content`", "lone surrogate"),
        prompt={"langchain": lambda: "Hi \ud800", "llama_index": lambda: "Hi \ud800"},
    ),
    Row(
        "parameter-the-model-excludes",
        ("`response_format`", "'gpt-4.1'"),
        fields={"model": "gpt-4.1"},
        kwargs={"response_format": SCHEMA_FORMAT},
    ),
]

COMBOS = [
    (adapter, mode, streamed)
    for adapter in ADAPTERS
    for mode in ("sync", "async")
    for streamed in (False, True)
]
IDS = [f"{a}-{m}-{'stream' if s else 'json'}" for a, m, s in COMBOS]


@pytest.fixture(params=COMBOS, ids=IDS)
def runner(request: pytest.FixtureRequest, make_runner: Any) -> Runner:
    return make_runner(*request.param)  # type: ignore[no-any-return]


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_bad_input_is_refused_before_sending(
    runner: Runner, emulator: Any, row: Row
) -> None:
    model = runner.model(**row.fields)
    outcome = runner.run(model, row.messages(runner.adapter), **row.kwargs)
    assert outcome.error is not None, f"{row.name} was accepted: {outcome.text!r}"
    assert isinstance(outcome.error, row.error), repr(outcome.error)
    message = str(outcome.error)
    for name in row.names + row.names_by_adapter.get(runner.adapter, ()):
        assert name in message, f"{name!r} not named in: {message}"
    assert emulator.requests == []
    assert outcome.busy_after == 0


@pytest.mark.parametrize(
    ("adapter", "fields", "named"),
    [
        ("langchain", {"max_retries": -1}, "max_retries"),
        ("langchain", {"timeout": 0}, "timeout"),
        (
            "langchain",
            {"transcript_tag_placement": "anywhere"},
            "transcript_tag_placement",
        ),
        ("llama_index", {"temperature": 3.0}, "temperature"),
        ("llama_index", {"max_tokens": 0}, "max_tokens"),
        ("llama_index", {"max_retries": -1}, "max_retries"),
        ("llama_index", {"timeout": 0}, "timeout"),
        (
            "llama_index",
            {"transcript_tag_placement": "anywhere"},
            "transcript_tag_placement",
        ),
    ],
)
def test_bad_settings_are_refused_at_construction_or_first_call(
    make_runner: Any, emulator: Any, adapter: str, fields: dict[str, Any], named: str
) -> None:
    runner = make_runner(adapter, "sync", False)
    with pytest.raises((ValueError, TypeError), match=named):
        _construct_and_call(runner, fields)
    assert emulator.requests == []


def _construct_and_call(runner: Runner, fields: dict[str, Any]) -> None:
    outcome = runner.run(runner.model(**fields), "What did we decide?")
    if outcome.error is not None:
        raise outcome.error
