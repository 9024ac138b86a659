"""Speaker names and translations in LangChain, against the emulator.

The emulator maps speaker labels to `known_values` in order of first appearance
and marks translations with `[<language>] `.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import pytest
from langchain_core.documents import Document
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tools import ToolException
from pydantic import SecretStr

from aai_gateway.testing import MEETING_IDS
from langchain_aai_gateway import (
    AssemblyAISpeakerIdentificationTool,
    AssemblyAITranscriptLoader,
    AssemblyAITranscriptQATool,
    ChatAssemblyAI,
)
from langchain_aai_gateway.tools import SpeakerQuestion
from tests.conftest import TEST_KEY, understanding_bodies
from tests.langchain.conftest import assert_by_reference, chat_bodies

pytestmark = pytest.mark.e2e

PLANNING = MEETING_IDS["product_planning"]
SUPPORT = MEETING_IDS["support_call"]
UNKNOWN = "00000000-0000-4000-8000-000000000000"
NAMES = ["Dana", "Lee", "Sam"]
KEY = SecretStr(TEST_KEY)


def load(server: Any, how: str, **options: Any) -> list[Document]:
    loader = AssemblyAITranscriptLoader(
        [PLANNING],
        api_key=TEST_KEY,
        transcript_base_url=server.rest_base_url,
        base_url=server.base_url,
        **options,
    )
    if how == "sync":
        return list(loader.lazy_load())

    async def run() -> list[Document]:
        return [d async for d in loader.alazy_load()]

    return asyncio.run(run())


# -- the loader ------------------------------------------------------------------------


def test_loader_names_the_speakers(
    emulator_server: Any, emulator: Any, mode: str
) -> None:
    speakers = {"speaker_type": "name", "known_values": NAMES}
    docs = load(emulator_server[1], mode, mode="utterances", identify_speakers=speakers)
    first = docs[0]
    assert first.metadata["speaker"] == "A"
    assert first.metadata["speaker_name"] == "Dana"
    assert first.page_content.startswith("Dana: Okay, let's get started.")
    assert {d.metadata["speaker_name"] for d in docs} == {"Dana", "Lee", "Sam", "D"}
    (body,) = understanding_bodies(emulator)
    assert body["transcript_id"] == PLANNING
    assert body["speech_understanding"]["request"]["speaker_identification"] == (
        speakers
    )


def test_loader_adds_translated_documents(
    emulator_server: Any, emulator: Any, mode: str
) -> None:
    docs = load(
        emulator_server[1],
        mode,
        mode="utterances",
        identify_speakers={"known_values": NAMES},
        translate_to=["es"],
    )
    originals = [d for d in docs if "language" not in d.metadata]
    spanish = [d for d in docs if d.metadata.get("language") == "es"]
    assert len(spanish) == len(originals) > 0
    assert spanish[0].id == f"{PLANNING}:utterances:es:0"
    assert spanish[0].page_content.startswith("Dana: [es] Okay, let's get started.")
    assert spanish[0].metadata["speaker_name"] == "Dana"
    assert len(understanding_bodies(emulator)) == 1


def test_loader_translates_the_whole_text(emulator_server: Any, emulator: Any) -> None:
    docs = load(emulator_server[1], "sync", mode="text", translate_to=["es"])
    original, spanish = docs
    assert spanish.metadata["language"] == "es"
    assert spanish.id == f"{PLANNING}:text:es:0"
    assert spanish.page_content.startswith("[es] ")
    assert "language" not in original.metadata


# -- the tool --------------------------------------------------------------------------


async def call(tool: AssemblyAISpeakerIdentificationTool, args: Any, mode: str) -> Any:
    return tool.invoke(args) if mode == "sync" else await tool.ainvoke(args)


def test_schema_and_name() -> None:
    tool = AssemblyAISpeakerIdentificationTool(api_key=KEY)
    assert tool.name == "identify_meeting_speakers"
    assert tool.args_schema is SpeakerQuestion
    assert set(tool.args) == {"transcript_id", "speaker_type", "known_values"}


@pytest.fixture
def tool(
    emulator_url: str, sync_http: httpx.Client, async_http: httpx.AsyncClient
) -> AssemblyAISpeakerIdentificationTool:
    return AssemblyAISpeakerIdentificationTool(
        api_key=KEY,
        base_url=emulator_url,
        http_client=sync_http,
        http_async_client=async_http,
    )


async def test_returns_the_mapping(
    tool: AssemblyAISpeakerIdentificationTool, emulator: Any, mode: str
) -> None:
    args = {"transcript_id": PLANNING, "known_values": ["Dana", "Lee"]}
    answer = json.loads(await call(tool, args, mode))
    assert answer == {
        "transcript_id": PLANNING,
        "speaker_type": "name",
        "mapping": {"A": "Dana", "B": "Lee"},
        "unidentified": ["C", "D"],
    }
    (body,) = understanding_bodies(emulator)
    task = body["speech_understanding"]["request"]["speaker_identification"]
    assert task == {"speaker_type": "name", "known_values": ["Dana", "Lee"]}


async def test_roles_through_the_llms_clients(
    llm: ChatAssemblyAI, emulator: Any, mode: str
) -> None:
    tool = AssemblyAISpeakerIdentificationTool(llm=llm)
    args = {
        "transcript_id": SUPPORT,
        "speaker_type": "role",
        "known_values": ["Agent", "Customer"],
    }
    answer = json.loads(await call(tool, args, mode))
    assert answer["speaker_type"] == "role"
    assert answer["mapping"] == {"A": "Agent", "B": "Customer"}


@pytest.mark.parametrize(
    ("transcript_id", "values", "expected"),
    [
        (PLANNING, [], "non-empty list"),
        (PLANNING, ["x" * 36], "at most 35 characters"),
        (UNKNOWN, ["Dana"], UNKNOWN),
        (MEETING_IDS["still_processing"], ["Dana"], "not completed (processing)"),
        ("../etc", ["Dana"], "transcript"),
    ],
    ids=["empty", "too-long", "unknown", "processing", "bad-id"],
)
async def test_errors_go_back_to_the_agent(
    tool: AssemblyAISpeakerIdentificationTool,
    mode: str,
    transcript_id: str,
    values: Any,
    expected: str,
) -> None:
    args = {"transcript_id": transcript_id, "known_values": values}
    call_ = {"name": tool.name, "args": args, "id": "call_1", "type": "tool_call"}
    message = await call(tool, call_, mode)
    assert isinstance(message, ToolMessage)
    assert message.status == "error"
    assert expected in message.text
    tool.handle_tool_error = False
    with pytest.raises(ToolException, match=re.escape(expected)):
        await call(tool, args, mode)


async def test_agent_identifies_speakers_then_asks_the_meeting(
    llm: ChatAssemblyAI, emulator: Any, mode: str
) -> None:
    from langchain.agents import create_agent

    tools = [
        AssemblyAISpeakerIdentificationTool(llm=llm),
        AssemblyAITranscriptQATool(llm=llm),
    ]
    agent = create_agent(model=llm, tools=tools)
    first = HumanMessage(
        f'Use identify_meeting_speakers on transcript "{PLANNING}" with "Dana".'
    )
    state: Any = {"messages": [first]}
    state = agent.invoke(state) if mode == "sync" else await agent.ainvoke(state)
    speakers = state["messages"][2]
    assert isinstance(speakers, ToolMessage)
    assert speakers.name == "identify_meeting_speakers"
    assert json.loads(speakers.text)["mapping"] == {"A": "Dana"}
    second = HumanMessage(
        f'Now use ask_meeting_transcript on transcript "{PLANNING}" with the '
        'question "What did Dana decide?"'
    )
    state = {"messages": [*state["messages"], second]}
    state = agent.invoke(state) if mode == "sync" else await agent.ainvoke(state)
    answer = state["messages"][-2]
    assert isinstance(answer, ToolMessage)
    assert answer.name == "ask_meeting_transcript"
    question = chat_bodies(emulator)[-2]["messages"][-1]["content"]
    assert question.endswith("What did Dana decide?")
    assert state["messages"][-1].content == f"Tool results: {answer.text}"
    assert len(understanding_bodies(emulator)) == 1
    assert_by_reference(chat_bodies(emulator)[-2], PLANNING)
