"""End to end against the emulator over real sockets: chains, agents, graphs, transcripts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate, PromptTemplate
from langchain_core.tools import tool
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from aai_gateway.testing import MEETING_IDS, Fault
from langchain_aai_gateway import TRANSCRIPT_TAG, AssemblyAILLM, ChatAssemblyAI
from tests.conftest import TEST_KEY
from tests.langchain.conftest import MODEL

pytestmark = pytest.mark.e2e

SUPPORT_CALL = MEETING_IDS["support_call"]


@tool
def magic_function(input: int) -> int:
    """Apply a magic function to an input."""
    return input + 2


class Joke(BaseModel):
    """Joke to tell user."""

    setup: str = Field(description="question to set up a joke")
    punchline: str = Field(description="answer to resolve the joke")


class JokeDict(TypedDict):
    """Joke to tell user."""

    setup: str
    punchline: str


@pytest.fixture
def options(emulator_url: str, sync_http: httpx.Client) -> dict[str, Any]:
    return {"api_key": TEST_KEY, "base_url": emulator_url, "http_client": sync_http}


@pytest.fixture
def llm(options: dict[str, Any]) -> ChatAssemblyAI:
    return ChatAssemblyAI(model=MODEL, **options)


def test_lcel_chain_invoke_and_stream(llm: ChatAssemblyAI) -> None:
    chain = (
        ChatPromptTemplate.from_messages([("human", "Tell me about {topic}")])
        | llm
        | StrOutputParser()
    )
    assert chain.invoke({"topic": "cats"}) == "Echo: Tell me about cats"
    pieces = list(chain.stream({"topic": "dogs"}))
    assert len([p for p in pieces if p]) > 1
    assert "".join(pieces) == "Echo: Tell me about dogs"


async def test_lcel_chain_async(
    options: dict[str, Any], async_http: httpx.AsyncClient
) -> None:
    llm = ChatAssemblyAI(model=MODEL, http_async_client=async_http, **options)
    chain = (
        ChatPromptTemplate.from_messages([("human", "Tell me about {topic}")])
        | llm
        | StrOutputParser()
    )
    assert await chain.ainvoke({"topic": "owls"}) == "Echo: Tell me about owls"
    pieces = [p async for p in chain.astream({"topic": "bats"})]
    assert "".join(pieces) == "Echo: Tell me about bats"
    assert await chain.abatch([{"topic": "a"}, {"topic": "b"}]) == [
        "Echo: Tell me about a",
        "Echo: Tell me about b",
    ]


def test_create_agent_runs_a_tool_loop(llm: ChatAssemblyAI, emulator: Any) -> None:
    from langchain.agents import create_agent

    agent = create_agent(model=llm, tools=[magic_function])
    result = agent.invoke({"messages": [HumanMessage("What is magic_function(3)?")]})
    messages = result["messages"]
    assert isinstance(messages[1], AIMessage)
    assert messages[1].tool_calls[0]["args"] == {"input": 3}
    assert isinstance(messages[2], ToolMessage)
    assert messages[2].content == "5"
    assert messages[-1].content == "Tool results: 5"
    assert len(emulator.requests) == 2


def test_create_agent_structured_response_uses_response_format(
    llm: ChatAssemblyAI, emulator: Any
) -> None:
    from langchain.agents import create_agent

    agent = create_agent(model=llm, tools=[], response_format=Joke)
    result = agent.invoke({"messages": [HumanMessage("Tell me a joke")]})
    assert isinstance(result["structured_response"], Joke)
    assert emulator.requests[0].json["response_format"]["type"] == "json_schema"


def test_create_agent_with_retry_middleware(
    options: dict[str, Any], emulator: Any
) -> None:
    from langchain.agents import create_agent
    from langchain.agents.middleware import ModelRetryMiddleware

    emulator.add_fault(Fault(status=429))
    llm = ChatAssemblyAI(model=MODEL, max_retries=0, **options)
    agent = create_agent(
        model=llm,
        tools=[],
        middleware=[ModelRetryMiddleware(max_retries=1, initial_delay=0.01)],
    )
    result = agent.invoke({"messages": [HumanMessage("Hello")]})
    assert result["messages"][-1].content == "Echo: Hello"
    assert len(emulator.requests) == 2


def test_langgraph_streams_tokens(llm: ChatAssemblyAI) -> None:
    from langgraph.graph import START, MessagesState, StateGraph

    def call_model(state: MessagesState) -> dict[str, Any]:
        return {"messages": [llm.invoke(state["messages"])]}

    graph = (
        StateGraph(MessagesState)
        .add_node("model", call_model)
        .add_edge(START, "model")
        .compile()
    )
    tokens = [
        chunk.text
        for chunk, _meta in graph.stream(
            {"messages": [HumanMessage("one two three four")]}, stream_mode="messages"
        )
        if isinstance(chunk, AIMessageChunk) and chunk.content
    ]
    assert len(tokens) > 3
    assert "".join(tokens) == "Echo: one two three four"


def test_stream_events_v3_deliver_the_text(llm: ChatAssemblyAI) -> None:
    stream = llm.stream_events("alpha beta", version="v3")
    events = list(stream)
    assert events
    assert stream.output.text == "Echo: alpha beta"


async def test_astream_events_v2_report_tokens(
    options: dict[str, Any], async_http: httpx.AsyncClient
) -> None:
    llm = ChatAssemblyAI(model=MODEL, http_async_client=async_http, **options)
    streamed = [
        e["data"]["chunk"].content
        async for e in llm.astream_events("alpha beta", version="v2")
        if e["event"] == "on_chat_model_stream"
    ]
    assert len([s for s in streamed if s]) > 1
    assert "".join(streamed) == "Echo: alpha beta"


@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
@pytest.mark.parametrize("kind", ["pydantic", "typeddict", "json_schema"])
def test_structured_output_three_schema_kinds(
    llm: ChatAssemblyAI, method: str, kind: str
) -> None:
    schema: Any = {
        "pydantic": Joke,
        "typeddict": JokeDict,
        "json_schema": Joke.model_json_schema(),
    }[kind]
    structured = llm.with_structured_output(schema, method=method)  # type: ignore[arg-type]
    result = structured.invoke("Tell me a joke about cats")
    value = result.model_dump() if isinstance(result, Joke) else result
    assert set(value) == {"setup", "punchline"}
    partials = list(structured.stream("Tell me a joke about cats"))
    assert partials
    last = partials[-1].model_dump() if isinstance(partials[-1], Joke) else partials[-1]
    assert last == value


def test_structured_output_include_raw_and_json_repair(
    llm: ChatAssemblyAI, emulator: Any
) -> None:
    structured = llm.with_structured_output(Joke, include_raw=True, json_repair=True)
    result = structured.invoke("Tell me a joke")
    assert isinstance(result["raw"], AIMessage)
    assert isinstance(result["parsed"], Joke)
    assert result["parsing_error"] is None
    assert emulator.requests[0].json["post_processing_steps"] == [
        {"type": "json-repair"}
    ]


def test_transcript_question_by_reference(llm: ChatAssemblyAI, emulator: Any) -> None:
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "Answer from the call."),
            ("human", "{transcript}\n\nWho answered the call?"),
        ]
    ).partial(transcript=TRANSCRIPT_TAG)
    chain = prompt | llm.with_transcript(SUPPORT_CALL) | StrOutputParser()
    answer = chain.invoke({})
    assert "Northwind support" in answer  # the emulator echoes the injected transcript
    assert emulator.requests[0].json["transcript_id"] == SUPPORT_CALL


def test_transcript_tag_mangled_by_fstring_template_is_caught(
    llm: ChatAssemblyAI, emulator: Any
) -> None:
    prompt = ChatPromptTemplate.from_messages(
        [("human", "{{ transcript }} Who spoke?")]
    )
    chain = prompt | llm.with_transcript(SUPPORT_CALL)
    with pytest.raises(ValueError, match="exact tag"):
        chain.invoke({})
    assert emulator.requests == []


def test_transcript_with_tools_through_agent(
    llm: ChatAssemblyAI, emulator: Any
) -> None:
    from langchain.agents import create_agent

    agent = create_agent(
        model=llm.with_transcript(SUPPORT_CALL), tools=[magic_function]
    )
    agent.invoke(
        {"messages": [HumanMessage(f"{TRANSCRIPT_TAG} What is magic_function(4)?")]}
    )
    assert [r.json["transcript_id"] for r in emulator.requests] == [
        SUPPORT_CALL,
        SUPPORT_CALL,
    ]


def test_unknown_transcript_is_a_clear_error(llm: ChatAssemblyAI) -> None:
    import aai_gateway.errors

    with pytest.raises(aai_gateway.errors.TranscriptNotFoundError):
        llm.invoke(
            f"{TRANSCRIPT_TAG} Hi", transcript_id="00000000-0000-4000-8000-000000000000"
        )


def test_model_that_cannot_stream_streams_one_chunk(options: dict[str, Any]) -> None:
    llm = ChatAssemblyAI(model="gpt-oss-20b", **options)
    chunks = [c for c in llm.stream("all at once") if c.content]
    assert [c.content for c in chunks] == ["Echo: all at once"]


def test_llm_chain_with_transcript_streamed_and_not(
    options: dict[str, Any], emulator: Any
) -> None:
    prompt = PromptTemplate.from_template(
        "{transcript} Who answered the call?"
    ).partial(transcript=TRANSCRIPT_TAG)
    llm = AssemblyAILLM(model=MODEL, transcript_id=SUPPORT_CALL, **options)
    chain = prompt | llm | StrOutputParser()
    answer = chain.invoke({})
    assert answer.startswith("Thank you for calling Northwind support")  # quoted
    pieces = list(chain.stream({}))
    assert len(pieces) > 3
    assert "".join(pieces) == answer
    assert [r.json["messages"] for r in emulator.requests] == [
        [{"role": "user", "content": f"{TRANSCRIPT_TAG} Who answered the call?"}]
    ] * 2


async def test_llm_async(
    options: dict[str, Any], async_http: httpx.AsyncClient
) -> None:
    llm = AssemblyAILLM(model=MODEL, http_async_client=async_http, **options)
    assert await llm.ainvoke("async hello") == "Echo: async hello"
    pieces = [p async for p in llm.astream("async stream")]
    assert "".join(pieces) == "Echo: async stream"
    assert await llm.abatch(["a", "b"]) == ["Echo: a", "Echo: b"]
