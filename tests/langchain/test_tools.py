"""`AssemblyAITranscriptQATool`: LangChain's standard tool suites, then its own behaviour.

The integration suite runs against the emulator over real sockets: every call
asks a meeting a question by reference.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import ToolException
from langchain_tests.integration_tests import ToolsIntegrationTests
from langchain_tests.unit_tests import ToolsUnitTests
from pydantic import SecretStr

from aai_gateway.testing import MEETING_IDS
from langchain_aai_gateway import AssemblyAITranscriptQATool, ChatAssemblyAI
from langchain_aai_gateway.tools import DEFAULT_QA_PROMPT, TranscriptQuestion
from tests.conftest import TEST_KEY, rest_paths
from tests.langchain.conftest import (
    MODEL,
    assert_by_reference,
    chat_bodies,
)

KEY = SecretStr(TEST_KEY)
SUPPORT = MEETING_IDS["support_call"]
UNKNOWN = "00000000-0000-4000-8000-000000000000"
SUPPORT_OPENING = "Thank you for calling Northwind support"
EXAMPLE = {"transcript_id": SUPPORT, "question": "Who answered the call?"}

# Filled per test by `_emulator_target`: the suites build the tool from properties.
_TARGET: dict[str, Any] = {}


class TestTranscriptQAToolUnit(ToolsUnitTests):
    @property
    def tool_constructor(self) -> type[AssemblyAITranscriptQATool]:
        return AssemblyAITranscriptQATool

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {"model": MODEL}

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return dict(EXAMPLE)

    @property
    def init_from_env_params(
        self,
    ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {"ASSEMBLYAI_API_KEY": TEST_KEY},
            {"model": MODEL},
            {"api_key": TEST_KEY},
        )


@pytest.mark.e2e
class TestTranscriptQAToolIntegration(ToolsIntegrationTests):
    @pytest.fixture(autouse=True)
    async def _emulator_target(
        self, emulator_url: str, emulator: Any
    ) -> AsyncIterator[None]:
        async with httpx.AsyncClient() as aio:
            with httpx.Client() as sync:
                _TARGET["llm"] = ChatAssemblyAI(
                    model=MODEL,
                    api_key=KEY,
                    base_url=emulator_url,
                    http_client=sync,
                    http_async_client=aio,
                )
                yield
                # Whatever the suite asked, it went by reference and downloaded nothing.
                for body in chat_bodies(emulator):
                    assert_by_reference(body, SUPPORT)
                assert rest_paths(emulator) == []
        _TARGET.clear()

    @property
    def tool_constructor(self) -> type[AssemblyAITranscriptQATool]:
        return AssemblyAITranscriptQATool

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return dict(_TARGET)

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return dict(EXAMPLE)


# -- its own behaviour -----------------------------------------------------------------


async def call(
    tool: AssemblyAITranscriptQATool, args: dict[str, Any], mode: str
) -> Any:
    if mode == "sync":
        return tool.invoke(args)
    return await tool.ainvoke(args)


def test_schema_and_name() -> None:
    tool = AssemblyAITranscriptQATool(model=MODEL)
    assert tool.name == "ask_meeting_transcript"
    assert tool.args_schema is TranscriptQuestion
    assert set(tool.args) == {"transcript_id", "question"}
    assert "transcript" in tool.description


def test_needs_an_llm_or_a_model() -> None:
    with pytest.raises(ValueError, match="pass `llm="):
        AssemblyAITranscriptQATool()


def test_builds_its_model_from_fields() -> None:
    tool = AssemblyAITranscriptQATool(
        model=MODEL, api_key=KEY, base_url="http://127.0.0.1:9/v1", region="eu"
    )
    assert isinstance(tool.llm, ChatAssemblyAI)
    assert tool.llm.model == MODEL
    assert tool.llm.base_url == "http://127.0.0.1:9/v1"
    assert tool.llm.region == "eu"
    assert tool.llm.api_key is not None
    assert tool.llm.api_key.get_secret_value() == TEST_KEY


@pytest.mark.e2e
async def test_answers_by_reference(
    llm: ChatAssemblyAI, emulator: Any, mode: str
) -> None:
    tool = AssemblyAITranscriptQATool(llm=llm)
    answer = await call(tool, EXAMPLE, mode)
    assert answer.startswith(SUPPORT_OPENING)  # quoted from the injected transcript
    (body,) = chat_bodies(emulator)
    assert body["messages"][-1]["content"].endswith("Who answered the call?")
    assert_by_reference(body, SUPPORT)
    assert body["messages"][0] == {"role": "system", "content": DEFAULT_QA_PROMPT}
    assert rest_paths(emulator) == []


@pytest.mark.e2e
def test_no_system_prompt_when_empty(llm: ChatAssemblyAI, emulator: Any) -> None:
    AssemblyAITranscriptQATool(llm=llm, system_prompt="").invoke(EXAMPLE)
    (body,) = chat_bodies(emulator)
    assert [m["role"] for m in body["messages"]] == ["user"]


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("transcript_id", "expected"),
    [
        (UNKNOWN, UNKNOWN),
        (MEETING_IDS["failed_upload"], "is not completed (error)"),
        (MEETING_IDS["still_processing"], "is not completed (processing)"),
    ],
    ids=["unknown", "failed", "processing"],
)
async def test_transcript_errors_go_back_to_the_agent(
    llm: ChatAssemblyAI, mode: str, transcript_id: str, expected: str
) -> None:
    tool = AssemblyAITranscriptQATool(llm=llm)
    args = {"transcript_id": transcript_id, "question": "Who spoke?"}
    call_ = {"name": tool.name, "args": args, "id": "call_1", "type": "tool_call"}
    message = await call(tool, call_, mode)
    assert isinstance(message, ToolMessage)
    assert message.status == "error"
    assert expected in str(message.content)


@pytest.mark.e2e
async def test_malformed_id_is_an_error_before_any_request(
    llm: ChatAssemblyAI, emulator: Any, mode: str
) -> None:
    tool = AssemblyAITranscriptQATool(llm=llm, handle_tool_error=False)
    with pytest.raises(ToolException, match="transcript id"):
        await call(tool, {"transcript_id": "not an id", "question": "?"}, mode)
    assert emulator.requests == []


@pytest.mark.e2e
def test_other_errors_are_not_swallowed(
    emulator_url: str, sync_http: httpx.Client, emulator: Any
) -> None:
    import aai_gateway

    llm = ChatAssemblyAI(
        model=MODEL,
        api_key=SecretStr("wrong-key"),
        base_url=emulator_url,
        http_client=sync_http,
    )
    with pytest.raises(aai_gateway.AuthenticationError):
        AssemblyAITranscriptQATool(llm=llm).invoke(EXAMPLE)


@pytest.mark.e2e
async def test_create_agent_asks_a_meeting_without_downloading_it(
    llm: ChatAssemblyAI, emulator: Any, mode: str
) -> None:
    from langchain.agents import create_agent

    agent = create_agent(model=llm, tools=[AssemblyAITranscriptQATool(llm=llm)])
    question = (
        f'Use ask_meeting_transcript on transcript "{SUPPORT}" with the question '
        '"Who answered the call?"'
    )
    state: Any = {"messages": [HumanMessage(question)]}
    result = agent.invoke(state) if mode == "sync" else await agent.ainvoke(state)
    tool_message = result["messages"][2]
    assert isinstance(tool_message, ToolMessage)
    assert tool_message.text.startswith(SUPPORT_OPENING)
    assert result["messages"][-1].content == f"Tool results: {tool_message.text}"
    agent_turn, tool_request, final_turn = chat_bodies(emulator)
    assert_by_reference(tool_request, SUPPORT)
    assert "transcript_id" not in agent_turn
    assert "transcript_id" not in final_turn
    assert rest_paths(emulator) == []


class Runs(BaseCallbackHandler):
    """Notes the tool's run id and the parent of the chat model's run."""

    def __init__(self) -> None:
        self.tool_run: UUID | None = None
        self.chat_parent: UUID | None = None

    def on_tool_start(self, *args: Any, run_id: UUID, **kwargs: Any) -> None:
        self.tool_run = run_id

    def on_chat_model_start(
        self, *args: Any, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> None:
        self.chat_parent = parent_run_id


@pytest.mark.e2e
async def test_the_model_call_nests_under_the_tool_run(
    llm: ChatAssemblyAI, mode: str
) -> None:
    runs = Runs()
    tool = AssemblyAITranscriptQATool(llm=llm)
    config: RunnableConfig = {"callbacks": [runs]}
    if mode == "sync":
        tool.invoke(EXAMPLE, config)
    else:
        await tool.ainvoke(EXAMPLE, config)
    assert runs.tool_run is not None
    assert runs.chat_parent == runs.tool_run
