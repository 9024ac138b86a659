"""The scripted model's extractive rule: BM25, sentences, questions, and when it applies."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from aai_gateway.testing._extractive import (
    BM25,
    NO_ANSWER,
    SUMMARY_SENTENCES,
    extract_answer,
    is_summary_request,
    split_question,
    split_sentences,
    tokenize,
)
from aai_gateway.testing._injection import TRANSCRIPT_TAG, inject_transcript
from aai_gateway.testing._meetings import MEETINGS
from aai_gateway.testing._model import CONTEXT_MIN_WORDS, answer

MEETING = {m.key: m for m in MEETINGS}
PLANNING = " ".join(text for _, text in MEETING["product_planning"].utterances)
CONTEXT = (
    "The budget review is on Monday. Marcus owns the payments migration and will "
    "ship it in March. Lena is redesigning the onboarding flow for the mobile app. "
    "The offsite moved to the second week of June because the venue was booked."
)


def test_tokenize_drops_stop_words_and_trims_endings() -> None:
    assert tokenize("What did the teams decide about Priya's estimates?") == [
        "team",
        "decid",
        "priya",
        "estimat",
    ]
    assert tokenize("agreed agree") == ["agre", "agre"]
    assert tokenize("classes class companies company") == [
        "class",
        "class",
        "company",
        "company",
    ]
    assert tokenize("Who is it, and why?") == []


def test_bm25_ranks_rare_terms_and_short_documents_higher() -> None:
    index = BM25([["queue", "sync"], ["queue"], ["budget", "queue", "plan", "team"]])
    scores = index.scores(Counter(["queue", "sync"]))
    assert scores[0] > scores[1] > scores[2] > 0
    assert index.scores(Counter(["absent"])) == [0.0, 0.0, 0.0]
    assert BM25([[], []]).scores(Counter(["x"])) == [0.0, 0.0]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Speaker A (00:01:23): We ship on Friday.", "Speaker A (00:01:23): "),
        ("Alice (1:23): We ship on Friday.", "Alice (1:23): "),
        ("[00:01:23] Alice: We ship on Friday.", "Alice (00:01:23): "),
        ("[01:23] We ship on Friday.", "[01:23] "),
        ("Dana Smith: We ship on Friday.", "Dana Smith: "),
        ("B: We ship on Friday.", "Speaker B: "),
        ("We ship on Friday.", ""),
        ("Context: We ship on Friday.", "Context: "),  # a label, not a speaker
    ],
)
def test_speakers_and_times_come_from_line_prefixes(line: str, expected: str) -> None:
    (sentence,) = split_sentences(line)
    assert sentence.quote() == expected + "We ship on Friday."
    assert bool(sentence.speaker or sentence.time) is (
        expected not in ("", "Context: ")
    )


def test_passage_metadata_gives_speaker_and_time() -> None:
    text = (
        "transcript_id: abc\nspeaker: A\ntimestamp: 01:48\n\nWe ship on Friday. "
        "Lena owns it.\n\nspeaker: B\n\nDana: Fine by me.\n\n## Notes\n---"
    )
    quotes = [s.quote() for s in split_sentences(text)]
    assert quotes == [
        "Speaker A (01:48): We ship on Friday.",
        "Speaker A (01:48): Lena owns it.",
        "Dana: Fine by me.",
    ]


@pytest.mark.parametrize(
    ("text", "question", "context"),
    [
        ("Who?", "Who?", ""),
        ("Context is below.\nText here.\nQuery: Who shipped?\nAnswer: ", "Who shipped?", "Context is below.\nText here."),
        ("Question: Who shipped?", "Who shipped?", ""),
        ("Some text.\n\nMore text.\n\nWho shipped?", "Who shipped?", "Some text.\n\nMore text."),
        ("Summarise this:\n\nSome text.\n\nMore text.", "Summarise this:", "Some text.\n\nMore text."),
        ("Summarise this:\nSome text.", "Summarise this:", "Some text."),
        ("One line.\nAnother line.", "One line.\nAnother line.", ""),
    ],
)  # fmt: skip
def test_split_question(text: str, question: str, context: str) -> None:
    assert split_question(text) == (question, context)


@pytest.mark.parametrize(
    ("question", "summary"),
    [
        ("Summarise the meeting.", True),
        ("Give me a summary", True),
        ("List the action items.", True),
        ("What are the key points?", True),
        ("", True),
        ("When will the mockups be ready?", False),
    ],
)
def test_summary_requests(question: str, summary: bool) -> None:
    assert is_summary_request(question) is summary


def test_a_question_gets_the_sentences_that_match_it() -> None:
    got = extract_answer("When will the sync indicator mockups be ready?", PLANNING)
    assert got == "I can have mockups for the sync indicator by next Wednesday."


def test_matches_are_quoted_in_their_original_order() -> None:
    got = extract_answer(
        "What did the customer research say about offline mode?", PLANNING
    )
    first, second = (
        "I shared the customer research summary",
        "offline mode came up in eleven of the fourteen interviews",
    )
    assert first in got
    assert second in got
    assert got.index(first) < got.index(second)


def test_nothing_matching_is_said_plainly() -> None:
    assert extract_answer("What is the weather in Paris?", PLANNING) == NO_ANSWER
    assert extract_answer("Who is it?", PLANNING) == NO_ANSWER
    assert extract_answer("Summarise.", "") == NO_ANSWER


def test_a_summary_is_representative_sentences_in_order() -> None:
    got = extract_answer("Summarise the meeting.", PLANNING)
    sentences = [s.text for s in split_sentences(PLANNING)]
    picked = [s for s in sentences if s in got]
    assert len(picked) == SUMMARY_SENTENCES
    assert " ".join(picked) == got
    assert "To recap: SSO first" in got


def test_a_summary_skips_near_duplicates() -> None:
    text = "The queue ships Friday. The queue ships Friday! Budget is fine and small."
    assert extract_answer("summary", text) == (
        "The queue ships Friday. Budget is fine and small."
    )


def test_ties_go_to_the_earlier_sentence() -> None:
    text = "Lena owns sync. Marcus owns sync. Sam owns sync. Ana owns sync."
    assert extract_answer("Who owns sync?", text) == (
        "Lena owns sync. Marcus owns sync. Sam owns sync."
    )


def test_quotes_carry_speakers_one_per_line() -> None:
    text = "Alice: We ship on Friday.\nBob: The budget is fine.\nAlice: Friday it is."
    assert extract_answer("What about Friday?", text) == (
        "Alice: We ship on Friday.\nAlice: Friday it is."
    )


# -- when the model extracts (rule 4) and when it echoes (rule 5) ------------------------


def content(
    request: dict[str, Any], messages: list[dict[str, Any]] | None = None
) -> str:
    messages = request["messages"] if messages is None else messages
    result = answer(request, messages, b"seed")
    assert result.content is not None
    return result.content


def ask(*messages: tuple[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "model": "gpt-5",
        "messages": [{"role": r, "content": c} for r, c in messages],
        **extra,
    }


def test_a_short_prompt_without_context_is_echoed() -> None:
    assert content(ask(("user", "Hello"))) == "Echo: Hello"
    request = ask(("system", "You are a helpful assistant."), ("user", "Hello"))
    assert content(request) == "Echo: Hello"


def test_an_injected_transcript_is_answered_from_whatever_its_length() -> None:
    request = ask(
        ("system", "Be brief."),
        ("user", f"Transcript:\n{TRANSCRIPT_TAG}\n\nWho shipped the queue?"),
        transcript_id="t",
    )
    injected = inject_transcript(request["messages"], "Dana shipped the queue. Ok.")
    assert content(request, injected) == "Dana shipped the queue."
    summary = ask(("user", f"Summarise: {TRANSCRIPT_TAG}"), transcript_id="t")
    injected = inject_transcript(summary["messages"], "Hello team. Hi there.")
    assert content(summary, injected) == "Hello team. Hi there."


def test_a_tag_without_an_injection_is_no_context() -> None:
    request = ask(("user", f"x {TRANSCRIPT_TAG}"), transcript_id="t")
    assert content(request) == f"Echo: x {TRANSCRIPT_TAG}"


def test_system_context_counts_once_long_enough() -> None:
    assert len(CONTEXT.split()) >= CONTEXT_MIN_WORDS
    request = ask(("system", CONTEXT), ("user", "Who owns the payments migration?"))
    assert content(request) == (
        "Marcus owns the payments migration and will ship it in March."
    )
    short = " ".join(CONTEXT.split()[: CONTEXT_MIN_WORDS - 1])
    request = ask(("system", short), ("user", "Who owns the payments migration?"))
    assert content(request) == "Echo: Who owns the payments migration?"


def test_inline_passages_count_when_clearly_longer_than_the_question() -> None:
    rag = f"Context information is below.\n---\n{CONTEXT}\n---\nQuery: When is the offsite?\nAnswer: "
    assert content(ask(("user", rag))) == (
        "The offsite moved to the second week of June because the venue was booked."
    )
    long_question = f"{CONTEXT}\n\nWhen is the offsite?"
    assert content(ask(("user", long_question))).startswith("The offsite moved")
    padded = f"{CONTEXT} {CONTEXT} {CONTEXT}"
    chatty = f"Tell me about this. {padded}\n\nAnd this: {CONTEXT}"
    assert content(ask(("user", chatty))) == f"Echo: {chatty}"


def test_scripted_rules_still_come_first() -> None:
    tools = [{"type": "function", "function": {"name": "get_budget"}}]
    request = ask(("system", CONTEXT), ("user", "Call get_budget"), tools=tools)
    assert answer(request, request["messages"], b"s").tool_calls
    tool_turn = [*request["messages"], {"role": "tool", "content": "42"}]
    assert content(request, tool_turn) == "Tool results: 42"
    schema = {
        "type": "json_schema",
        "json_schema": {"name": "x", "schema": {"type": "integer"}},
    }
    structured = ask(("system", CONTEXT), ("user", "Who?"), response_format=schema)
    assert content(structured) == "3"


def test_stop_and_max_tokens_cut_extracted_answers() -> None:
    request = ask(("system", CONTEXT), ("user", "Who owns the payments migration?"))
    assert content({**request, "max_tokens": 3}) == "Marcus owns the"
    result = answer({**request, "stop": ["will"]}, request["messages"], b"s")
    assert result.content == "Marcus owns the payments migration and "
    assert result.finish == "stop_sequence"
