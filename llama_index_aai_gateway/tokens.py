"""Token counts for LlamaIndex, offline: a tokenizer and a chat-request estimate.

LlamaIndex asks for a tokenizer, a `str -> list` callable, in three places:
`TokenCountingHandler(tokenizer=...)` (used when a response carries no usage),
`Settings.tokenizer`, and `PromptHelper` (which budgets prompts against the
context window). `AssemblyAI(...).tokenizer` is one for the LLM's model;
`gateway_tokenizer(model)` is the same for any model id. Both are the core's
`aai_gateway.tokens.Tokenizer`: an estimate (tiktoken, `o200k_base` for OpenAI
models, `cl100k_base` for the others) that never downloads anything, even with
`TIKTOKEN_CACHE_DIR` pointed elsewhere.

Example:
    ```python
    from llama_index.core import Settings
    from llama_index.core.callbacks import CallbackManager, TokenCountingHandler
    from llama_index_aai_gateway import AssemblyAI

    llm = AssemblyAI(model="claude-sonnet-4-6")
    Settings.tokenizer = llm.tokenizer
    counter = TokenCountingHandler(tokenizer=llm.tokenizer)
    Settings.callback_manager = CallbackManager([counter])
    ```
"""

from __future__ import annotations

from collections.abc import Sequence

from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.tools import BaseTool

from aai_gateway.tokens import Tokenizer
from llama_index_aai_gateway._convert import to_gateway_messages, to_gateway_tools

__all__ = ["count_message_tokens", "gateway_tokenizer"]


def gateway_tokenizer(model: str) -> Tokenizer:
    """A LlamaIndex tokenizer (`str -> list[int]`) estimating `model`'s tokens offline."""
    return Tokenizer(model)


def count_message_tokens(
    messages: Sequence[ChatMessage],
    model: str,
    tools: Sequence[BaseTool] | None = None,
) -> int:
    """An offline estimate of a chat request's prompt tokens, tools included.

    The messages and tools are converted as `AssemblyAI.chat` sends them and
    counted with the chat format's per-message framing
    (`aai_gateway.tokens.Tokenizer.count_messages`). A transcript the gateway
    injects at the `{{ transcript }}` tag is not counted.

    Raises:
        ValueError: a message the gateway cannot take (media blocks).
    """
    specs = to_gateway_tools(tools) if tools else []
    return Tokenizer(model).count_messages(to_gateway_messages(messages), specs)
