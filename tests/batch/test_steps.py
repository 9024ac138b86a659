"""Framework steps as the per-transcript work: LangChain, LlamaIndex, plain callables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

from aai_gateway import AsyncGatewayClient, ChatCompletion, GatewayClient
from aai_gateway.batch import TranscriptBatch, read_results
from tests.batch.conftest import MODEL, Runner, Served
from tests.conftest import TEST_KEY

pytestmark = pytest.mark.e2e

Make = Callable[..., TranscriptBatch]


class Meeting(BaseModel):
    title: str
    attendees: int


def answered(batch: TranscriptBatch) -> dict[str, Any]:
    return {r["transcript_id"]: r for r in read_results(batch.out)}


def test_a_langchain_structured_output_runnable(
    run: Runner, make: Make, served: Served
) -> None:
    from langchain_core.prompts import ChatPromptTemplate

    from langchain_aai_gateway import ChatAssemblyAI

    llm = ChatAssemblyAI(
        model=MODEL, api_key=TEST_KEY, base_url=served.urls["base_url"]
    )
    chain = ChatPromptTemplate.from_messages(
        [("human", "{transcript}\n\nDescribe the meeting.")]
    ) | llm.with_structured_output(Meeting)
    batch = make(step=chain, transcript_ids=served.ids[:3])
    assert run(batch).succeeded == 3
    # By reference: each request carries its meeting's id and the tag, not its text.
    assert sorted(served.asked()) == sorted(served.ids[:3])
    for request in served.chats():
        assert request.json["messages"][0]["content"].startswith("{{ transcript }}")
        assert "release" not in request.json["messages"][0]["content"]
    for record in answered(batch).values():
        assert set(record["answer"]) == {"title", "attendees"}
        assert record["usage"] is None


def test_a_langchain_runnable_with_the_raw_message_keeps_its_usage(
    run: Runner, make: Make, served: Served
) -> None:
    from langchain_core.prompts import ChatPromptTemplate

    from langchain_aai_gateway import ChatAssemblyAI

    llm = ChatAssemblyAI(
        model=MODEL, api_key=TEST_KEY, base_url=served.urls["base_url"]
    )
    chain = ChatPromptTemplate.from_messages(
        [("human", "{transcript}\n\nDescribe the meeting.")]
    ) | llm.with_structured_output(Meeting, include_raw=True)
    batch = make(step=chain, transcript_ids=served.ids[:1])
    summary = run(batch)
    (record,) = answered(batch).values()
    assert isinstance(record["answer"]["attendees"], int)
    assert record["usage"]["input_tokens"] > 0
    assert record["request_id"]
    assert record["model"] == MODEL
    assert summary.input_tokens == record["usage"]["input_tokens"]


def test_a_langchain_chat_model_message(
    run: Runner, make: Make, served: Served
) -> None:
    from langchain_core.prompts import ChatPromptTemplate

    from langchain_aai_gateway import ChatAssemblyAI

    llm = ChatAssemblyAI(
        model=MODEL, api_key=TEST_KEY, base_url=served.urls["base_url"]
    )
    chain = (
        ChatPromptTemplate.from_messages([("human", "{transcript}\n\nWho owns it?")])
        | llm
    )
    batch = make(step=chain, transcript_ids=served.ids[:1])
    run(batch)
    (record,) = answered(batch).values()
    assert "Priya" in record["answer"]
    assert record["usage"]["total_tokens"] > 0


def test_a_llama_index_program(run: Runner, make: Make, served: Served) -> None:
    from llama_index.core.program import FunctionCallingProgram

    from llama_index_aai_gateway import AssemblyAI

    llm = AssemblyAI(model=MODEL, api_key=TEST_KEY, base_url=served.urls["base_url"])
    program = FunctionCallingProgram.from_defaults(
        output_cls=Meeting,
        prompt_template_str="{transcript}\n\nDescribe the meeting.",
        llm=llm,
    )
    batch = make(step=program, transcript_ids=served.ids[:2])
    assert run(batch).succeeded == 2
    assert sorted(served.asked()) == sorted(served.ids[:2])
    for record in answered(batch).values():
        assert set(record["answer"]) == {"title", "attendees"}


def test_callables_taking_the_transcript_id(
    run: Runner, make: Make, served: Served
) -> None:
    client = GatewayClient(api_key=TEST_KEY, base_url=served.urls["base_url"])

    def ask(transcript_id: str) -> ChatCompletion:
        return client.chat(
            {
                "model": MODEL,
                "prompt": "Who owns it? {{ transcript }}",
                "transcript_id": transcript_id,
            }
        )

    batch = make(step=ask, transcript_ids=served.ids[:2])
    assert run(batch).succeeded == 2
    record = answered(batch)[served.ids[0]]
    assert "Priya" in record["answer"]
    assert record["request_id"]
    client.close()


def test_an_async_callable(make: Make, served: Served) -> None:
    import asyncio

    async def ask(transcript_id: str) -> dict[str, str]:
        async with AsyncGatewayClient(
            api_key=TEST_KEY, base_url=served.urls["base_url"]
        ) as client:
            got = await client.achat(
                {
                    "model": MODEL,
                    "prompt": "{{ transcript }}",
                    "transcript_id": transcript_id,
                }
            )
        return {"said": got.content or ""}

    batch = make(step=ask, transcript_ids=served.ids[:2])
    assert asyncio.run(batch.arun(api_key=TEST_KEY)).succeeded == 2
    assert all("said" in r["answer"] for r in read_results(batch.out))
    # The thread runner cannot wait for a coroutine: each item says so.
    again = make(step=ask, transcript_ids=served.ids[2:3], out=batch.out)
    summary = again.run(api_key=TEST_KEY)
    assert summary.errors == {"TypeError": 1}


def test_a_step_that_raises_or_returns_no_json_fails_its_item(
    run: Runner, make: Make, served: Served
) -> None:
    def step(transcript_id: str) -> object:
        if transcript_id == served.ids[0]:
            raise KeyError("boom")
        return object()

    batch = make(step=step, transcript_ids=served.ids[:2])
    summary = run(batch)
    assert summary.errors == {"KeyError": 1, "TypeError": 1}
    record = answered(batch)[served.ids[1]]
    assert "which is not JSON" in record["error"]["message"]
