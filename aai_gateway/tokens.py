"""Token counts before a call: an offline estimate for every gateway model.

The gateway has no counting endpoint, so these are estimates: tiktoken with
`o200k_base` for OpenAI's models (exact for their text) and `cl100k_base` for the
others, plus the chat format's per-message framing. The vocabulary is read from a
file an installed package bundles (`llama-index-core`, or `bpe-openai` from the
`langchain` extra), checked against tiktoken's pinned hash; nothing is downloaded.
LangChain's `get_num_tokens*` and LlamaIndex's tokenizer hooks use these.

Example:
    ```python
    from aai_gateway.tokens import Tokenizer, count_message_tokens

    count_message_tokens([{"role": "user", "content": "Hi"}], "claude-sonnet-4-6")
    Tokenizer("gpt-5")("Hello")  # token ids
    ```
"""

from __future__ import annotations

from aai_gateway._tokens import (
    REPLY_TOKENS,
    TOKENS_PER_MESSAGE,
    TOKENS_PER_NAME,
    EncodingName,
    Tokenizer,
    VocabularySource,
    count_message_tokens,
    count_tokens,
    encoding_name,
)

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
