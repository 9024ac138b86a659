"""Map-reduce over many meetings: `summarize_transcripts` / `asummarize_transcripts`.

The gateway injects one transcript per request, so "summarise these 50 meetings"
is one by-reference call per transcript (map, with bounded concurrency), then one
call that combines the short per-meeting summaries (reduce). No transcript is
downloaded, and the combining call carries only the summaries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.runnables import Runnable, RunnableConfig

from aai_gateway.adapters import (
    build_combine_prompt,
    check_concurrency,
    check_transcript_ids,
)
from aai_gateway.transcripts import (
    DEFAULT_COMBINE_INSTRUCTIONS,
    DEFAULT_SUMMARY_INSTRUCTIONS,
    TranscriptSummaries,
)
from langchain_aai_gateway._prompts import transcript_messages

__all__ = [
    "DEFAULT_COMBINE_INSTRUCTIONS",
    "DEFAULT_SUMMARY_INSTRUCTIONS",
    "TranscriptSummaries",
    "asummarize_transcripts",
    "summarize_transcripts",
]

ChatRunnable = Runnable[LanguageModelInput, BaseMessage]


def _map_inputs(ids: Sequence[str], instructions: str) -> list[LanguageModelInput]:
    return [transcript_messages(i, instructions) for i in ids]


def _map_config(config: RunnableConfig | None, max_concurrency: int) -> RunnableConfig:
    return {**(config or {}), "max_concurrency": max_concurrency}


def _combine_input(
    summaries: Mapping[str, str], instructions: str
) -> list[BaseMessage]:
    return [HumanMessage(build_combine_prompt(summaries, instructions))]


def _summaries(ids: Sequence[str], answers: Sequence[BaseMessage]) -> dict[str, str]:
    return {
        transcript_id: answer.text
        for transcript_id, answer in zip(ids, answers, strict=True)
    }


def summarize_transcripts(
    llm: ChatRunnable,
    transcript_ids: Sequence[str],
    *,
    instructions: str = DEFAULT_SUMMARY_INSTRUCTIONS,
    combine_instructions: str = DEFAULT_COMBINE_INSTRUCTIONS,
    max_concurrency: int = 5,
    config: RunnableConfig | None = None,
) -> TranscriptSummaries:
    """Summarise many meetings by reference: one call per transcript, then one to combine.

    Each transcript is summarised in its own request that carries it by reference
    (`transcript_id` + the `{{ transcript }}` tag, injected by the gateway), at
    most `max_concurrency` at a time; a last request combines the summaries. With
    a single transcript its summary is the result and no combining call is made.

    Example:
        ```python
        from langchain_aai_gateway import ChatAssemblyAI, summarize_transcripts

        result = summarize_transcripts(ChatAssemblyAI(model="claude-sonnet-4-6"), ids)
        print(result.summary)
        ```

    Args:
        llm: A `ChatAssemblyAI` (or a runnable around one, e.g. with retries).
        transcript_ids: The meetings (duplicates are summarised once).
        instructions: What each per-meeting call asks for.
        combine_instructions: What the combining call asks for.
        max_concurrency: Per-meeting calls in flight at once.
        config: A `RunnableConfig` for every call (callbacks, tags, ...).

    Raises:
        ValueError: no ids, a malformed id, or a bad `max_concurrency`.
    """
    ids = check_transcript_ids(transcript_ids)
    check_concurrency(max_concurrency)
    answers = llm.batch(
        _map_inputs(ids, instructions), config=_map_config(config, max_concurrency)
    )
    summaries = _summaries(ids, answers)
    if len(ids) == 1:
        return TranscriptSummaries(summaries[ids[0]], summaries)
    combined = llm.invoke(_combine_input(summaries, combine_instructions), config)
    return TranscriptSummaries(combined.text, summaries)


async def asummarize_transcripts(
    llm: ChatRunnable,
    transcript_ids: Sequence[str],
    *,
    instructions: str = DEFAULT_SUMMARY_INSTRUCTIONS,
    combine_instructions: str = DEFAULT_COMBINE_INSTRUCTIONS,
    max_concurrency: int = 5,
    config: RunnableConfig | None = None,
) -> TranscriptSummaries:
    """The async twin of `summarize_transcripts` (same arguments, same result)."""
    ids = check_transcript_ids(transcript_ids)
    check_concurrency(max_concurrency)
    answers = await llm.abatch(
        _map_inputs(ids, instructions), config=_map_config(config, max_concurrency)
    )
    summaries = _summaries(ids, answers)
    if len(ids) == 1:
        return TranscriptSummaries(summaries[ids[0]], summaries)
    combined = await llm.ainvoke(
        _combine_input(summaries, combine_instructions), config
    )
    return TranscriptSummaries(combined.text, summaries)
