"""`TranscriptQueryEngine` against the emulator: whole-meeting answers by reference."""

from __future__ import annotations

from typing import Any

import pytest
from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult
from llama_index.core.base.response.schema import (
    AsyncStreamingResponse,
    StreamingResponse,
)
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import QueryEngineTool

from aai_gateway.errors import TranscriptNotFoundError
from aai_gateway.testing import MEETING_IDS
from llama_index_aai_gateway import AssemblyAI, TranscriptQueryEngine
from tests.llama_index.conftest import run_closing

pytestmark = pytest.mark.e2e

SUPPORT = MEETING_IDS["support_call"]


def ask(engine: TranscriptQueryEngine, mode: str, question: str) -> Any:
    if mode == "sync":
        return engine.query(question)
    return run_closing(engine.llm, engine.aquery(question))


def test_answers_from_the_injected_transcript(
    mode: str, live_llm: AssemblyAI, emulator: Any
) -> None:
    engine = TranscriptQueryEngine(llm=live_llm, transcript_id=SUPPORT)
    response = ask(engine, mode, "Who called?")
    text = emulator.transcripts[SUPPORT]["text"]
    assert text.split(". ")[0] in str(response)  # quoted from the injected text
    assert "{{ transcript }}" not in str(response)
    assert response.metadata["transcript_id"] == SUPPORT
    assert response.metadata["input_tokens"] > 100
    [sent] = [r.json for r in emulator.requests]
    assert sent["transcript_id"] == SUPPORT
    assert sent["messages"][0]["content"].count("{{ transcript }}") == 1


def test_streams_and_ends_with_the_usage(
    mode: str, live_llm: AssemblyAI, emulator: Any
) -> None:
    engine = TranscriptQueryEngine(llm=live_llm, transcript_id=SUPPORT, streaming=True)
    if mode == "sync":
        streamed = engine.query("Who called?")
        assert isinstance(streamed, StreamingResponse)
        assert streamed.metadata == {"transcript_id": SUPPORT}  # nothing read yet
        text = "".join(streamed.response_gen)
    else:

        async def collect() -> tuple[str, Any]:
            response = await engine.aquery("Who called?")
            assert isinstance(response, AsyncStreamingResponse)
            assert response.metadata == {"transcript_id": SUPPORT}
            return "".join([t async for t in response.async_response_gen()]), response

        text, streamed = run_closing(live_llm, collect())
    assert text.startswith("Thank you for calling")  # the question, not the prompt
    assert "Northwind support" in text
    # Once read, the metadata has the usage and the model, as a plain `query`'s.
    metadata = streamed.metadata
    assert metadata["transcript_id"] == SUPPORT
    assert metadata["input_tokens"] > 100
    assert metadata["output_tokens"] > 0
    assert (
        metadata["total_tokens"] == metadata["input_tokens"] + metadata["output_tokens"]
    )
    assert metadata["model"] == live_llm.model


def test_a_prompt_without_the_exact_tag_is_refused(live_llm: AssemblyAI) -> None:
    with pytest.raises(ValueError, match="exact tag"):
        TranscriptQueryEngine(
            llm=live_llm,
            transcript_id=SUPPORT,
            prompt=PromptTemplate("Transcript: { transcript }\nQ: {query_str}"),
        )


def test_an_unknown_transcript_raises(mode: str, live_llm: AssemblyAI) -> None:
    engine = TranscriptQueryEngine(llm=live_llm, transcript_id="no-such-transcript")
    with pytest.raises(TranscriptNotFoundError):
        ask(engine, mode, "Who called?")


def test_an_agent_asks_a_meeting_through_a_query_engine_tool(
    live_llm: AssemblyAI, emulator: Any
) -> None:
    tool = QueryEngineTool.from_defaults(
        TranscriptQueryEngine(llm=live_llm, transcript_id=SUPPORT),
        name="support_call",
        description="Answers questions about the Northwind support call.",
    )
    agent = FunctionAgent(tools=[tool], llm=live_llm)

    async def run() -> tuple[str, list[Any]]:
        handler = agent.run('Ask support_call "Who called Northwind?"')
        events = [e async for e in handler.stream_events()]
        return str(await handler), events

    answer, events = run_closing(live_llm, run())
    [result] = [e for e in events if isinstance(e, ToolCallResult)]
    assert result.tool_kwargs == {"input": "Who called Northwind?"}
    assert "Northwind support, this is Jordan" in answer
    by_reference = [r.json for r in emulator.requests if "transcript_id" in r.json]
    assert len(by_reference) == 1
