"""Map-reduce over many meetings, framework-neutral: prompts, checks, the result type.

The gateway injects one transcript per request, so "summarise these 50 meetings"
is one by-reference call per transcript, then one call that combines the short
summaries. Both adapters run the calls their own way (batch, threads, tasks);
what they send and return is defined once, here (`SummaryRun`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aai_gateway._transcripts._references import check_transcript_id, transcript_ref

DEFAULT_SUMMARY_INSTRUCTIONS = (
    "Summarise this meeting in a few sentences: its purpose, the decisions made, "
    "and the action items with their owners."
)
DEFAULT_COMBINE_INSTRUCTIONS = (
    "Below are summaries of several meetings. Write one overall summary: the common "
    "themes, the main decisions, and every action item with its owner and meeting."
)


@dataclass(frozen=True)
class TranscriptSummaries:
    """What `summarize_transcripts` returns (in either framework).

    Attributes:
        summary: The combined summary (the only summary, for one transcript).
        per_transcript: Each transcript's own summary, by id, in the order given.
    """

    summary: str
    per_transcript: Mapping[str, str] = field(default_factory=dict)


def check_transcript_ids(transcript_ids: Sequence[str]) -> list[str]:
    """The ids, each once, in order; checked before any request.

    Raises:
        TypeError: one string instead of a list.
        ValueError: no ids, or a malformed one.
    """
    if isinstance(transcript_ids, str):
        msg = "`transcript_ids` must be a list of transcript ids, not one string"
        raise TypeError(msg)
    ids = list(dict.fromkeys(transcript_ids))
    if not ids:
        msg = "`transcript_ids` is empty: give at least one transcript id"
        raise ValueError(msg)
    for transcript_id in ids:
        check_transcript_id(transcript_id)
    return ids


def check_concurrency(max_concurrency: object) -> int:
    """A concurrency bound, checked.

    Raises:
        ValueError: not a whole number of at least 1.
    """
    if (
        isinstance(max_concurrency, bool)
        or not isinstance(max_concurrency, int)
        or max_concurrency < 1
    ):
        msg = f"`max_concurrency` must be a whole number of at least 1, got {max_concurrency!r}"
        raise ValueError(msg)
    return max_concurrency


def build_summary_prompt(transcript_id: str, instructions: str) -> str:
    """The per-meeting request: the transcript by reference, then the instructions."""
    return f"{transcript_ref(transcript_id)}\n\n{instructions}"


def build_combine_prompt(summaries: Mapping[str, str], instructions: str) -> str:
    """The combining request: the instructions, then one section per meeting."""
    sections = "\n\n".join(
        f"## Meeting {tid}\n{summary}" for tid, summary in summaries.items()
    )
    return f"{instructions}\n\n{sections}"


class SummaryRun:
    """One map-reduce summary of many meetings, whatever framework sends the calls.

    The arguments are checked when it is built (before any request). Then: the
    per-meeting prompts (`map_prompts`, one by-reference request each), the
    combining prompt for their answers (`combine_prompt`; `None` for a single
    meeting, whose summary is the result), and the result (`result`).

    Example:
        ```python
        run = SummaryRun(ids, instructions, combine_instructions, 5)
        answers = [ask(prompt) for prompt in run.map_prompts()]
        prompt = run.combine_prompt(answers)
        summaries = run.result(None if prompt is None else ask(prompt))
        ```

    Raises:
        TypeError: one string instead of a list of ids.
        ValueError: no ids, a malformed id, or a bad `max_concurrency`.
    """

    def __init__(
        self,
        transcript_ids: Sequence[str],
        instructions: str,
        combine_instructions: str,
        max_concurrency: int,
    ) -> None:
        self.ids = check_transcript_ids(transcript_ids)
        self.max_concurrency = check_concurrency(max_concurrency)
        self._instructions = instructions
        self._combine_instructions = combine_instructions
        self._summaries: dict[str, str] = {}

    def map_prompts(self) -> list[str]:
        """One prompt per meeting (each id once, in order): the reference, then the ask."""
        return [build_summary_prompt(i, self._instructions) for i in self.ids]

    def combine_prompt(self, answers: Sequence[str]) -> str | None:
        """The combining prompt for the per-meeting `answers`; `None` for one meeting."""
        self._summaries = dict(zip(self.ids, answers, strict=True))
        if len(self.ids) == 1:
            return None
        return build_combine_prompt(self._summaries, self._combine_instructions)

    def result(self, combined: str | None) -> TranscriptSummaries:
        """The summaries: `combined`, or the only meeting's own summary."""
        summary = self._summaries[self.ids[0]] if combined is None else combined
        return TranscriptSummaries(summary, dict(self._summaries))
