"""`aai-gateway demo`'s three steps against the emulator: each answer quotes its meeting."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest

from aai_gateway.testing._meetings import MEETINGS
from aai_gateway.testing._transcripts import build_words, split_sentences
from aai_gateway_demo import DEFAULT_MODEL
from aai_gateway_demo._steps import langchain_agent, llama_index_engine, map_reduce
from aai_gateway_demo._target import Target, open_target
from aai_gateway_demo._wire import WireLog

pytestmark = pytest.mark.e2e


def meeting_sentences(transcript_id: str) -> list[str]:
    """The meeting's sentences of five words or more, from the emulator's own data."""
    (meeting,) = [m for m in MEETINGS if m.id == transcript_id]
    sentences = [
        " ".join(str(w["text"]) for w in sentence)
        for words in build_words(meeting.utterances)
        for sentence in split_sentences(words)
    ]
    return [s for s in sentences if len(s.split()) >= 5]


def quoted(answer: str, transcript_id: str) -> list[str]:
    return [s for s in meeting_sentences(transcript_id) if s in answer]


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]{5,}", text.lower()))


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    with open_target(False, DEFAULT_MODEL) as target:
        yield target


@pytest.fixture
def wire() -> Iterator[WireLog]:
    log = WireLog()
    yield log
    log.close()


def test_the_agent_answers_from_the_meeting_it_was_asked_about(
    target: Target, wire: WireLog
) -> None:
    out = io.StringIO()
    answer = langchain_agent(target, wire, out)
    meeting = target.question_meeting
    assert answer.startswith("Tool results: ")
    assert "Echo:" not in answer
    hits = quoted(answer, meeting.id)
    assert hits
    assert all(words(hit) & words(meeting.question) for hit in hits)
    assert answer in out.getvalue()


def test_the_query_engine_answers_from_its_meeting(
    target: Target, wire: WireLog
) -> None:
    out = io.StringIO()
    answer = llama_index_engine(target, wire, out)
    meeting = target.engine_meeting
    assert "Echo:" not in answer
    hits = quoted(answer, meeting.id)
    assert hits
    assert all(words(hit) & words(meeting.question) for hit in hits)
    assert not quoted(answer, target.question_meeting.id)


def test_the_summary_quotes_the_meetings(target: Target, wire: WireLog) -> None:
    summary = map_reduce(target, wire, io.StringIO())
    assert "Echo:" not in summary
    sources = [m.id for m in target.meetings if quoted(summary, m.id)]
    assert len(sources) >= 2  # combined from several meetings
    assert len(wire.requests) == len(target.meetings) + 1
