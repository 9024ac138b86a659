"""`AssemblyAITranscriptQATool`: agents ask questions about whole meetings, by reference.

The tool sends the question with a `transcript_ref`, which `ChatAssemblyAI` turns
into the gateway's `{{ transcript }}` tag and `transcript_id`: the gateway injects
the full transcript server-side, so the agent never downloads it and its own
context holds only the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from langchain_core.callbacks import (
    AsyncCallbackManagerForToolRun,
    CallbackManagerForToolRun,
)
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import ArgsSchema, BaseTool, ToolException
from langchain_core.tools.base import ToolExceptionHandlerOutput
from langchain_core.utils import secret_from_env
from pydantic import BaseModel, Field, SecretStr, model_validator

import aai_gateway as core
from langchain_aai_gateway._prompts import transcript_messages
from langchain_aai_gateway.chat_models import ChatAssemblyAI

__all__ = ["AssemblyAITranscriptQATool", "TranscriptQuestion"]

DEFAULT_QA_PROMPT = (
    "You answer questions about a recorded meeting from its transcript. Answer only "
    "from the transcript, name who said what when it matters, and say so when the "
    "transcript does not answer the question."
)


class TranscriptQuestion(BaseModel):
    """The arguments an agent passes to `AssemblyAITranscriptQATool`."""

    transcript_id: str = Field(
        description="The AssemblyAI transcript id of the meeting or call."
    )
    question: str = Field(
        description="A self-contained question to answer from the whole transcript."
    )


@contextmanager
def _as_tool_errors(transcript_id: str) -> Iterator[None]:
    """Errors an agent can act on (bad, unknown or unfinished transcript) as `ToolException`."""
    try:
        core.transcript_ref(transcript_id)
    except ValueError as exc:
        raise ToolException(str(exc)) from exc
    try:
        yield
    except (core.TranscriptNotFoundError, core.TranscriptNotReadyError) as exc:
        raise ToolException(str(exc)) from exc
    except core.BadRequestError as exc:
        if transcript_id not in str(exc):
            raise
        raise ToolException(str(exc)) from exc


def _run_config(
    run_manager: CallbackManagerForToolRun | AsyncCallbackManagerForToolRun | None,
) -> RunnableConfig:
    return {"callbacks": run_manager.get_child()} if run_manager else {}


class AssemblyAITranscriptQATool(BaseTool):
    """A tool that answers a question about one meeting from its whole transcript.

    The agent passes a `transcript_id` and a `question`; the answer comes from a
    `ChatAssemblyAI` call that carries the transcript by reference, so the
    gateway injects it and neither the agent nor this process downloads it.
    Unknown, failed or unfinished transcripts come back to the agent as an error
    message it can act on (`handle_tool_error=True`).

    Example:
        ```python
        from langchain.agents import create_agent
        from langchain_aai_gateway import AssemblyAITranscriptQATool, ChatAssemblyAI

        llm = ChatAssemblyAI(model="claude-sonnet-4-6")
        agent = create_agent(llm, tools=[AssemblyAITranscriptQATool(llm=llm)])
        agent.invoke({"messages": [("user", "Who owns the follow-ups in meeting 5d8e...?")]})
        ```

    Args:
        llm: The `ChatAssemblyAI` that answers; or give `model` (and `api_key`,
            `base_url`, `region`) to build one.
        system_prompt: How to answer (set `""` to send none).
    """

    name: str = "ask_meeting_transcript"
    description: str = (
        "Answer a question about one recorded meeting or call from its complete "
        "transcript. Pass the meeting's transcript_id and a self-contained question; "
        "ask about one meeting per call."
    )
    args_schema: ArgsSchema | None = TranscriptQuestion
    handle_tool_error: (
        bool | str | Callable[[ToolException], ToolExceptionHandlerOutput] | None
    ) = True

    llm: ChatAssemblyAI | None = None
    """The model that answers (built from the fields below when not given)."""
    model: str | None = None
    """The gateway model id, when `llm` is not given."""
    api_key: SecretStr | None = Field(
        default_factory=secret_from_env(core.API_KEY_ENV, default=None)
    )
    """Your AssemblyAI API key (default: `ASSEMBLYAI_API_KEY`)."""
    base_url: str | None = None
    """The gateway URL including `/v1` (wins over `region`)."""
    region: core.Region | None = None
    """`"us"` (default) or `"eu"`."""
    system_prompt: str = DEFAULT_QA_PROMPT

    @model_validator(mode="after")
    def _build_llm(self) -> AssemblyAITranscriptQATool:
        if self.llm is None:
            if not self.model:
                msg = "pass `llm=ChatAssemblyAI(...)` or a `model` to build one"
                raise ValueError(msg)
            self.llm = ChatAssemblyAI(
                model=self.model,
                api_key=self.api_key,
                base_url=self.base_url,
                region=self.region,
            )
        return self

    def _chat(self) -> ChatAssemblyAI:
        if self.llm is None:  # pragma: no cover - the validator always sets it
            msg = "no `llm`"
            raise ValueError(msg)
        return self.llm

    def _run(
        self,
        transcript_id: str,
        question: str,
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> str:
        with _as_tool_errors(transcript_id):
            messages = transcript_messages(transcript_id, question, self.system_prompt)
            answer = self._chat().invoke(messages, config=_run_config(run_manager))
        return answer.text

    async def _arun(
        self,
        transcript_id: str,
        question: str,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> str:
        with _as_tool_errors(transcript_id):
            messages = transcript_messages(transcript_id, question, self.system_prompt)
            answer = await self._chat().ainvoke(
                messages, config=_run_config(run_manager)
            )
        return answer.text
