"""`speaker_identification_tool`: agents learn who each speaker of a meeting is.

The tool asks Speech Understanding (`POST /v1/understanding`) to map a
transcript's speaker labels (`A`, `B`, ...) to the names or roles the agent
gives, server-side, and returns the mapping as JSON. Use it next to a
`TranscriptQueryEngine` wrapped in a `QueryEngineTool` for whole-meeting Q&A.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

from llama_index.core.bridge.pydantic import BaseModel, Field
from llama_index.core.tools import FunctionTool

import aai_gateway as core
from aai_gateway.adapters import speaker_mapping_text
from aai_gateway.errors import (
    BadRequestError,
    TranscriptNotFoundError,
    TranscriptNotReadyError,
)
from llama_index_aai_gateway.llms import AssemblyAI

__all__ = [
    "DEFAULT_SPEAKER_TOOL_DESCRIPTION",
    "SpeakerQuestion",
    "speaker_identification_tool",
]

DEFAULT_SPEAKER_TOOL_DESCRIPTION = (
    "Identify who each speaker (A, B, ...) of one recorded meeting or call is. "
    "Pass the meeting's transcript_id, known_values (the names or roles of the "
    "people who may have spoken) and speaker_type 'name' or 'role'. Returns the "
    "mapping from speaker labels to names or roles as JSON."
)


class SpeakerQuestion(BaseModel):
    """The arguments an agent passes to the speaker identification tool."""

    transcript_id: str = Field(
        description="The AssemblyAI transcript id of the meeting or call."
    )
    known_values: list[str] = Field(
        description=(
            "The names (or roles) of the people who may have spoken, each at most "
            "35 characters, e.g. ['Dana', 'Lee']."
        )
    )
    speaker_type: Literal["name", "role"] = Field(
        default="name",
        description="'name' to match people's names, 'role' to match roles.",
    )


class _ToolError(Exception):
    """A failure the agent can act on; its message goes back as the tool's output."""


@contextmanager
def _agent_errors(transcript_id: str) -> Iterator[None]:
    """Bad values and unknown or unfinished transcripts as `_ToolError`."""
    try:
        yield
    except (
        ValueError,
        TranscriptNotFoundError,
        TranscriptNotReadyError,
    ) as exc:
        raise _ToolError(f"Error: {exc}") from exc
    except BadRequestError as exc:
        if transcript_id not in str(exc):
            raise
        raise _ToolError(f"Error: {exc}") from exc


def speaker_identification_tool(
    llm: AssemblyAI | None = None,
    *,
    name: str = "identify_meeting_speakers",
    description: str = DEFAULT_SPEAKER_TOOL_DESCRIPTION,
    **client_options: Any,
) -> FunctionTool:
    """A `FunctionTool` that maps a meeting's speaker labels to names or roles.

    The agent calls it with `transcript_id`, `known_values` and `speaker_type`;
    it answers with JSON (`{"mapping": {"A": "Dana", ...}, "unidentified": [...]}`).
    Bad values (an empty list, a value over 35 characters) and unknown or
    unfinished transcripts come back as an `Error: ...` text the agent can act
    on. The service does not store the result on the transcript.

    Example:
        ```python
        tool = speaker_identification_tool(AssemblyAI())
        agent = FunctionAgent(tools=[tool], llm=AssemblyAI())
        ```

    Args:
        llm: An `AssemblyAI` whose settings and connections to reuse; without it,
            `client_options` (`api_key`, `base_url`, `region`, ...) build clients.
        name: The tool's name.
        description: What the agent is told the tool does.
        **client_options: Options for `aai_gateway.GatewayClient`; your own
            `http_client` (`httpx.Client`) and `http_async_client`
            (`httpx.AsyncClient`) are used as is and never closed here.
    """
    sync_client, async_client = _clients(llm, client_options)

    def identify_meeting_speakers(
        transcript_id: str,
        known_values: list[str],
        speaker_type: str = "name",
    ) -> str:
        task = {"speaker_type": speaker_type, "known_values": known_values}
        try:
            with _agent_errors(transcript_id):
                result = sync_client().understand(
                    transcript_id, speaker_identification=task
                )
        except _ToolError as exc:
            return str(exc)
        return speaker_mapping_text(transcript_id, speaker_type, result)

    async def aidentify_meeting_speakers(
        transcript_id: str,
        known_values: list[str],
        speaker_type: str = "name",
    ) -> str:
        task = {"speaker_type": speaker_type, "known_values": known_values}
        try:
            with _agent_errors(transcript_id):
                result = await async_client().aunderstand(
                    transcript_id, speaker_identification=task
                )
        except _ToolError as exc:
            return str(exc)
        return speaker_mapping_text(transcript_id, speaker_type, result)

    return FunctionTool.from_defaults(
        fn=identify_meeting_speakers,
        async_fn=aidentify_meeting_speakers,
        name=name,
        description=description,
        fn_schema=SpeakerQuestion,
    )


def _clients(
    llm: AssemblyAI | None, options: dict[str, Any]
) -> tuple[Callable[[], core.GatewayClient], Callable[[], core.AsyncGatewayClient]]:
    """Getters for the core clients: the LLM's own, or ones built from `options`."""
    if llm is not None:
        return llm._sync_client, llm._async_client
    shared = {k: v for k, v in options.items() if k != "http_async_client"}
    shared.pop("http_client", None)
    sync_client = core.GatewayClient(http_client=options.get("http_client"), **shared)
    async_client = core.AsyncGatewayClient(
        http_client=options.get("http_async_client"), **shared
    )
    return (lambda: sync_client), (lambda: async_client)
