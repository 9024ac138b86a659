"""The demo's first three steps; each prints as it goes and returns its answer.

The frameworks are imported here, lazily, so that `aai_gateway` itself never
needs LangChain or LlamaIndex.
"""

from __future__ import annotations

import textwrap
import threading
from typing import Any, TextIO

from aai_gateway_demo._target import DemoError, Target
from aai_gateway_demo._wire import WireLog

SUMMARY_INSTRUCTIONS = (
    "List the decisions and the action items (owner, task, due date)."
)
_AGENT_PROMPT = (
    "You answer questions about recorded meetings. Use the ask_meeting_transcript "
    "tool with the meeting's transcript id; never guess."
)


def _missing(what: str, extra: str, exc: ImportError) -> DemoError:
    return DemoError(
        f"this step needs {what} ({exc.name} is not installed): "
        f'pip install "aai-gateway[{extra}]"'
    )


class _Printer:
    """Streams tokens under a label that changes when the speaker does."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.label = ""
        self.runs: list[tuple[str, list[str]]] = []

    def token(self, label: str, text: str) -> None:
        if not text:
            return
        if label != self.label:
            self.out.write(f"\n      {label}: ")
            self.label = label
            self.runs.append((label, []))
        self.runs[-1][1].append(text)
        self.out.write(text.replace("\n", "\n        "))
        self.out.flush()

    def end(self) -> None:
        self.out.write("\n")
        self.label = ""

    def last(self, label: str) -> str:
        """The text of the last run of tokens streamed under `label`."""
        texts = [texts for run_label, texts in self.runs if run_label == label]
        return "".join(texts[-1]) if texts else ""


def _chat_model(target: Target, wire: WireLog) -> Any:
    from pydantic import SecretStr

    from langchain_aai_gateway import ChatAssemblyAI

    return ChatAssemblyAI(
        model=target.model,
        api_key=SecretStr(target.api_key),
        base_url=target.base_url,
        max_tokens=target.max_tokens,
        http_client=wire.http_client(),
    )


def langchain_agent(target: Target, wire: WireLog, out: TextIO) -> str:
    """Step 1: a `create_agent` agent asks a meeting a question through the Q&A tool.

    Returns:
        The agent's answer.
    """
    try:
        from langchain.agents import create_agent

        from langchain_aai_gateway import AssemblyAITranscriptQATool
    except ImportError as exc:
        raise _missing("LangChain with its agents", "all", exc) from exc
    llm = _chat_model(target, wire)
    agent = create_agent(
        model=llm,
        tools=[AssemblyAITranscriptQATool(llm=llm)],
        system_prompt=_AGENT_PROMPT,
    )
    meeting = target.question_meeting
    ask = f'Use the meeting transcript "{meeting.id}" to answer: "{meeting.question}"'
    out.write(f"      user: {ask}")
    printer = _Printer(out)
    inputs: Any = {"messages": [("user", ask)]}
    stream: Any = agent.stream(inputs, stream_mode="messages")
    for message, meta in stream:
        _show(printer, message, meta.get("langgraph_node"))
    printer.end()
    return printer.last("agent")


def _show(printer: _Printer, message: Any, node: object) -> None:
    if getattr(message, "type", "") == "tool":
        return  # its text was streamed by the tool's own model call
    for call in getattr(message, "tool_call_chunks", None) or []:
        if call.get("name"):
            printer.token("agent", f"[calls {call['name']}]")
    text = message.text if isinstance(message.text, str) else message.text()
    label = "tool (whole meeting, by reference)" if node == "tools" else "agent"
    printer.token(label, text)


def llama_index_engine(target: Target, wire: WireLog, out: TextIO) -> str:
    """Step 2: a LlamaIndex `TranscriptQueryEngine` answers the same way, streaming.

    Returns:
        The engine's answer.
    """
    try:
        from llama_index_aai_gateway import AssemblyAI, TranscriptQueryEngine
    except ImportError as exc:
        raise _missing("LlamaIndex", "llama-index", exc) from exc
    llm = AssemblyAI(
        model=target.model,
        api_key=target.api_key,
        base_url=target.base_url,
        max_tokens=target.max_tokens,
        http_client=wire.http_client(),
    )
    meeting = target.engine_meeting
    engine = TranscriptQueryEngine(llm=llm, transcript_id=meeting.id, streaming=True)
    out.write(f"      query: {meeting.question}")
    printer = _Printer(out)
    response: Any = engine.query(meeting.question)
    for token in response.response_gen:
        printer.token("answer", token)
    printer.end()
    return printer.last("answer")


def map_reduce(target: Target, wire: WireLog, out: TextIO) -> str:
    """Step 3: one by-reference summary per meeting, then one call that combines them.

    Returns:
        The combined summary.
    """
    try:
        from langchain_core.callbacks import BaseCallbackHandler

        from langchain_aai_gateway import summarize_transcripts
    except ImportError as exc:
        raise _missing("LangChain", "langchain", exc) from exc
    total = len(target.meetings)
    lock = threading.Lock()
    finished = [0]

    class Progress(BaseCallbackHandler):
        def on_llm_end(self, response: Any, **kwargs: Any) -> None:
            with lock:
                finished[0] += 1
                done = min(finished[0], total)
                step = "combined" if finished[0] > total else f"{done}/{total} meetings"
                out.write(f"      [{'#' * done}{'.' * (total - done)}] {step}\n")
                out.flush()

    llm = _chat_model(target, wire)
    result = summarize_transcripts(
        llm,
        [m.id for m in target.meetings],
        instructions=SUMMARY_INSTRUCTIONS,
        max_concurrency=3,
        config={"callbacks": [Progress()]},
    )
    summary = str(result.summary).strip()
    out.write("      combined summary:\n")
    for line in summary.splitlines():
        out.write(textwrap.indent(textwrap.fill(line, 80), "        ") + "\n")
    return summary
