"""LlamaIndex integration for AssemblyAI's LLM Gateway.

`AssemblyAI` is a function-calling LLM for query engines, chat engines, agents and
structured prediction, built on the framework-neutral `aai_gateway` core.
`TranscriptQueryEngine` answers questions about a meeting from its whole transcript,
which the gateway injects by reference; `AssemblyAITranscriptReader` loads
transcripts as documents (by reference, or by content for retrieval),
`speaker_identification_tool` tells agents who each speaker is,
`summarize_transcripts` summarises many meetings by map-reduce, and
`ingest_transcripts` keeps an ingestion pipeline over the account's meetings up
to date, fetching only what is new (upserts into a persisted docstore).
"""

from __future__ import annotations

from aai_gateway import TRANSCRIPT_TAG, transcript_ref
from llama_index_aai_gateway.callbacks import AssemblyAICostHandler
from llama_index_aai_gateway.ingestion import aingest_transcripts, ingest_transcripts
from llama_index_aai_gateway.llms import AssemblyAI
from llama_index_aai_gateway.query_engine import (
    DEFAULT_TRANSCRIPT_PROMPT,
    TranscriptQueryEngine,
)
from llama_index_aai_gateway.readers import AssemblyAITranscriptReader
from llama_index_aai_gateway.summaries import (
    TranscriptSummaries,
    asummarize_transcripts,
    summarize_transcripts,
)
from llama_index_aai_gateway.tools import speaker_identification_tool

__all__ = [
    "DEFAULT_TRANSCRIPT_PROMPT",
    "TRANSCRIPT_TAG",
    "AssemblyAI",
    "AssemblyAICostHandler",
    "AssemblyAITranscriptReader",
    "TranscriptQueryEngine",
    "TranscriptSummaries",
    "aingest_transcripts",
    "asummarize_transcripts",
    "ingest_transcripts",
    "speaker_identification_tool",
    "summarize_transcripts",
    "transcript_ref",
]
