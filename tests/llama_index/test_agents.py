"""LlamaIndex agents driving `AssemblyAI`: FunctionAgent, ReActAgent, AgentWorkflow."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from llama_index.core.agent.workflow import (
    AgentStream,
    AgentWorkflow,
    FunctionAgent,
    ReActAgent,
    ToolCallResult,
)

from llama_index_aai_gateway import AssemblyAI
from tests.llama_index.conftest import (
    TOOLS,
    FakeGateway,
    add,
    run_closing,
    text_reply,
    tool_reply,
)


async def run_agent(agent: Any, question: str) -> tuple[str, list[Any]]:
    handler = agent.run(user_msg=question)
    events = [event async for event in handler.stream_events()]
    return str(await handler), events


@pytest.mark.e2e
@pytest.mark.parametrize("streaming", [True, False], ids=["streaming", "not-streaming"])
def test_function_agent_reaches_a_final_answer(
    emulator: Any, live_llm: AssemblyAI, streaming: bool
) -> None:
    agent = FunctionAgent(tools=TOOLS, llm=live_llm, streaming=streaming)
    answer, events = run_closing(
        live_llm, run_agent(agent, "Please use add on 2 and 5.")
    )
    assert answer == "Tool results: 7"
    results = [e for e in events if isinstance(e, ToolCallResult)]
    assert [(r.tool_name, r.tool_kwargs, r.tool_output.content) for r in results] == [
        ("add", {"a": 2, "b": 5}, "7")
    ]
    assert any(isinstance(e, AgentStream) for e in events) is streaming
    # The second turn replays the call, then its result keyed by the call id.
    second = [r.json for r in emulator.requests if r.path == "/v1/chat/completions"][1]
    assistant, tool = second["messages"][-2:]
    call_id = assistant["tool_calls"][0]["id"]
    assert assistant == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": "add", "arguments": '{"a": 2, "b": 5}'},
            }
        ],
    }
    assert tool == {"role": "tool", "content": "7", "tool_call_id": call_id}
    assert [t["function"]["name"] for t in second["tools"]] == ["add", "multiply"]
    assert ("stream" in second) is streaming


def test_react_agent_parses_a_scripted_action(
    fake: FakeGateway, llm: AssemblyAI
) -> None:
    fake.script(
        text_reply(
            'Thought: I need to add.\nAction: add\nAction Input: {"a": 2, "b": 3}'
        ),
        text_reply("Thought: I can answer without using any more tools.\nAnswer: 5"),
    )
    agent = ReActAgent(tools=TOOLS, llm=llm, streaming=False)
    answer, events = asyncio.run(run_agent(agent, "What is 2 + 3?"))
    assert answer == "5"
    assert [r.tool_output.content for r in events if isinstance(r, ToolCallResult)] == [
        "5"
    ]
    assert "tools" not in fake.bodies[0]  # ReAct describes tools in text only
    assert fake.bodies[1]["messages"][-1]["role"] == "user"  # the observation


def test_agent_workflow_hands_off_between_two_agents(
    fake: FakeGateway, llm: AssemblyAI
) -> None:
    fake.script(
        tool_reply(("h1", "handoff", {"to_agent": "calculator", "reason": "math"})),
        tool_reply(("m1", "multiply", {"a": 6, "b": 7})),
        text_reply("The answer is 42."),
    )
    greeter = FunctionAgent(
        name="greeter",
        description="Greets and routes questions.",
        system_prompt="Route math to the calculator.",
        llm=llm,
        tools=[],
        can_handoff_to=["calculator"],
        streaming=False,
    )
    calculator = FunctionAgent(
        name="calculator",
        description="Does arithmetic.",
        llm=llm,
        tools=TOOLS,
        streaming=False,
    )
    workflow = AgentWorkflow(agents=[greeter, calculator], root_agent="greeter")
    answer, events = asyncio.run(run_agent(workflow, "What is 6 times 7?"))
    assert answer == "The answer is 42."
    assert [r.tool_name for r in events if isinstance(r, ToolCallResult)] == [
        "handoff",
        "multiply",
    ]
    assert [t["function"]["name"] for t in fake.bodies[0]["tools"]] == ["handoff"]
    assert "multiply" in [t["function"]["name"] for t in fake.bodies[1]["tools"]]


def test_agent_workflow_picks_function_agent_for_a_tool_model(llm: AssemblyAI) -> None:
    workflow = AgentWorkflow.from_tools_or_functions([add], llm=llm)
    assert isinstance(next(iter(workflow.agents.values())), FunctionAgent)


def test_function_agent_with_structured_output(
    fake: FakeGateway, llm: AssemblyAI
) -> None:
    from pydantic import BaseModel

    class Sum(BaseModel):
        """The result."""

        total: int

    fake.script(
        tool_reply(("c1", "add", {"a": 1, "b": 2})),
        text_reply("It is 3."),
        tool_reply(("s1", "Sum", {"total": 3})),
    )
    agent = FunctionAgent(tools=TOOLS, llm=llm, output_cls=Sum, streaming=False)

    async def finish() -> Any:
        return await agent.run(user_msg="add 1 and 2")

    result = asyncio.run(finish())
    assert result.get_pydantic_model(Sum) == Sum(total=3)
