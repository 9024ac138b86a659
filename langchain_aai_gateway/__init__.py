"""LangChain integration for AssemblyAI's LLM Gateway.

`ChatAssemblyAI` is a chat model and `AssemblyAILLM` a text-completion model, both
on the framework-neutral `aai_gateway` client. `TRANSCRIPT_TAG` is the exact tag
the gateway replaces with a transcript when a request carries `transcript_id`.

Transcripts travel by reference: `transcript_ref(id)` is a short text that survives
any prompt template or document formatting and becomes the tag (plus
`transcript_id`) before a request is sent. `AssemblyAITranscriptLoader` loads
transcripts as documents (by reference, or by content for retrieval),
`AssemblyAITranscriptQATool` lets agents ask questions about whole meetings,
`AssemblyAISpeakerIdentificationTool` tells them who each speaker is, and
`summarize_transcripts` summarises many meetings map-reduce style.
"""

from __future__ import annotations

from aai_gateway import TRANSCRIPT_TAG, __version__, transcript_ref
from langchain_aai_gateway.chains import (
    TranscriptSummaries,
    asummarize_transcripts,
    summarize_transcripts,
)
from langchain_aai_gateway.chat_models import ChatAssemblyAI
from langchain_aai_gateway.document_loaders import AssemblyAITranscriptLoader
from langchain_aai_gateway.llms import AssemblyAILLM
from langchain_aai_gateway.tools import (
    AssemblyAISpeakerIdentificationTool,
    AssemblyAITranscriptQATool,
)

__all__ = [
    "TRANSCRIPT_TAG",
    "AssemblyAILLM",
    "AssemblyAISpeakerIdentificationTool",
    "AssemblyAITranscriptLoader",
    "AssemblyAITranscriptQATool",
    "ChatAssemblyAI",
    "TranscriptSummaries",
    "__version__",
    "asummarize_transcripts",
    "summarize_transcripts",
    "transcript_ref",
]
