"""Map-reduce over many meetings, framework-neutral: prompts, checks, the result type.

The gateway injects one transcript per request, so "summarise these 50 meetings"
is one by-reference call per transcript, then one call that combines the short
summaries. Both adapters run the calls their own way (batch, threads, tasks);
what they send and return is defined once, here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aai_gateway._transcripts._references import transcript_ref

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
        transcript_ref(transcript_id)
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
