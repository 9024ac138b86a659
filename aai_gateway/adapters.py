"""What the LangChain and LlamaIndex adapters share beyond the user-facing names.

A documented support namespace: the adapters import the core only through
`aai_gateway`, its public modules and this one, so every rule they apply (tag
placement, `tool_choice`, map-reduce prompts, the settings they take and their
names) has one home in the core. It is public so a third adapter can be written
the same way; its names may change between minor releases more readily than the
rest of the API.
"""

from __future__ import annotations

from aai_gateway._config import DEFAULT_MAX_TOKENS
from aai_gateway._http.streaming import ChunkAccumulator
from aai_gateway._settings import (
    CALL_OPTIONS,
    CLIENT_SETTING_NAMES,
    CLIENT_SETTINGS,
    RENAMED,
    REQUEST_FIELD_NAMES,
    REQUEST_FIELDS,
    ClientSetting,
    RequestField,
    check_settings,
    client_key,
    client_kwargs,
    refuse_client_settings,
    rename_options,
    request_fields,
    warn_renamed,
)
from aai_gateway._speedups import Prototype
from aai_gateway._tools import resolve_tool_choice
from aai_gateway._transcripts._loader import TranscriptSource
from aai_gateway._transcripts._map_reduce import (
    SummaryRun,
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
    "CALL_OPTIONS",
    "CLIENT_SETTINGS",
    "CLIENT_SETTING_NAMES",
    "DEFAULT_MAX_TOKENS",
    "RENAMED",
    "REQUEST_FIELDS",
    "REQUEST_FIELD_NAMES",
    "ChunkAccumulator",
    "ClientSetting",
    "Prototype",
    "RequestField",
    "SummaryRun",
    "TranscriptSource",
    "apply_tag_placement",
    "build_combine_prompt",
    "build_summary_prompt",
    "check_concurrency",
    "check_settings",
    "check_transcript_ids",
    "client_key",
    "client_kwargs",
    "find_transcript_refs",
    "refuse_client_settings",
    "rename_options",
    "request_fields",
    "resolve_tool_choice",
    "speaker_mapping_text",
    "warn_renamed",
]
