"""LangChain integration for AssemblyAI's LLM Gateway.

`ChatAssemblyAI` is a chat model and `AssemblyAILLM` a text-completion model, both
on the framework-neutral `aai_gateway` client. `TRANSCRIPT_TAG` is the exact tag
the gateway replaces with a transcript when a request carries `transcript_id`.

Transcripts travel by reference: `transcript_ref(id)` is a short text that survives
any prompt template or document formatting and becomes the tag (plus
`transcript_id`) before a request is sent. `AssemblyAITranscriptLoader` loads
transcripts as documents (by reference, or by content for retrieval),
`AssemblyAITranscriptQATool` lets agents ask questions about whole meetings,
`AssemblyAISpeakerIdentificationTool` tells them who each speaker is,
`summarize_transcripts` summarises many meetings map-reduce style, and
`index_transcripts` keeps a vector store over the account's meetings up to date,
fetching only what is new (LangChain's indexing API with a record manager).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from aai_gateway import TRANSCRIPT_TAG, __version__, transcript_ref
from langchain_aai_gateway.chat_models import ChatAssemblyAI

if TYPE_CHECKING:
    from langchain_aai_gateway.callbacks import (
        AssemblyAICallbackHandler,
        get_assemblyai_callback,
    )
    from langchain_aai_gateway.chains import (
        TranscriptSummaries,
        asummarize_transcripts,
        summarize_transcripts,
    )
    from langchain_aai_gateway.document_loaders import AssemblyAITranscriptLoader
    from langchain_aai_gateway.indexing import aindex_transcripts, index_transcripts
    from langchain_aai_gateway.llms import AssemblyAILLM
    from langchain_aai_gateway.tools import (
        AssemblyAISpeakerIdentificationTool,
        AssemblyAITranscriptQATool,
    )

__all__ = [
    "TRANSCRIPT_TAG",
    "AssemblyAICallbackHandler",
    "AssemblyAILLM",
    "AssemblyAISpeakerIdentificationTool",
    "AssemblyAITranscriptLoader",
    "AssemblyAITranscriptQATool",
    "ChatAssemblyAI",
    "TranscriptSummaries",
    "__version__",
    "aindex_transcripts",
    "asummarize_transcripts",
    "get_assemblyai_callback",
    "index_transcripts",
    "summarize_transcripts",
    "transcript_ref",
]

# Loaded on first use (PEP 562): `BaseLLM` brings yaml and tenacity, the tools,
# loader and chains more of LangChain, none of which a chat model needs.
_LAZY = {
    "AssemblyAICallbackHandler": "callbacks",
    "AssemblyAILLM": "llms",
    "AssemblyAISpeakerIdentificationTool": "tools",
    "AssemblyAITranscriptLoader": "document_loaders",
    "AssemblyAITranscriptQATool": "tools",
    "TranscriptSummaries": "chains",
    "aindex_transcripts": "indexing",
    "asummarize_transcripts": "chains",
    "get_assemblyai_callback": "callbacks",
    "index_transcripts": "indexing",
    "summarize_transcripts": "chains",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
