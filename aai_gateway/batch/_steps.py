"""Framework steps as the per-transcript work: a LangChain Runnable, a LlamaIndex program, a callable.

Told apart by what they have, so the core imports neither framework:

- `.invoke`/`.ainvoke` (a LangChain Runnable, such as a prompt piped into
  `ChatAssemblyAI(...).with_structured_output(Schema)`): called with
  `{"transcript": transcript_ref(id), "transcript_id": id}`, so a prompt
  template places the reference where `{transcript}` is;
- `.acall` and a call (a LlamaIndex program, such as `FunctionCallingProgram`):
  called with the keywords `transcript=` and `transcript_id=`;
- any other callable: called with the transcript id; it may return an awaitable.

The result becomes the record: a Pydantic object its JSON dump, a LangChain message
its text with its usage and request id, `include_raw=True`'s dict its `parsed`
with the raw message's usage, a core `ChatCompletion` its text, and JSON values
stay as they are.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Mapping
from typing import Any

from aai_gateway.batch._records import BatchRecord, ok_record, usage_record
from aai_gateway.transcripts import transcript_ref
from aai_gateway.types import ChatCompletion


def check_step(step: object) -> None:
    """Refuse a step that is none of the three kinds.

    Raises:
        TypeError: `step` has no `invoke`/`ainvoke`, no `acall` and is not callable.
    """
    if hasattr(step, "ainvoke") or hasattr(step, "invoke") or callable(step):
        return
    msg = (
        "`step` must be a LangChain Runnable, a LlamaIndex program or a callable "
        f"taking the transcript id, got {step!r}"
    )
    raise TypeError(msg)


def _runnable_input(transcript_id: str) -> dict[str, str]:
    return {"transcript": transcript_ref(transcript_id), "transcript_id": transcript_id}


def call_step(step: Any, transcript_id: str) -> Any:
    """Run `step` for one transcript, in this thread.

    Raises:
        TypeError: the step is a coroutine function (use the async runner).
    """
    if hasattr(step, "invoke"):
        return step.invoke(_runnable_input(transcript_id))
    if hasattr(step, "acall") and callable(step):
        return step(**_runnable_input(transcript_id))
    result = step(transcript_id)
    if inspect.isawaitable(result):
        if inspect.iscoroutine(result):
            result.close()
        msg = "`step` returned an awaitable; run the batch with `arun()` instead"
        raise TypeError(msg)
    return result


async def acall_step(step: Any, transcript_id: str) -> Any:
    """Run `step` for one transcript without blocking the loop.

    A plain synchronous callable runs in a worker thread.
    """
    if hasattr(step, "ainvoke"):
        return await step.ainvoke(_runnable_input(transcript_id))
    if hasattr(step, "acall"):
        return await step.acall(**_runnable_input(transcript_id))
    if inspect.iscoroutinefunction(step) or inspect.iscoroutinefunction(
        type(step).__call__
    ):
        return await step(transcript_id)
    result = await asyncio.to_thread(step, transcript_id)
    if inspect.isawaitable(result):
        return await result
    return result


def step_record(transcript_id: str, result: Any) -> BatchRecord:
    """The record of what a step returned.

    Raises:
        TypeError: the answer is not JSON (nor a Pydantic object, a message, ...).
    """
    record = _record(transcript_id, result)
    try:
        json.dumps(record["answer"])
    except (TypeError, ValueError) as exc:
        msg = (
            f"the step returned {type(record['answer']).__name__}, which is not JSON; "
            "return text, a Pydantic object, a LangChain message or JSON values"
        )
        raise TypeError(msg) from exc
    return record


def _record(transcript_id: str, result: Any) -> BatchRecord:
    if isinstance(result, ChatCompletion):
        return ok_record(
            transcript_id,
            result.content,
            model=result.model,
            usage=usage_record(result.usage),
            request_id=result.request_id,
        )
    if isinstance(result, Mapping) and {"raw", "parsed"} <= result.keys():
        if result.get("parsing_error") is not None:
            raise result["parsing_error"]
        record = _record(transcript_id, result["raw"])
        record["answer"] = _json_value(result["parsed"])
        return record
    if hasattr(result, "usage_metadata") and hasattr(result, "content"):
        metadata = getattr(result, "response_metadata", None) or {}
        return ok_record(
            transcript_id,
            result.content,
            model=_text(metadata.get("model_name")),
            usage=usage_record(result.usage_metadata),
            request_id=_text(metadata.get("request_id")),
        )
    return ok_record(transcript_id, _json_value(result))


def _json_value(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    return dump(mode="json") if callable(dump) else value


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
