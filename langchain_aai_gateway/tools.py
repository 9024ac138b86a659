"""Agent tools for meetings: whole-meeting Q&A and speaker identification.

`AssemblyAITranscriptQATool` sends the question with a `transcript_ref`, which
`ChatAssemblyAI` turns into the gateway's `{{ transcript }}` tag and
`transcript_id`: the gateway injects the full transcript server-side, so the agent
never downloads it and its own context holds only the answer.
`AssemblyAISpeakerIdentificationTool` asks Speech Understanding which of the
given names (or roles) each speaker label (`A`, `B`, ...) is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

import httpx
from langchain_core.callbacks import (
    AsyncCallbackManagerForToolRun,
    CallbackManagerForToolRun,
)
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import ArgsSchema, BaseTool, ToolException
from langchain_core.tools.base import ToolExceptionHandlerOutput
from langchain_core.utils import secret_from_env
from pydantic import BaseModel, Field, PrivateAttr, SecretStr, model_validator

import aai_gateway as core
from aai_gateway.adapters import speaker_mapping_text
from aai_gateway.errors import (
    BadRequestError,
    TranscriptNotFoundError,
    TranscriptNotReadyError,
)
from langchain_aai_gateway._errors import translate_errors
from langchain_aai_gateway._prompts import transcript_messages
from langchain_aai_gateway.chat_models import ChatAssemblyAI

__all__ = [
    "AssemblyAISpeakerIdentificationTool",
    "AssemblyAITranscriptQATool",
    "SpeakerQuestion",
    "TranscriptQuestion",
]

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
    except (TranscriptNotFoundError, TranscriptNotReadyError) as exc:
        raise ToolException(str(exc)) from exc
    except BadRequestError as exc:
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


# -- speaker identification --------------------------------------------------------


class SpeakerQuestion(BaseModel):
    """The arguments an agent passes to `AssemblyAISpeakerIdentificationTool`."""

    transcript_id: str = Field(
        description="The AssemblyAI transcript id of the meeting or call."
    )
    speaker_type: Literal["name", "role"] = Field(
        default="name",
        description="'name' to match people's names, 'role' to match roles.",
    )
    known_values: list[str] = Field(
        description=(
            "The names (or roles) of the people who may have spoken, each at most "
            "35 characters, e.g. ['Dana', 'Lee']."
        )
    )


@contextmanager
def _as_speaker_errors(transcript_id: str) -> Iterator[None]:
    """Bad values and bad transcripts as `ToolException`; other errors as LangChain's."""
    with translate_errors(), _as_tool_errors(transcript_id):
        try:
            yield
        except ValueError as exc:
            raise ToolException(str(exc)) from exc


class AssemblyAISpeakerIdentificationTool(BaseTool):
    """A tool that tells an agent who each speaker of a meeting is.

    The agent passes a `transcript_id` and the names (or roles) of the people who
    may have spoken; Speech Understanding maps the transcript's speaker labels
    (`A`, `B`, ...) to them, server-side, and the tool returns the mapping as JSON
    (`{"mapping": {"A": "Dana", ...}, "unidentified": [...]}`). The service does
    not store the result on the transcript. Bad values (an empty list, a value over
    35 characters) and unknown or unfinished transcripts come back to the agent as
    an error message it can act on (`handle_tool_error=True`).

    Example:
        ```python
        tools = [
            AssemblyAISpeakerIdentificationTool(),
            AssemblyAITranscriptQATool(llm=llm),
        ]
        agent = create_agent(llm, tools=tools)
        ```

    Args:
        llm: A `ChatAssemblyAI` whose settings and connections to reuse; or give
            `api_key`, `base_url`, `region` (and optionally HTTP clients).
    """

    name: str = "identify_meeting_speakers"
    description: str = (
        "Identify who each speaker (A, B, ...) of one recorded meeting or call is. "
        "Pass the meeting's transcript_id, speaker_type 'name' or 'role', and "
        "known_values: the names or roles of the people who may have spoken. "
        "Returns the mapping from speaker labels to names or roles as JSON."
    )
    args_schema: ArgsSchema | None = SpeakerQuestion
    handle_tool_error: (
        bool | str | Callable[[ToolException], ToolExceptionHandlerOutput] | None
    ) = True

    llm: ChatAssemblyAI | None = None
    """A chat model whose core clients (settings, connection pools) to reuse."""
    api_key: SecretStr | None = Field(
        default_factory=secret_from_env(core.API_KEY_ENV, default=None)
    )
    """Your AssemblyAI API key (default: `ASSEMBLYAI_API_KEY`)."""
    base_url: str | None = None
    """The gateway URL including `/v1` (wins over `region`)."""
    region: core.Region | None = None
    """`"us"` (default) or `"eu"`."""
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    """Your own `httpx.Client` (used as is, never closed here)."""
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)
    """Your own `httpx.AsyncClient` (used as is, never closed here)."""

    _clients: dict[str, Any] = PrivateAttr(default_factory=dict)

    def _options(self) -> dict[str, Any]:
        key = self.api_key.get_secret_value() if self.api_key else None
        return {"api_key": key, "base_url": self.base_url, "region": self.region}

    def _sync_client(self) -> core.GatewayClient:
        if self.llm is not None:
            return self.llm._sync_client()
        if "sync" not in self._clients:
            self._clients["sync"] = core.GatewayClient(
                http_client=self.http_client, **self._options()
            )
        client: core.GatewayClient = self._clients["sync"]
        return client

    def _async_client(self) -> core.AsyncGatewayClient:
        if self.llm is not None:
            return self.llm._async_client()
        if "async" not in self._clients:
            self._clients["async"] = core.AsyncGatewayClient(
                http_client=self.http_async_client, **self._options()
            )
        client: core.AsyncGatewayClient = self._clients["async"]
        return client

    def _run(
        self,
        transcript_id: str,
        known_values: list[str],
        speaker_type: str = "name",
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> str:
        task = {"speaker_type": speaker_type, "known_values": known_values}
        with _as_speaker_errors(transcript_id):
            result = self._sync_client().understand(
                transcript_id, speaker_identification=task
            )
        return speaker_mapping_text(transcript_id, speaker_type, result)

    async def _arun(
        self,
        transcript_id: str,
        known_values: list[str],
        speaker_type: str = "name",
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> str:
        task = {"speaker_type": speaker_type, "known_values": known_values}
        with _as_speaker_errors(transcript_id):
            result = await self._async_client().aunderstand(
                transcript_id, speaker_identification=task
            )
        return speaker_mapping_text(transcript_id, speaker_type, result)
