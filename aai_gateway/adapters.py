"""What the LangChain and LlamaIndex adapters share beyond the user-facing names.

A documented support namespace: the adapters import the core only through
`aai_gateway`, its public modules and this one, so every rule they apply (tag
placement, `tool_choice`, map-reduce prompts) has one home in the
core. It is public so a third adapter can be written the same way; its names may
change between minor releases more readily than the rest of the API.
"""

from __future__ import annotations

from aai_gateway._config import DEFAULT_MAX_TOKENS
from aai_gateway._http.streaming import ChunkAccumulator
from aai_gateway._prototype import Prototype
from aai_gateway._tools import resolve_tool_choice
from aai_gateway._transcripts._loader import TranscriptSource
from aai_gateway._transcripts._map_reduce import (
    build_combine_prompt,
    build_summary_prompt,
    check_concurrency,
    check_transcript_ids,
)
from aai_gateway._transcripts._references import (
    apply_tag_placement,
    find_transcript_refs,
)
from aai_gateway._transcripts._understanding import speaker_mapping_text

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "ChunkAccumulator",
    "Prototype",
    "TranscriptSource",
    "apply_tag_placement",
    "build_combine_prompt",
    "build_summary_prompt",
    "check_concurrency",
    "check_transcript_ids",
    "find_transcript_refs",
    "resolve_tool_choice",
    "speaker_mapping_text",
]
