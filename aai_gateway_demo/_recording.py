"""The demo's recording step: audio in, transcribed, then asked about by reference.

`AssemblyAITranscriptLoader(audio=...)` uploads a local file (a URL is handed to
the API as is), creates the transcript with speaker labels and waits for it; its
reference document goes into `ChatAssemblyAI`, which sends `transcript_id` and
the tag, so the gateway injects the words and the question downloads nothing.
"""

from __future__ import annotations

from typing import Any, TextIO

from aai_gateway_demo._steps import _chat_model, _missing, _Printer
from aai_gateway_demo._target import Recording, Target
from aai_gateway_demo._wire import Call, WireLog

STEP = "recording"
SKIPPED = (
    "      skipped: with --live, pass --audio URL_OR_PATH (a short recording of "
    "yours) to run this step\n"
)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _transcribe(target: Target, wire: WireLog, recording: Recording) -> Any:
    """Upload (a file), create and wait for the transcript; its reference document."""
    try:
        from langchain_aai_gateway import AssemblyAITranscriptLoader
    except ImportError as exc:
        raise _missing("LangChain", "langchain", exc) from exc
    loader = AssemblyAITranscriptLoader(
        audio=recording.audio,
        speaker_labels=True,
        mode="reference",
        api_key=target.api_key,
        transcript_base_url=target.rest_base_url,
        http_client=wire.http_client(),
    )
    (document,) = loader.load()
    return document


def _describe_transcription(calls: list[Call], transcript_id: str, out: TextIO) -> None:
    """Print the transcription's requests, as the wire log saw them."""
    uploads = [c for c in calls if c.method == "POST" and c.path.endswith("/upload")]
    created = [
        c for c in calls if c.method == "POST" and c.path.endswith("/transcript")
    ]
    checks = [c for c in calls if c.method == "GET" and transcript_id in c.path]
    if uploads:
        sent = sum(c.size for c in uploads)
        posts = _plural(len(uploads), "POST")
        out.write(f"      uploaded: {sent:,} bytes ({posts} /v2/upload)\n")
    else:
        out.write("      uploaded: nothing (the API fetches the URL itself)\n")
    out.write(
        f"      created: transcript {transcript_id!r} "
        f"({_plural(len(created), 'POST')} /v2/transcript, speaker_labels)\n"
        f"      waited: {_plural(len(checks), 'status check')} "
        f"(GET /v2/transcript/{transcript_id}) until it completed\n"
    )


def _ask(
    target: Target, wire: WireLog, question: str, reference: str, out: TextIO
) -> str:
    """Ask `question` about the referenced transcript, streaming the answer."""
    llm = _chat_model(target, wire)
    out.write(f"      user: {question}")
    printer = _Printer(out)
    for chunk in llm.stream([("human", f"{reference}\n\n{question}")]):
        printer.token(
            "answer", chunk.text if isinstance(chunk.text, str) else chunk.text()
        )
    printer.end()
    return printer.last("answer")


def from_recording(target: Target, wire: WireLog, out: TextIO) -> str | None:
    """Step 4: transcribe a recording, then ask the new meeting a question by reference.

    Returns:
        The answer, or `None` when there is no recording (live without `--audio`).
    """
    recording = target.recording
    if recording is None:
        out.write(SKIPPED)
        return None
    out.write(f"      audio: {recording.shown}\n")
    out.flush()
    document = _transcribe(target, wire, recording)
    transcript_id = str(document.metadata["transcript_id"])
    _describe_transcription(wire.calls_of(STEP), transcript_id, out)
    before = len(wire.calls_of(STEP))
    answer = _ask(target, wire, recording.question, document.page_content, out)
    asking = wire.calls_of(STEP)[before:]
    chats = [r for r in wire.of_step(STEP) if r.transcript_id == transcript_id]
    fetched = [c for c in asking if "/v2/transcript" in c.path]
    verdict = (
        "the gateway injected the words; the question downloaded nothing"
        if not fetched
        else "the question read the transcript itself"
    )
    out.write(
        f"      the question: {_plural(len(chats), 'chat request')} of "
        f"{sum(len(r.body) for r in chats):,} bytes carrying transcript_id="
        f"{transcript_id!r};\n        {_plural(len(fetched), 'transcript request')} "
        f"while asking: {verdict}\n"
    )
    return answer
