"""Token counts before a call: an offline estimate, for every model on the gateway.

The gateway has no counting endpoint, and most of its models' tokenizers are not
public, so a count made before a call can only be an estimate. This one uses
tiktoken (the well-kept BPE tokenizer) with OpenAI's vocabularies: `o200k_base`
for OpenAI's models (exact for their text) and `cl100k_base` for the others
(Claude, Gemini, Qwen, Kimi, Gemma), whose smaller vocabulary errs towards more
tokens. Chat requests add the per-message overhead of OpenAI's chat format.

Nothing here touches the network. tiktoken ships no vocabulary files and
downloads them on first use; this module never asks it to. It reads the files
another installed package bundles, checks each against the SHA-256 that tiktoken
pins for it, and builds the encoding from them:

- `llama-index-core` keeps both files in `llama_index/core/_static/tiktoken_cache`;
- `bpe-openai` keeps gzipped copies in `bpe_openai/data` (the `langchain` extra
  installs it).

Neither package is imported (each is found through its installed metadata), and
`TIKTOKEN_CACHE_DIR` is neither read nor set.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import importlib.metadata
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import tiktoken

__all__ = [
    "REPLY_TOKENS",
    "TOKENS_PER_MESSAGE",
    "TOKENS_PER_NAME",
    "EncodingName",
    "Tokenizer",
    "VocabularySource",
    "count_message_tokens",
    "count_tokens",
    "encoding_name",
]

EncodingName = Literal["o200k_base", "cl100k_base"]
VocabularySource = Literal["llama-index-core", "bpe-openai"]

TOKENS_PER_MESSAGE = 3
"""The chat format's framing of one message (OpenAI's count for its chat models)."""
TOKENS_PER_NAME = 1
"""Added when a message carries a `name`."""
REPLY_TOKENS = 3
"""The framing that opens the model's reply, counted once per request."""

_URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"


@dataclass(frozen=True)
class _Vocabulary:
    """What builds one encoding: its published split pattern, specials and hash."""

    pattern: str
    special_tokens: Mapping[str, int]
    sha256: str


# The split patterns and special tokens OpenAI publishes for each encoding; the
# hashes are those tiktoken pins for the vocabulary files (tiktoken_ext).
_VOCABULARIES: Mapping[EncodingName, _Vocabulary] = {
    "cl100k_base": _Vocabulary(
        r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
        {
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": _Vocabulary(
        "|".join(
            (
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""\p{N}{1,3}""",
                r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
                r"""\s*[\r\n]+""",
                r"""\s+(?!\S)""",
                r"""\s+""",
            )
        ),
        {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}

# OpenAI's own models: `o200k_base` is their encoding (gpt-oss's `o200k_harmony`
# differs from it only in special tokens).
_OPENAI_PREFIXES = ("gpt-", "o1", "o3", "o4", "chatgpt-")


def encoding_name(model: str) -> EncodingName:
    """The encoding the estimate uses for `model` (any id, known or not)."""
    return "o200k_base" if model.lower().startswith(_OPENAI_PREFIXES) else "cl100k_base"


def _bundled_file(source: VocabularySource, name: EncodingName) -> Path | None:
    """Where `source` keeps the vocabulary file of `name`, if it is installed."""
    if source == "llama-index-core":
        distribution, folder = "llama-index-core", "llama_index/core/_static"
        # tiktoken's cache names a file by the SHA-1 of the URL it came from.
        key = hashlib.sha1(_URL.format(name).encode(), usedforsecurity=False)
        relative = f"{folder}/tiktoken_cache/{key.hexdigest()}"
    else:
        distribution, relative = "bpe-openai", f"bpe_openai/data/{name}.tiktoken.gz"
    try:
        found = importlib.metadata.distribution(distribution).locate_file(relative)
    except importlib.metadata.PackageNotFoundError:
        return None
    path = Path(str(found))
    return path if path.is_file() else None


def read_vocabulary(path: Path, name: EncodingName) -> dict[bytes, int]:
    """The ranks in a `.tiktoken` file (gzipped or not), checked against tiktoken's hash.

    Raises:
        ValueError: the file is not the published vocabulary of `name`.
    """
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    if hashlib.sha256(data).hexdigest() != _VOCABULARIES[name].sha256:
        msg = f"{path} is not the published `{name}` vocabulary (its SHA-256 differs)"
        raise ValueError(msg)
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@functools.lru_cache(maxsize=8)
def _encoding(name: EncodingName, source: VocabularySource | None) -> tiktoken.Encoding:
    """The tiktoken encoding `name`, built from a bundled file (cached: ~0.3 s each)."""
    try:
        import tiktoken
    except ImportError as exc:
        msg = (
            "token counting needs `tiktoken`: install `aai-gateway[langchain]` or "
            "`aai-gateway[llama-index]`"
        )
        raise ImportError(msg) from exc
    sources: tuple[VocabularySource, ...] = (
        (source,) if source is not None else ("llama-index-core", "bpe-openai")
    )
    for candidate in sources:
        path = _bundled_file(candidate, name)
        if path is not None:
            vocabulary = _VOCABULARIES[name]
            return tiktoken.Encoding(
                name,
                pat_str=vocabulary.pattern,
                mergeable_ranks=read_vocabulary(path, name),
                special_tokens=dict(vocabulary.special_tokens),
            )
    msg = (
        f"no offline copy of the `{name}` vocabulary: install `bpe-openai` (in the "
        "`langchain` extra) or `llama-index-core` (tokens are never downloaded)"
    )
    raise ImportError(msg)


@dataclass(frozen=True)
class Tokenizer:
    """An offline token-count estimate for one gateway model; `str -> list[int]`.

    Calling it gives the token ids of a text (what LlamaIndex's
    `TokenCountingHandler(tokenizer=...)`, `Settings.tokenizer` and
    `PromptHelper` take); `count_messages` estimates a whole chat request. See
    the module docstring for what it is exact for and where the vocabulary
    comes from. Special-token text (`<|endoftext|>`) counts as plain text.

    Example:
        ```python
        from aai_gateway.tokens import Tokenizer

        tokens = Tokenizer("claude-sonnet-4-6")
        tokens.count("Summarize the meeting.")
        tokens.count_messages([{"role": "user", "content": "Hi"}])
        ```

    Attributes:
        model: The gateway model id.
        source: Where to read the vocabulary (`None`: the first installed of
            `llama-index-core`, then `bpe-openai`).
    """

    model: str
    source: VocabularySource | None = None

    @property
    def encoding(self) -> EncodingName:
        """The encoding used for `model`."""
        return encoding_name(self.model)

    def __call__(self, text: str) -> list[int]:
        """The token ids of `text`.

        Raises:
            ImportError: tiktoken, or every offline vocabulary source, is missing.
        """
        return _encoding(self.encoding, self.source).encode(text, disallowed_special=())

    def count(self, text: str) -> int:
        """The number of tokens in `text`."""
        return len(self(text))

    def count_messages(
        self,
        messages: Sequence[Mapping[str, Any]],
        tools: Sequence[Mapping[str, Any]] | None = None,
    ) -> int:
        """An estimate of a chat request's prompt tokens: messages, tools, framing.

        Each message costs `TOKENS_PER_MESSAGE` plus the tokens of its role, its
        text, its tool calls (name and arguments), its `tool_call_id` and its
        `name` (plus `TOKENS_PER_NAME`); the request adds `REPLY_TOKENS`, and each
        tool the tokens of its definition as compact JSON. A transcript the
        gateway injects at the `{{ transcript }}` tag is not counted (its text
        is on the server).

        Args:
            messages: Wire messages (`aai_gateway.types.Message`).
            tools: Wire tools (`aai_gateway.types.ToolParam`).

        Raises:
            TypeError: a message or tool that is not a mapping (named).
        """
        total = REPLY_TOKENS
        for position, message in enumerate(messages):
            total += self._message_tokens(message, f"messages[{position}]")
        for position, tool in enumerate(tools or ()):
            definition = _mapping(tool, f"tools[{position}]")
            definition = definition.get("function", definition)
            total += self.count(json.dumps(definition, separators=(",", ":")))
        return total

    def _message_tokens(self, given: object, where: str) -> int:
        message = _mapping(given, where)
        texts = [str(message.get("role", "")), _content_text(message.get("content"))]
        for call in message.get("tool_calls") or ():
            function = call.get("function") if isinstance(call, Mapping) else None
            if isinstance(function, Mapping):
                texts += [
                    str(function.get("name", "")),
                    str(function.get("arguments", "")),
                ]
        tokens = TOKENS_PER_MESSAGE
        if isinstance(message.get("tool_call_id"), str):
            texts.append(message["tool_call_id"])
        if isinstance(message.get("name"), str):
            texts.append(message["name"])
            tokens += TOKENS_PER_NAME
        return tokens + sum(self.count(t) for t in texts if t)


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        msg = f"`{where}` must be a mapping, got {type(value).__name__}"
        raise TypeError(msg)
    return value


def _content_text(content: object) -> str:
    """The text of a message's content: a string, or its text parts joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, Mapping) and part.get("type") == "text"
        )
    return ""


def count_tokens(text: str, model: str) -> int:
    """An offline estimate of the tokens in `text` for `model` (see `Tokenizer`)."""
    return Tokenizer(model).count(text)


def count_message_tokens(
    messages: Sequence[Mapping[str, Any]],
    model: str,
    *,
    tools: Sequence[Mapping[str, Any]] | None = None,
) -> int:
    """An offline estimate of a chat request's prompt tokens (see `Tokenizer.count_messages`)."""
    return Tokenizer(model).count_messages(messages, tools)
