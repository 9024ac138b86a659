"""LlamaIndex integration for AssemblyAI's LLM Gateway.

`AssemblyAI` is a function-calling LLM for query engines, chat engines, agents and
structured prediction, built on the framework-neutral `aai_gateway` core.
`TranscriptQueryEngine` answers questions about a meeting from its whole transcript,
which the gateway injects by reference.
"""

from __future__ import annotations

from llama_index_aai_gateway.llms import AssemblyAI
from llama_index_aai_gateway.query_engine import (
    DEFAULT_TRANSCRIPT_PROMPT,
    TranscriptQueryEngine,
)

__all__ = ["DEFAULT_TRANSCRIPT_PROMPT", "AssemblyAI", "TranscriptQueryEngine"]
