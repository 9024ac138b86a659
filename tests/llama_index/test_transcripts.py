"""Transcripts by reference through LlamaIndex templates, indexes and agents.

Every test reads the emulator's request log: the chat request must carry
`transcript_id` at the top level, exactly one exact `{{ transcript }}` tag, and
no reference text; and no transcript may be downloaded (no `/v2` request).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from llama_index.core import SummaryIndex
from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.prompts import (
    ChatPromptTemplate,
    PromptTemplate,
    RichPromptTemplate,
)
from llama_index.core.tools import FunctionTool, QueryEngineTool

from aai_gateway.testing import MEETING_IDS
from llama_index_aai_gateway import (
    TRANSCRIPT_TAG,
    AssemblyAI,
    AssemblyAITranscriptReader,
    TranscriptQueryEngine,
    transcript_ref,
)
from tests.conftest import TEST_KEY, rest_paths
from tests.llama_index.conftest import (
    REF_PREFIX,
    assert_by_reference,
    chat_bodies,
)

pytestmark = pytest.mark.e2e

T = TypeVar("T")
SUPPORT = MEETING_IDS["support_call"]
PLANNING = MEETING_IDS["product_planning"]
OPENING = "Thank you for calling Northwind support"


@pytest.fixture
def options(emulator_server: Any, emulator: Any) -> dict[str, Any]:
    server = emulator_server[1]
    return {
        "api_key": TEST_KEY,
        "base_url": server.base_url,
        "transcript_base_url": server.rest_base_url,
    }


@pytest.fixture
def llm(options: dict[str, Any]) -> Iterator[AssemblyAI]:
    llm = AssemblyAI(**options)
    yield llm
    llm.close()


@pytest.fixture
def inline_llm(options: dict[str, Any]) -> Iterator[AssemblyAI]:
    llm = AssemblyAI(inline_transcripts=True, **options)
    yield llm
    llm.close()


def run(llm: AssemblyAI, coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` in a fresh loop, closing the pool `llm` opened on it."""

    async def main() -> T:
        try:
            return await coro
        finally:
            await llm.aclose()

    return asyncio.run(main())


def assert_one_request_by_reference(emulator: Any, transcript_id: str) -> None:
    (body,) = chat_bodies(emulator)
    assert_by_reference(body, transcript_id)
    assert rest_paths(emulator) == []


# -- prompt templates ------------------------------------------------------------------


def test_prompt_template(llm: AssemblyAI, emulator: Any, mode: str) -> None:
    prompt = PromptTemplate("{meeting}\n\nWho answered the call?")
    ref = transcript_ref(SUPPORT)
    if mode == "sync":
        answer = llm.predict(prompt, meeting=ref)
    else:
        answer = run(llm, llm.apredict(prompt, meeting=ref))
    # The emulator quotes the transcript it injected.
    assert answer.startswith(OPENING)
    assert_one_request_by_reference(emulator, SUPPORT)
    (body,) = chat_bodies(emulator)
    assert body["messages"] == [
        {"role": "user", "content": f"{TRANSCRIPT_TAG}\n\nWho answered the call?"}
    ]


def test_chat_prompt_template(llm: AssemblyAI, emulator: Any, mode: str) -> None:
    prompt = ChatPromptTemplate(
        message_templates=[
            ChatMessage(role=MessageRole.SYSTEM, content="Answer from the call."),
            ChatMessage(role=MessageRole.USER, content="{meeting}\n\nQ: {question}"),
        ]
    )
    values = {"meeting": transcript_ref(SUPPORT), "question": "Who took the call?"}
    if mode == "sync":
        answer = llm.predict(prompt, **values)
    else:
        answer = run(llm, llm.apredict(prompt, **values))
    assert answer.startswith(OPENING)
    assert_one_request_by_reference(emulator, SUPPORT)
    (body,) = chat_bodies(emulator)
    assert body["messages"][0] == {"role": "system", "content": "Answer from the call."}
    assert (
        body["messages"][1]["content"] == f"{TRANSCRIPT_TAG}\n\nQ: Who took the call?"
    )


def test_rich_prompt_template(llm: AssemblyAI, emulator: Any) -> None:
    prompt = RichPromptTemplate("Meeting: {{ meeting }}\nWho joined the session?")
    answer = llm.predict(prompt, meeting=transcript_ref(PLANNING))
    assert "Q3" in answer
    assert_one_request_by_reference(emulator, PLANNING)


def test_streaming_resolves_references(
    llm: AssemblyAI, emulator: Any, mode: str
) -> None:
    prompt = f"{transcript_ref(SUPPORT)} Who took the call?"
    if mode == "sync":
        texts = [r.text for r in llm.stream_complete(prompt)]
    else:

        async def collect() -> list[str]:
            return [r.text async for r in await llm.astream_complete(prompt)]

        texts = run(llm, collect())
    assert len(texts) > 3
    assert texts[-1].startswith(OPENING)
    assert_one_request_by_reference(emulator, SUPPORT)


def test_later_references_become_a_pointer(llm: AssemblyAI, emulator: Any) -> None:
    ref = transcript_ref(SUPPORT)
    llm.chat(
        [
            ChatMessage(role=MessageRole.USER, content=f"{ref} Summarise."),
            ChatMessage(role=MessageRole.USER, content=f"Now quote {ref}."),
        ]
    )
    (body,) = chat_bodies(emulator)
    assert_by_reference(body, SUPPORT)
    assert body["messages"][1]["content"] == (
        "Now quote (the meeting transcript given above)."
    )


def test_a_bound_transcript_must_agree(llm: AssemblyAI, emulator: Any) -> None:
    llm.with_transcript(SUPPORT).complete(f"{transcript_ref(SUPPORT)} Who?")
    assert_one_request_by_reference(emulator, SUPPORT)
    emulator.reset()
    with pytest.raises(ValueError, match="pass one or the other"):
        llm.with_transcript(PLANNING).complete(f"{transcript_ref(SUPPORT)} Who?")
    assert emulator.requests == []


# -- a SummaryIndex query engine over reference documents -----------------------------


def test_summary_index_over_reference_documents(
    llm: AssemblyAI, emulator_server: Any, emulator: Any, mode: str
) -> None:
    reader = AssemblyAITranscriptReader(
        [SUPPORT], transcript_base_url="http://127.0.0.1:9"
    )
    engine = SummaryIndex.from_documents(reader.load_data()).as_query_engine(llm=llm)
    question = "Who answered the call?"
    if mode == "sync":
        response = engine.query(question)
    else:
        response = run(llm, engine.aquery(question))
    assert OPENING in str(response)
    assert_one_request_by_reference(emulator, SUPPORT)
    (body,) = chat_bodies(emulator)
    sent = str(body["messages"])
    assert f"transcript_id: {SUPPORT}" in sent  # the LLM metadata rides along
    assert "Query: Who answered the call?" in sent


# -- agents ----------------------------------------------------------------------------


def magic_function(input: int) -> int:
    """Apply a magic function to an input."""
    return input + 2


def test_function_agent_keeps_the_reference_on_every_turn(
    llm: AssemblyAI, emulator: Any
) -> None:
    agent = FunctionAgent(tools=[FunctionTool.from_defaults(magic_function)], llm=llm)
    question = f"{transcript_ref(SUPPORT)}\n\nWhat is magic_function(4)?"

    async def ask() -> tuple[str, list[Any]]:
        handler = agent.run(user_msg=question)
        events = [e async for e in handler.stream_events()]
        return str(await handler), events

    answer, events = run(llm, ask())
    assert answer == "Tool results: 6"
    [result] = [e for e in events if isinstance(e, ToolCallResult)]
    assert result.tool_kwargs == {"input": 4}
    bodies = chat_bodies(emulator)
    assert len(bodies) == 2
    for body in bodies:
        assert_by_reference(body, SUPPORT)
    assert rest_paths(emulator) == []


def test_function_agent_asks_meetings_through_query_engine_tools(
    llm: AssemblyAI, emulator: Any
) -> None:
    tools: list[Any] = [
        QueryEngineTool.from_defaults(
            TranscriptQueryEngine(llm=llm, transcript_id=transcript_id),
            name=name,
            description=f"Answers questions about the {name} meeting.",
        )
        for name, transcript_id in (("support", SUPPORT), ("planning", PLANNING))
    ]
    agent = FunctionAgent(tools=tools, llm=llm, streaming=False)

    async def ask() -> str:
        return str(
            await agent.run(user_msg='Ask planning "What was decided about Q3?"')
        )

    answer = run(llm, ask())
    assert "Q3" in str(answer)
    first, tool_call, last = chat_bodies(emulator)
    assert "transcript_id" not in first
    assert "transcript_id" not in last
    assert_by_reference(tool_call, PLANNING)
    assert REF_PREFIX not in str(last)
    assert rest_paths(emulator) == []


# -- several transcripts ---------------------------------------------------------------


def test_two_transcripts_are_refused_naming_the_alternatives(
    llm: AssemblyAI, emulator: Any
) -> None:
    both = f"Compare {transcript_ref(SUPPORT)} with {transcript_ref(PLANNING)}."
    with pytest.raises(ValueError, match="one per request") as caught:
        llm.complete(both)
    assert "map-reduce" in str(caught.value)
    assert emulator.requests == []


def test_inline_transcripts_reports_what_was_inlined(
    inline_llm: AssemblyAI, emulator: Any, mode: str
) -> None:
    llm = inline_llm
    both = f"Compare {transcript_ref(SUPPORT)} with {transcript_ref(PLANNING)}."
    answer = llm.complete(both) if mode == "sync" else run(llm, llm.acomplete(both))
    assert answer.additional_kwargs["inlined_transcripts"] == [PLANNING]
    (body,) = chat_bodies(emulator)
    assert_by_reference(body, SUPPORT)
    assert "Q3" in body["messages"][0]["content"]
    assert rest_paths(emulator) == [f"/v2/transcript/{PLANNING}"]


def test_inline_transcripts_in_a_stream(
    inline_llm: AssemblyAI, emulator: Any, mode: str
) -> None:
    both = f"Compare {transcript_ref(SUPPORT)} with {transcript_ref(PLANNING)}."
    if mode == "sync":
        *_, last = inline_llm.stream_complete(both)
    else:

        async def collect() -> list[Any]:
            return [r async for r in await inline_llm.astream_complete(both)]

        *_, last = run(inline_llm, collect())
    assert last.additional_kwargs["inlined_transcripts"] == [PLANNING]
    support = emulator.transcripts[SUPPORT]["text"]
    assert last.text.split(". ")[0] in support  # quoted from the injected call
    assert_by_reference(chat_bodies(emulator)[0], SUPPORT)


def test_no_inlined_transcripts_key_when_nothing_was_inlined(llm: AssemblyAI) -> None:
    answer = llm.complete(f"{transcript_ref(SUPPORT)} Who?")
    assert "inlined_transcripts" not in answer.additional_kwargs


# -- measured: by reference against inline --------------------------------------------


def test_by_reference_sends_20x_fewer_bytes_and_downloads_nothing(
    llm: AssemblyAI, emulator_server: Any, emulator: Any
) -> None:
    prompt = ChatPromptTemplate(
        message_templates=[
            ChatMessage(
                role=MessageRole.SYSTEM,
                content="Answer questions about the meeting. Cite speakers.",
            ),
            ChatMessage(
                role=MessageRole.USER,
                content="Meeting:\n{meeting}\n\nQuestion: {question}",
            ),
        ]
    )
    question = "Which teams owe a proposal by Friday, and who owns each one?"
    # A two-hour meeting, as real meetings are; the short ones are a few minutes.
    meeting = MEETING_IDS["quarterly_review"]
    by_reference = llm.predict(
        prompt, meeting=transcript_ref(meeting), question=question
    )
    (sent_by_reference,) = emulator.requests
    assert rest_paths(emulator) == []
    (text,) = AssemblyAITranscriptReader(
        [meeting],
        mode="text",
        api_key=TEST_KEY,
        transcript_base_url=emulator_server[1].rest_base_url,
    ).load_data()
    emulator.reset()
    inline = llm.predict(prompt, meeting=text.text, question=question)
    (sent_inline,) = emulator.requests
    assert inline == by_reference  # the same question, the same answer
    ratio = len(sent_inline.body) / len(sent_by_reference.body)
    assert ratio >= 20, (len(sent_by_reference.body), len(sent_inline.body))
