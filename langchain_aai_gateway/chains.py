"""Map-reduce over many meetings: `summarize_transcripts` / `asummarize_transcripts`.

The gateway injects one transcript per request, so "summarise these 50 meetings"
is one by-reference call per transcript (map, with bounded concurrency), then one
call that combines the short per-meeting summaries (reduce). No transcript is
downloaded, and the combining call carries only the summaries.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.runnables import Runnable, RunnableConfig

from aai_gateway.adapters import SummaryRun
from aai_gateway.transcripts import (
    DEFAULT_COMBINE_INSTRUCTIONS,
    DEFAULT_SUMMARY_INSTRUCTIONS,
    TranscriptSummaries,
)

__all__ = [
    "DEFAULT_COMBINE_INSTRUCTIONS",
    "DEFAULT_SUMMARY_INSTRUCTIONS",
    "TranscriptSummaries",
    "asummarize_transcripts",
    "summarize_transcripts",
]

ChatRunnable = Runnable[LanguageModelInput, BaseMessage]


def _as_input(prompt: str) -> LanguageModelInput:
    return [HumanMessage(prompt)]


def _map_config(config: RunnableConfig | None, run: SummaryRun) -> RunnableConfig:
    return {**(config or {}), "max_concurrency": run.max_concurrency}


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
    run = SummaryRun(
        transcript_ids, instructions, combine_instructions, max_concurrency
    )
    inputs = [_as_input(p) for p in run.map_prompts()]
    answers = llm.batch(inputs, config=_map_config(config, run))
    prompt = run.combine_prompt([answer.text for answer in answers])
    if prompt is None:
        return run.result(None)
    return run.result(llm.invoke(_as_input(prompt), config).text)


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
    run = SummaryRun(
        transcript_ids, instructions, combine_instructions, max_concurrency
    )
    inputs = [_as_input(p) for p in run.map_prompts()]
    answers = await llm.abatch(inputs, config=_map_config(config, run))
    prompt = run.combine_prompt([answer.text for answer in answers])
    if prompt is None:
        return run.result(None)
    return run.result((await llm.ainvoke(_as_input(prompt), config)).text)
