"""Map-reduce over many meetings: `summarize_transcripts` / `asummarize_transcripts`.

The gateway injects one transcript per request, so "summarise these 50 meetings"
is one by-reference call per transcript (map, with bounded concurrency), then one
call that combines the short per-meeting summaries (reduce). No transcript is
downloaded, and the combining call carries only the summaries. The prompts and
the result match `langchain_aai_gateway.summarize_transcripts`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.llms import LLM

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


async def _gather_or_cancel(calls: Sequence[Coroutine[Any, Any, str]]) -> list[str]:
    """All results in order; on the first failure the other calls are cancelled."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        return list(await asyncio.gather(*tasks))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _as_messages(prompt: str) -> list[ChatMessage]:
    return [ChatMessage(role=MessageRole.USER, content=prompt)]


def summarize_transcripts(
    llm: LLM,
    transcript_ids: Sequence[str],
    *,
    instructions: str = DEFAULT_SUMMARY_INSTRUCTIONS,
    combine_instructions: str = DEFAULT_COMBINE_INSTRUCTIONS,
    max_concurrency: int = 5,
) -> TranscriptSummaries:
    """Summarise many meetings by reference: one call per transcript, then one to combine.

    Each transcript is summarised in its own request that carries it by reference
    (`transcript_id` + the `{{ transcript }}` tag, injected by the gateway), at
    most `max_concurrency` at a time (threads); a last request combines the
    summaries. With a single transcript its summary is the result and no
    combining call is made.

    Example:
        ```python
        from llama_index_aai_gateway import AssemblyAI, summarize_transcripts

        result = summarize_transcripts(AssemblyAI(model="claude-sonnet-4-6"), ids)
        print(result.summary)
        ```

    Args:
        llm: An `AssemblyAI` LLM (it resolves the transcript references).
        transcript_ids: The meetings (duplicates are summarised once).
        instructions: What each per-meeting call asks for.
        combine_instructions: What the combining call asks for.
        max_concurrency: Per-meeting calls in flight at once.

    Raises:
        ValueError: no ids, a malformed id, or a bad `max_concurrency`.
    """
    run = SummaryRun(
        transcript_ids, instructions, combine_instructions, max_concurrency
    )

    def ask(prompt: str) -> str:
        return llm.chat(_as_messages(prompt)).message.content or ""

    with ThreadPoolExecutor(run.max_concurrency) as pool:
        answers = list(pool.map(ask, run.map_prompts()))
    prompt = run.combine_prompt(answers)
    return run.result(None if prompt is None else ask(prompt))


async def asummarize_transcripts(
    llm: LLM,
    transcript_ids: Sequence[str],
    *,
    instructions: str = DEFAULT_SUMMARY_INSTRUCTIONS,
    combine_instructions: str = DEFAULT_COMBINE_INSTRUCTIONS,
    max_concurrency: int = 5,
) -> TranscriptSummaries:
    """The async twin of `summarize_transcripts` (same arguments, same result)."""
    run = SummaryRun(
        transcript_ids, instructions, combine_instructions, max_concurrency
    )
    gate = asyncio.Semaphore(run.max_concurrency)

    async def ask(prompt: str) -> str:
        async with gate:
            answer = await llm.achat(_as_messages(prompt))
        return answer.message.content or ""

    answers = await _gather_or_cancel([ask(p) for p in run.map_prompts()])
    prompt = run.combine_prompt(answers)
    return run.result(None if prompt is None else await ask(prompt))
