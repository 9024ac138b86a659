"""Transcripts by reference through LangChain chains and agents, against the emulator.

Every test reads the emulator's request log: the chat request must carry
`transcript_id` at the top level, exactly one exact `{{ transcript }}` tag, and
no reference text; and no transcript may be downloaded (no `/v2` request).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate, PromptTemplate
from langchain_core.runnables import Runnable, RunnableLambda, RunnableParallel
from langchain_core.tools import tool
from pydantic import SecretStr

from aai_gateway.testing import MEETING_IDS
from langchain_aai_gateway import (
    TRANSCRIPT_TAG,
    AssemblyAILLM,
    AssemblyAITranscriptLoader,
    ChatAssemblyAI,
    transcript_ref,
)
from tests.conftest import TEST_KEY, rest_paths
from tests.langchain.conftest import (
    MODEL,
    REF_PREFIX,
    assert_by_reference,
    chat_bodies,
)

KEY = SecretStr(TEST_KEY)

pytestmark = pytest.mark.e2e

SUPPORT = MEETING_IDS["support_call"]
PLANNING = MEETING_IDS["product_planning"]
SUPPORT_OPENING = "Thank you for calling Northwind support"


async def run(runnable: Runnable[Any, Any], value: Any, mode: str) -> Any:
    """`invoke` or `ainvoke`: one test body for both."""
    if mode == "sync":
        return runnable.invoke(value)
    return await runnable.ainvoke(value)


@pytest.fixture
def options(
    emulator_server: Any,
    emulator: Any,
    sync_http: httpx.Client,
    async_http: httpx.AsyncClient,
) -> dict[str, Any]:
    server = emulator_server[1]
    return {
        "api_key": TEST_KEY,
        "base_url": server.base_url,
        "transcript_base_url": server.rest_base_url,
        "http_client": sync_http,
        "http_async_client": async_http,
    }


@pytest.fixture
def llm(options: dict[str, Any]) -> ChatAssemblyAI:
    return ChatAssemblyAI(model=MODEL, **options)


def assert_one_request_by_reference(emulator: Any, transcript_id: str) -> None:
    (body,) = chat_bodies(emulator)
    assert_by_reference(body, transcript_id)
    assert rest_paths(emulator) == []


# -- prompt templates ------------------------------------------------------------------


async def test_fstring_chat_prompt_template(
    llm: ChatAssemblyAI, emulator: Any, mode: str
) -> None:
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "Answer from the call."),
            ("human", "{meeting}\n\nWho answered the call?"),
        ]
    )
    chain = prompt | llm | StrOutputParser()
    answer = await run(chain, {"meeting": transcript_ref(SUPPORT)}, mode)
    # The emulator quotes the transcript it injected.
    assert answer.startswith(SUPPORT_OPENING)
    assert_one_request_by_reference(emulator, SUPPORT)
    assert chat_bodies(emulator)[0]["messages"][1]["content"] == (
        f"{TRANSCRIPT_TAG}\n\nWho answered the call?"
    )


async def test_mustache_chat_prompt_template(
    llm: ChatAssemblyAI, emulator: Any, mode: str
) -> None:
    prompt = ChatPromptTemplate.from_messages(
        [("human", "Meeting: {{meeting}}\nQuestion: {{question}}")],
        template_format="mustache",
    )
    chain = prompt | llm | StrOutputParser()
    value = {"meeting": transcript_ref(PLANNING), "question": "Who joined the session?"}
    answer = await run(chain, value, mode)
    assert "Q3" in answer
    assert_one_request_by_reference(emulator, PLANNING)


async def test_llm_prompt_template(
    options: dict[str, Any], emulator: Any, mode: str
) -> None:
    llm = AssemblyAILLM(model=MODEL, **options)
    chain = PromptTemplate.from_template("{meeting} Who took the call?") | llm
    answer = await run(chain, {"meeting": transcript_ref(SUPPORT)}, mode)
    assert answer.startswith(SUPPORT_OPENING)
    (body,) = chat_bodies(emulator)
    assert body["messages"] == [
        {"role": "user", "content": f"{TRANSCRIPT_TAG} Who took the call?"}
    ]
    assert body["transcript_id"] == SUPPORT
    assert REF_PREFIX not in str(body)


def test_streaming_resolves_references(llm: ChatAssemblyAI, emulator: Any) -> None:
    ask = f"{transcript_ref(SUPPORT)} Who took the call?"
    pieces = [c.content for c in llm.stream(ask)]
    assert len(pieces) > 3
    assert "".join(map(str, pieces)).startswith(SUPPORT_OPENING)
    assert_one_request_by_reference(emulator, SUPPORT)


def test_later_references_become_a_pointer(llm: ChatAssemblyAI, emulator: Any) -> None:
    ref = transcript_ref(SUPPORT)
    llm.invoke([HumanMessage(f"{ref} Summarise."), HumanMessage(f"Now quote {ref}.")])
    (body,) = chat_bodies(emulator)
    assert_by_reference(body, SUPPORT)
    assert body["messages"][1]["content"] == (
        "Now quote (the meeting transcript given above)."
    )


def test_a_field_transcript_id_that_agrees_is_fine(
    llm: ChatAssemblyAI, emulator: Any
) -> None:
    llm.with_transcript(SUPPORT).invoke(f"{transcript_ref(SUPPORT)} Who?")
    assert_one_request_by_reference(emulator, SUPPORT)


def test_a_field_transcript_id_that_disagrees_is_an_error(
    llm: ChatAssemblyAI, emulator: Any
) -> None:
    with pytest.raises(ValueError, match="pass one or the other"):
        llm.with_transcript(PLANNING).invoke(f"{transcript_ref(SUPPORT)} Who?")
    assert emulator.requests == []


# -- documents through a RunnableParallel ---------------------------------------------


def format_docs(docs: list[Document]) -> str:
    return "\n\n".join(d.page_content for d in docs)


async def test_runnable_parallel_formats_loaded_reference_documents(
    llm: ChatAssemblyAI, emulator_server: Any, emulator: Any, mode: str
) -> None:
    loader = AssemblyAITranscriptLoader(
        [SUPPORT],
        api_key=TEST_KEY,
        transcript_base_url=emulator_server[1].rest_base_url,
    )
    retriever: RunnableLambda[str, list[Document]] = RunnableLambda(
        lambda _question: loader.load()
    )
    prompt = ChatPromptTemplate.from_messages(
        [("human", "Context:\n{context}\n\nQuestion: {question}")]
    )
    chain = (
        RunnableParallel(
            context=retriever | format_docs, question=RunnableLambda(lambda q: q)
        )
        | prompt
        | llm
        | StrOutputParser()
    )
    answer = await run(chain, "Who answered the call?", mode)
    assert SUPPORT_OPENING in answer
    assert_one_request_by_reference(emulator, SUPPORT)


# -- agents ----------------------------------------------------------------------------


@tool
def magic_function(input: int) -> int:
    """Apply a magic function to an input."""
    return input + 2


def test_create_agent_keeps_the_reference_on_every_turn(
    llm: ChatAssemblyAI, emulator: Any
) -> None:
    from langchain.agents import create_agent

    agent = create_agent(model=llm, tools=[magic_function])
    question = f"{transcript_ref(SUPPORT)}\n\nWhat is magic_function(4)?"
    result = agent.invoke({"messages": [HumanMessage(question)]})
    assert result["messages"][-1].content == "Tool results: 6"
    bodies = chat_bodies(emulator)
    assert len(bodies) == 2
    for body in bodies:
        assert_by_reference(body, SUPPORT)
    assert rest_paths(emulator) == []
    # The agent's own state still holds the reference, not the transcript.
    assert result["messages"][0].content == question


# -- several transcripts ---------------------------------------------------------------


def test_two_transcripts_are_refused_naming_the_alternatives(
    llm: ChatAssemblyAI, emulator: Any
) -> None:
    both = f"Compare {transcript_ref(SUPPORT)} with {transcript_ref(PLANNING)}."
    with pytest.raises(ValueError, match="one per request") as caught:
        llm.invoke(both)
    assert "map-reduce" in str(caught.value)
    assert emulator.requests == []


async def test_inline_transcripts_reports_what_was_inlined(
    options: dict[str, Any], emulator: Any, mode: str
) -> None:
    llm = ChatAssemblyAI(model=MODEL, inline_transcripts=True, **options)
    both = f"Compare {transcript_ref(SUPPORT)} with {transcript_ref(PLANNING)}."
    answer = await run(llm, both, mode)
    assert isinstance(answer, AIMessage)
    assert answer.response_metadata["inlined_transcripts"] == [PLANNING]
    (body,) = chat_bodies(emulator)
    assert_by_reference(body, SUPPORT)
    assert "Q3" in body["messages"][0]["content"]
    assert rest_paths(emulator) == [f"/v2/transcript/{PLANNING}"]


def test_inline_transcripts_in_a_stream_and_the_llm(
    options: dict[str, Any], emulator: Any
) -> None:
    both = f"Compare {transcript_ref(SUPPORT)} with {transcript_ref(PLANNING)}."
    chat = ChatAssemblyAI(model=MODEL, inline_transcripts=True, **options)
    chunks = list(chat.stream(both))
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    assert isinstance(merged, AIMessageChunk)
    assert merged.response_metadata["inlined_transcripts"] == [PLANNING]
    llm = AssemblyAILLM(model=MODEL, inline_transcripts=True, **options)
    generation = llm.generate([both]).generations[0][0]
    assert generation.generation_info is not None
    assert generation.generation_info["inlined_transcripts"] == [PLANNING]


def test_no_inlined_transcripts_key_when_nothing_was_inlined(
    llm: ChatAssemblyAI,
) -> None:
    answer = llm.invoke(f"{transcript_ref(SUPPORT)} Who?")
    assert "inlined_transcripts" not in answer.response_metadata


# -- measured: by reference against inline --------------------------------------------


def test_by_reference_sends_20x_fewer_bytes_and_downloads_nothing(
    llm: ChatAssemblyAI, emulator_server: Any, emulator: Any
) -> None:
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "Answer questions about the meeting. Cite speakers."),
            ("human", "Meeting:\n{meeting}\n\nQuestion: {question}"),
        ]
    )
    chain = prompt | llm | StrOutputParser()
    question = "Which teams owe a proposal by Friday, and who owns each one?"
    # A two-hour meeting, as real meetings are; the short ones are a few minutes.
    meeting = MEETING_IDS["quarterly_review"]
    by_reference = chain.invoke(
        {"meeting": transcript_ref(meeting), "question": question}
    )
    (sent_by_reference,) = emulator.requests
    assert rest_paths(emulator) == []
    (text,) = AssemblyAITranscriptLoader(
        [meeting],
        mode="text",
        api_key=TEST_KEY,
        transcript_base_url=emulator_server[1].rest_base_url,
    ).load()
    emulator.reset()
    inline = chain.invoke({"meeting": text.page_content, "question": question})
    (sent_inline,) = emulator.requests
    assert inline == by_reference  # the same question, the same answer
    ratio = len(sent_inline.body) / len(sent_by_reference.body)
    assert ratio >= 20, (len(sent_by_reference.body), len(sent_inline.body))


def test_inline_transcripts_needs_a_rest_root_only_when_used(
    emulator_url: str, emulator: Any, sync_http: httpx.Client
) -> None:
    # No `transcript_base_url`: one transcript still goes by reference, no REST call.
    llm = ChatAssemblyAI(
        model=MODEL,
        api_key=KEY,
        base_url=emulator_url,
        http_client=sync_http,
        inline_transcripts=True,
    )
    llm.invoke(f"{transcript_ref(SUPPORT)} Who?")
    assert_one_request_by_reference(emulator, SUPPORT)


async def test_astream_resolves_references(llm: ChatAssemblyAI, emulator: Any) -> None:
    ask = f"{transcript_ref(SUPPORT)} Who took the call?"
    pieces = [c.text async for c in llm.astream(ask)]
    assert "".join(pieces).startswith(SUPPORT_OPENING)
    assert_one_request_by_reference(emulator, SUPPORT)
