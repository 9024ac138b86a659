"""`AssemblyAI` end to end against the gateway emulator over real sockets."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.memory import ChatMemoryBuffer
from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel

from aai_gateway.testing import MEETING_IDS
from llama_index_aai_gateway import AssemblyAI
from tests.llama_index.conftest import Caller, WordHashEmbedding, run_closing

pytestmark = pytest.mark.e2e

QUESTION = [ChatMessage(role="user", content="What did we decide?")]


def test_chat_and_complete(call: Caller, live_llm: AssemblyAI) -> None:
    assert call.chat(live_llm, QUESTION).message.content == "Echo: What did we decide?"
    response = call.complete(live_llm, "Say hi")
    assert response.text == "Echo: Say hi"
    assert response.additional_kwargs["input_tokens"] >= 1
    assert dict(response.raw or {})["usage"]["completion_tokens"] >= 1


def test_streams(call: Caller, live_llm: AssemblyAI, emulator: Any) -> None:
    chunks = call.stream_chat(live_llm, QUESTION)
    assert len(chunks) > 2
    assert chunks[-1].message.content == "Echo: What did we decide?"
    assert "".join(c.delta or "" for c in chunks) == "Echo: What did we decide?"
    assert chunks[-1].additional_kwargs["total_tokens"] >= 1
    completions = call.stream_complete(live_llm, "one two")
    assert completions[-1].text == "Echo: one two"
    assert all(r.json["stream"] is True for r in emulator.requests)


def test_a_model_that_cannot_stream_still_streams_one_chunk(
    call: Caller, emulator_url: str
) -> None:
    llm = AssemblyAI(api_key="test-key", base_url=emulator_url, model="gpt-oss-20b")
    try:
        chunks = call.stream_chat(llm, QUESTION)
    finally:
        llm.close()
    assert [c.message.content for c in chunks] == ["Echo: What did we decide?"]


def test_one_llm_across_successive_event_loops(live_llm: AssemblyAI) -> None:
    async def ask() -> str:
        gen = await live_llm.astream_chat(QUESTION)
        last = [r async for r in gen][-1]
        answer = await live_llm.achat(QUESTION)
        assert last.message.content == answer.message.content
        return answer.message.content or ""

    # Each loop gets (and closes) its own pool; a client cached from the first loop
    # would fail in the second with "Event loop is closed" or "client has been closed".
    assert run_closing(live_llm, ask()) == "Echo: What did we decide?"
    assert run_closing(live_llm, ask()) == "Echo: What did we decide?"


@pytest.mark.filterwarnings(
    "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
)
def test_a_pool_left_open_on_a_finished_loop_does_not_break_the_next(
    live_llm: AssemblyAI,
) -> None:
    # LlamaIndex's sync facades run coroutines in throwaway loops and close nothing;
    # the LLM must then start a fresh pool on the next loop, not reuse the dead one.
    assert asyncio.run(live_llm.achat(QUESTION)).message.content
    assert run_closing(live_llm, live_llm.achat(QUESTION)).message.content
    gc.collect()  # the abandoned pool's sockets are reported here, not in a later test


def test_max_tokens_cuts_the_answer(call: Caller, emulator_url: str) -> None:
    llm = AssemblyAI(api_key="test-key", base_url=emulator_url, max_tokens=2)
    try:
        response = call.chat(llm, QUESTION)
    finally:
        llm.close()
    assert response.message.content == "Echo: What"
    assert response.additional_kwargs["finish_reason"] == "length"


class Meeting(BaseModel):
    """What a meeting decided."""

    title: str
    attendees: int


def test_structured_predict(mode: str, live_llm: AssemblyAI, emulator: Any) -> None:
    prompt = PromptTemplate("Describe the meeting about {topic} with 4 attendees.")
    if mode == "sync":
        meeting = live_llm.structured_predict(Meeting, prompt, topic="pricing")
    else:
        meeting = run_closing(
            live_llm, live_llm.astructured_predict(Meeting, prompt, topic="pricing")
        )
    assert isinstance(meeting, Meeting)
    assert meeting.attendees == 4
    assert emulator.requests[-1].json["tool_choice"] == {
        "type": "function",
        "function": {"name": "Meeting"},
    }


def test_structured_predict_with_json_schema(
    call: Caller, emulator_url: str, emulator: Any
) -> None:
    llm = AssemblyAI(
        api_key="test-key", base_url=emulator_url, structured_output_mode="json_schema"
    )
    prompt = PromptTemplate("Describe the meeting about {topic}.")
    try:
        if call.mode == "sync":
            meeting = llm.structured_predict(Meeting, prompt, topic="pricing")
        else:
            meeting = run_closing(
                llm, llm.astructured_predict(Meeting, prompt, topic="pricing")
            )
    finally:
        llm.close()
    assert isinstance(meeting, Meeting)
    assert (
        emulator.requests[-1].json["response_format"]["json_schema"]["name"]
        == "Meeting"
    )


def test_stream_structured_predict(mode: str, live_llm: AssemblyAI) -> None:
    prompt = PromptTemplate("Describe the meeting about {topic} with 4 attendees.")
    if mode == "sync":
        results = list(
            live_llm.stream_structured_predict(Meeting, prompt, topic="pricing")
        )
    else:

        async def collect() -> list[Any]:
            gen = await live_llm.astream_structured_predict(
                Meeting, prompt, topic="pricing"
            )
            return [r async for r in gen]

        results = run_closing(live_llm, collect())
    assert isinstance(results[-1], Meeting)
    assert results[-1].attendees == 4


def test_transcript_question_by_reference(
    call: Caller, live_llm: AssemblyAI, emulator: Any
) -> None:
    transcript_id = MEETING_IDS["support_call"]
    text = emulator.transcripts[transcript_id]["text"]
    response = call.complete(
        live_llm, "Summarize: {{ transcript }}", transcript_id=transcript_id
    )
    assert response.text.split(". ")[0] in text  # a summary quoted from the call
    bound = live_llm.with_transcript(transcript_id)
    chunks = call.stream_complete(bound, "Who called? {{ transcript }}")
    assert chunks[-1].text.startswith("Thank you for calling Northwind")


def meeting_documents(emulator: Any) -> list[Document]:
    """The emulator's bundled meeting transcripts as documents (small, flat metadata)."""
    names = ["support_call", "product_planning", "incident_review", "hiring_debrief"]
    return [
        Document(
            text=emulator.transcripts[MEETING_IDS[name]]["text"],
            id_=MEETING_IDS[name],
            metadata={"meeting": name, "transcript_id": MEETING_IDS[name]},
        )
        for name in names
    ]


@pytest.fixture
def index(live_llm: AssemblyAI, emulator: Any) -> Any:
    # LlamaIndex's sync token estimate calls `asyncio.get_event_loop()`, which makes a
    # loop it never closes; hand it one that is closed after the test.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    embed = WordHashEmbedding()
    previous = (Settings._llm, Settings._embed_model)
    Settings.llm, Settings.embed_model = live_llm, embed
    try:
        yield VectorStoreIndex.from_documents(
            meeting_documents(emulator), embed_model=embed
        )
    finally:
        Settings._llm, Settings._embed_model = previous
        asyncio.set_event_loop(None)
        loop.close()


def test_query_engine_over_meeting_transcripts(
    mode: str, index: Any, live_llm: AssemblyAI, emulator: Any
) -> None:
    engine = index.as_query_engine(similarity_top_k=1)
    question = "When did the error rate alert fire during the checkout outage?"
    if mode == "sync":
        response = engine.query(question)
    else:
        response = run_closing(live_llm, engine.aquery(question))
    assert response.source_nodes[0].node.metadata["meeting"] == "incident_review"
    # The scripted model echoes the prompt, so the retrieved text is in the answer.
    assert "error rate alert fired at two seventeen" in str(response)
    assert "Northwind support" not in str(response)
    messages = emulator.requests[-1].json["messages"]
    assert [m["role"] for m in messages] == ["system", "user"]


def test_streaming_query_engine(index: Any) -> None:
    engine = index.as_query_engine(similarity_top_k=1, streaming=True)
    response = engine.query("Is Tomás Rivera a hire for the senior backend role?")
    text = "".join(response.response_gen)
    assert response.source_nodes[0].node.metadata["meeting"] == "hiring_debrief"
    assert "Tomás Rivera for the senior backend engineer role" in text


def test_condense_plus_context_chat_engine(
    mode: str, index: Any, live_llm: AssemblyAI, emulator: Any
) -> None:
    # An explicit buffer: the default `Memory` opens an aiosqlite store it never closes.
    memory = ChatMemoryBuffer.from_defaults(llm=live_llm)
    assert memory.token_limit == int(200_000 * 0.75)  # from the model's real window
    engine = index.as_chat_engine(
        chat_mode="condense_plus_context", similarity_top_k=1, memory=memory
    )
    first = "What did the Q3 planning session for the mobile app find in interviews?"
    follow_up = "And how many of the customer interviews mentioned offline mode?"
    if mode == "sync":
        engine.chat(first)
        text = "".join(engine.stream_chat(follow_up).response_gen)
    else:

        async def talk() -> str:
            await engine.achat(first)
            streamed = await engine.astream_chat(follow_up)
            return "".join([t async for t in streamed.async_response_gen()])

        text = run_closing(live_llm, talk())
    assert "offline mode came up in eleven of the fourteen interviews" in text
    # The answer call carries the retrieved meeting in its system prompt.
    last = emulator.requests[-1].json["messages"]
    assert last[0]["role"] == "system"
    assert (
        "offline mode came up in eleven of the fourteen interviews"
        in last[0]["content"]
    )
    assert [m["role"] for m in last[1:]] == ["user", "assistant", "user"]


def test_query_engine_with_a_transcript_bound_llm(
    index: Any, live_llm: AssemblyAI, emulator: Any
) -> None:
    transcript_id = MEETING_IDS["incident_review"]
    template = PromptTemplate(
        "Meeting transcript:\n{{ transcript }}\n\nNotes:\n{context_str}\n\n"
        "Question: {query_str}\nAnswer:"
    )
    engine = index.as_query_engine(
        llm=live_llm.with_transcript(transcript_id),
        text_qa_template=template,
        similarity_top_k=1,
    )
    response = engine.query("What caused the checkout outage?")
    sent = emulator.requests[-1].json
    assert sent["transcript_id"] == transcript_id
    [message] = [m for m in sent["messages"] if "{{ transcript }}" in m["content"]]
    assert message["content"].count("{{ transcript }}") == 1
    assert emulator.transcripts[transcript_id]["text"][:60] in str(response)


def test_starter_agent_with_a_plain_function(live_llm: AssemblyAI) -> None:
    from llama_index.core.agent.workflow import AgentStream, FunctionAgent

    def multiply(a: float, b: float) -> float:
        """Useful for multiplying two numbers."""
        return a * b

    agent = FunctionAgent(
        tools=[multiply],
        llm=live_llm,
        system_prompt="You are a helpful assistant that can multiply two numbers.",
    )

    async def run() -> tuple[str, str]:
        handler = agent.run("Use multiply: what is 3 times 3?")
        deltas = [
            e.delta async for e in handler.stream_events() if isinstance(e, AgentStream)
        ]
        return str(await handler), "".join(deltas)

    answer, streamed = run_closing(live_llm, run())
    assert answer == "Tool results: 9"
    assert streamed.endswith("Tool results: 9")
