"""`AssemblyAI` end to end against the gateway emulator over real sockets."""

from __future__ import annotations

from typing import Any

import pytest
from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.base.llms.types import ChatMessage
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
    assert response.raw["usage"]["completion_tokens"] >= 1


def test_streams(call: Caller, live_llm: AssemblyAI, emulator: Any) -> None:
    chunks = call.stream_chat(live_llm, QUESTION)
    assert len(chunks) > 2
    assert chunks[-1].message.content == "Echo: What did we decide?"
    assert "".join(c.delta or "" for c in chunks) == "Echo: What did we decide?"
    assert chunks[-1].additional_kwargs["total_tokens"] >= 1
    completions = call.stream_complete(live_llm, "one two")
    assert completions[-1].text == "Echo: one two"
    assert all(r.json["stream"] is True for r in emulator.requests)


def test_a_model_that_cannot_stream_still_streams_one_chunk(call: Caller, emulator_url: str) -> None:
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
        meeting = run_closing(live_llm, live_llm.astructured_predict(Meeting, prompt, topic="pricing"))
    assert isinstance(meeting, Meeting)
    assert meeting.attendees == 4
    assert emulator.requests[-1].json["tool_choice"] == {"type": "function", "function": {"name": "Meeting"}}


def test_stream_structured_predict(mode: str, live_llm: AssemblyAI) -> None:
    prompt = PromptTemplate("Describe the meeting about {topic} with 4 attendees.")
    if mode == "sync":
        results = list(live_llm.stream_structured_predict(Meeting, prompt, topic="pricing"))
    else:

        async def collect() -> list[Any]:
            gen = await live_llm.astream_structured_predict(Meeting, prompt, topic="pricing")
            return [r async for r in gen]

        results = run_closing(live_llm, collect())
    assert isinstance(results[-1], Meeting)
    assert results[-1].attendees == 4


def test_transcript_question_by_reference(call: Caller, live_llm: AssemblyAI, emulator: Any) -> None:
    transcript_id = MEETING_IDS["support_call"]
    text = emulator.transcripts[transcript_id]["text"]
    response = call.complete(live_llm, "Summarize: {{ transcript }}", transcript_id=transcript_id)
    assert response.text == f"Echo: Summarize: {text}"
    bound = live_llm.for_transcript(transcript_id)
    chunks = call.stream_complete(bound, "Who called? {{ transcript }}")
    assert chunks[-1].text.startswith("Echo: Who called? Thank you for calling Northwind")


MEETING_NOTES = [
    Document(text="The product planning meeting chose to ship the mobile app redesign in October.", id_="planning"),
    Document(text="The incident review found the database failover took eleven minutes to complete.", id_="incident"),
    Document(text="The hiring debrief agreed to extend an offer to the senior backend candidate.", id_="hiring"),
]


@pytest.fixture
def index(live_llm: AssemblyAI) -> Any:
    embed = WordHashEmbedding()
    previous = (Settings._llm, Settings._embed_model)
    Settings.llm, Settings.embed_model = live_llm, embed
    try:
        yield VectorStoreIndex.from_documents(MEETING_NOTES, embed_model=embed)
    finally:
        Settings._llm, Settings._embed_model = previous


def test_query_engine_over_meeting_notes(mode: str, index: Any, live_llm: AssemblyAI, emulator: Any) -> None:
    engine = index.as_query_engine(similarity_top_k=1)
    question = "How long did the database failover take?"
    if mode == "sync":
        response = engine.query(question)
    else:
        response = run_closing(live_llm, engine.aquery(question))
    assert response.source_nodes[0].node.node_id.startswith("incident") or "incident" in response.source_nodes[0].node.ref_doc_id
    # The scripted model echoes the prompt, so the retrieved text must be in the answer.
    assert "eleven minutes" in str(response)
    assert "mobile app" not in str(response)
    system = emulator.requests[-1].json["messages"][0]
    assert system["role"] == "system"


def test_streaming_query_engine(index: Any) -> None:
    engine = index.as_query_engine(similarity_top_k=1, streaming=True)
    response = engine.query("Who gets the offer from the hiring debrief?")
    text = "".join(response.response_gen)
    assert "senior backend candidate" in text


def test_condense_plus_context_chat_engine(mode: str, index: Any, live_llm: AssemblyAI, emulator: Any) -> None:
    engine = index.as_chat_engine(chat_mode="condense_plus_context", similarity_top_k=1)
    if mode == "sync":
        engine.chat("When does the mobile app redesign ship?")
        streamed = engine.stream_chat("And what did the product planning meeting choose?")
        text = "".join(streamed.response_gen)
    else:

        async def talk() -> str:
            await engine.achat("When does the mobile app redesign ship?")
            streamed = await engine.astream_chat("And what did the product planning meeting choose?")
            return "".join([t async for t in streamed.async_response_gen()])

        text = run_closing(live_llm, talk())
    assert text == "Echo: And what did the product planning meeting choose?"
    # The answer call carries the retrieved meeting notes in its system prompt.
    last = emulator.requests[-1].json["messages"]
    assert last[0]["role"] == "system"
    assert "ship the mobile app redesign in October" in last[0]["content"]
    assert [m["role"] for m in last[1:]] == ["user", "assistant", "user"]
