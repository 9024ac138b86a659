"""`aai_gateway.tokens`: an offline estimate, exact against tiktoken's own encodings.

tiktoken's reference encodings are built here from llama-index-core's bundled
cache (the folder tiktoken reads when `TIKTOKEN_CACHE_DIR` points at it), so the
comparison needs no network either; sockets are blocked in tests.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest
import tiktoken
import tiktoken.load
import tiktoken_ext.openai_public as openai_public

from aai_gateway.tokens import (
    REPLY_TOKENS,
    TOKENS_PER_MESSAGE,
    TOKENS_PER_NAME,
    Tokenizer,
    count_message_tokens,
    count_tokens,
    encoding_name,
)

LLAMA_CACHE = (
    Path(__import__("llama_index.core").core.__file__).parent
    / "_static"
    / "tiktoken_cache"
)
SOURCES = ["llama-index-core", "bpe-openai"]
TEXTS = [
    "Summarize the meeting: who decided what, and when?",
    "Ünïcödé, 日本語のテキスト, emoji 😀 and numbers 1234567.",
    "def f(x):\n    return x ** 2  # code\n\n\n  trailing spaces   ",
    "<|endoftext|> is counted as plain text, <|endofprompt|> too.",
    "",
]
# Every model id the bundled catalogue lists (`aai_gateway._catalog`), by encoding.
OPENAI_MODELS = ["gpt-5", "gpt-5.6-sol", "gpt-4.1", "gpt-oss-120b", "gpt-6-astra"]
OTHER_MODELS = [
    "claude-sonnet-4-6",
    "claude-opus-5-5",
    "gemini-3.7-flash",
    "qwen3-32B",
    "qwen3.5-4b-32k-fast",
    "kimi-k2.5",
    "gemma-4-31b",
    "some-future-model",
]


@pytest.fixture(scope="module")
def reference() -> dict[str, tiktoken.Encoding]:
    """tiktoken's own encodings, from llama-index-core's cache (offline)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIKTOKEN_CACHE_DIR", str(LLAMA_CACHE))
        return {
            name: tiktoken.Encoding(**getattr(openai_public, name)())
            for name in ("o200k_base", "cl100k_base")
        }


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`TIKTOKEN_CACHE_DIR` pointed at an empty folder: tiktoken would download."""
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(
    ("model", "name"), [("gpt-5", "o200k_base"), ("claude-sonnet-4-6", "cl100k_base")]
)
def test_token_ids_are_tiktokens_from_either_bundled_source(
    reference: dict[str, tiktoken.Encoding], source: Any, model: str, name: str
) -> None:
    tokenizer = Tokenizer(model, source=source)
    assert tokenizer.encoding == name
    for text in TEXTS:
        expected = reference[name].encode(text, disallowed_special=())
        assert tokenizer(text) == expected, text
        assert tokenizer.count(text) == len(expected)


@pytest.mark.parametrize("source", SOURCES)
def test_nothing_is_downloaded_even_with_an_empty_tiktoken_cache(
    empty_cache: Path, monkeypatch: pytest.MonkeyPatch, source: Any
) -> None:
    def download(url: str) -> bytes:
        raise AssertionError(f"a download was attempted: {url}")

    # tiktoken fetches what its cache lacks through `read_file`; here it would.
    monkeypatch.setattr(tiktoken.load, "read_file", download)
    with pytest.raises(AssertionError, match="a download was attempted"):
        openai_public.cl100k_base()
    # The estimate reads its bundled copy instead, and writes nothing there.
    claude = Tokenizer("claude-haiku-4-5-20251001", source=source)
    assert claude("Hello world") == [9906, 1917]
    assert Tokenizer("gpt-5-mini", source=source)("Hello world") == [13225, 2375]
    assert list(empty_cache.iterdir()) == []


@pytest.mark.parametrize("model", OPENAI_MODELS)
def test_openai_models_use_o200k_base(model: str) -> None:
    assert encoding_name(model) == "o200k_base"


@pytest.mark.parametrize("model", OTHER_MODELS)
def test_the_other_models_use_cl100k_base(model: str) -> None:
    assert encoding_name(model) == "cl100k_base"
    assert count_tokens("A short sentence.", model) == 4


def test_a_message_costs_the_chat_framing() -> None:
    # OpenAI reports 8 prompt tokens for one user message "Hi" on its o200k models.
    assert count_message_tokens([{"role": "user", "content": "Hi"}], "gpt-5") == 8
    assert TOKENS_PER_MESSAGE + REPLY_TOKENS == 6


def test_every_part_of_a_request_is_counted() -> None:
    tokens = Tokenizer("claude-sonnet-4-6")
    tool = {
        "type": "function",
        "function": {
            "name": "lookup",
            "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
        },
    }
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "lookup", "arguments": '{"q": "x"}'},
    }
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [{"type": "text", "text": "Find x."}],
            "name": "ana",
        },
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "found"},
    ]
    pieces = [
        "system", "Be brief.",
        "user", "Find x.", "ana",
        "assistant", "lookup", '{"q": "x"}',
        "tool", "found", "call_1",
    ]  # fmt: skip
    framing = 4 * TOKENS_PER_MESSAGE + TOKENS_PER_NAME + REPLY_TOKENS
    expected = framing + sum(tokens.count(p) for p in pieces)
    assert tokens.count_messages(messages) == expected
    with_tool = tokens.count_messages(messages, [tool])
    definition = '{"name":"lookup","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}'
    assert with_tool == expected + tokens.count(definition)


def test_a_message_that_is_not_a_mapping_is_named() -> None:
    with pytest.raises(TypeError, match=r"`messages\[1\]` must be a mapping, got str"):
        count_message_tokens([{"role": "user", "content": "Hi"}, "Hi"], "gpt-5")  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"`tools\[0\]` must be a mapping"):
        count_message_tokens([], "gpt-5", tools=[None])  # type: ignore[list-item]


def test_a_vocabulary_file_that_is_not_the_published_one_is_refused(
    tmp_path: Path,
) -> None:
    from aai_gateway._tokens import read_vocabulary

    fake = tmp_path / "cl100k_base.tiktoken.gz"
    fake.write_bytes(gzip.compress(b"IQ== 0\n"))
    with pytest.raises(ValueError, match="not the published `cl100k_base` vocabulary"):
        read_vocabulary(fake, "cl100k_base")
